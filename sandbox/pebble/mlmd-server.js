// @ts-check
// The mlmd charm's pebble service, `bin/metadata_store_server --metadata_store_server_config_file=
// /config/config.proto --grpc_port=8080 --enable_database_upgrade=true`, played in the test's
// process. At start, as metadata_store_server_main.cc does: CreateMetadataStore on the SQLite file
// /data/mlmd.db (an empty store is made when the file is missing: the vectors' DDL, then the nine
// simple types), then the schema check of query_config_executor.cc's UpgradeMetadataSourceIfOutOfDate
// (the config file has no migration options, so the upgrade flag does nothing). A mismatch fails
// CHECK_EQ with the FailedPrecondition text and aborts (exit 134, pebble then backs off and
// restarts it); a match logs "Server listening on 0.0.0.0:8080". rpc() is what each gRPC call does
// (metadata_store_service_impl.cc ConnectMetadataStore): a new connection that creates the file
// and an empty store when it is gone, and checks the schema version again.
import { spawn } from 'node:child_process';
import { existsSync, linkSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { MLMD_VECTORS } from '../mlmd.js';

const DB = '/data/mlmd.db';
export const MLMD_COMMAND =
  'bin/metadata_store_server --metadata_store_server_config_file=/config/config.proto --grpc_port=8080 --enable_database_upgrade=true';
const MAIN = 'metadata_store_server_main.cc';

/** The DDL and the simple types an empty store gets, for a library at this schema version. @param {number} version */
function emptyStoreSql(version) {
  const schema = readFileSync(path.join(MLMD_VECTORS, 'mlmd-sqlite-schema.sql'), 'utf8').replace(
    /INSERT INTO `MLMDEnv`\(`schema_version`\) VALUES\(\d+\);/,
    `INSERT INTO \`MLMDEnv\`(\`schema_version\`) VALUES(${version});`,
  );
  const types = readFileSync(path.join(MLMD_VECTORS, 'mlmd-sample-rows.sql'), 'utf8')
    .split('\n')
    .filter((l) => /^INSERT INTO `Type` .* VALUES \([1-9], 'mlmd\./.test(l));
  return `${schema}\nBEGIN;\n${types.join('\n')}\nCOMMIT;\n`;
}

/** Runs sqlite3 without blocking the event loop. @param {string[]} args @param {string} [input] @returns {Promise<string>} */
function sqlite(args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn('sqlite3', ['-batch', '-bail', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(err.trim() || `sqlite3 exited with ${code}`))));
  });
}

/** glog's prefix: "I0610 12:00:00.123456     1 file.cc:577] ". @param {'I' | 'W' | 'E' | 'F'} level @param {number} tid @param {number} line */
function glog(level, tid, line) {
  const t = new Date();
  const p2 = (/** @type {number} */ n) => String(n).padStart(2, '0');
  const micros = String(t.getUTCMilliseconds() * 1000).padStart(6, '0');
  return `${level}${p2(t.getUTCMonth() + 1)}${p2(t.getUTCDate())} ${p2(t.getUTCHours())}:${p2(t.getUTCMinutes())}:${p2(t.getUTCSeconds())}.${micros} ${String(tid).padStart(5)} ${MAIN}:${line}] `;
}

/** UpgradeMetadataSourceIfOutOfDate's verdict: undefined when compatible. @param {number} db @param {number} lib */
export function schemaMismatch(db, lib) {
  if (db === lib) return undefined;
  if (db > lib) {
    return (
      `FAILED_PRECONDITION: MLMD database version ${db} is greater than library version ${lib}. Please upgrade the library to use the given ` +
      'database in order to prevent potential data loss. If data loss is acceptable, please downgrade the database using a newer version of library.'
    );
  }
  return (
    `FAILED_PRECONDITION: MLMD database version ${db} is older than library version ${lib}. Schema migration is disabled. Please upgrade the ` +
    'database then use the library version; or switch to a older library version to use the current database. For more details, please ' +
    'refer to ml-metadata g3doc/third_party/ml_metadata/g3doc/get_started.md#upgrade-the-database-schema'
  );
}

/**
 * The server, as a pebble service program. libraryVersion: the schema version its MLMD library
 * expects (10 for MLMD 1.11 to 1.17); change it to make the next start (or RPC) see a mismatch.
 * @param {{ libraryVersion?: number }} [options]
 */
export function mlmdServer(options = {}) {
  let tid = 14;
  /** @type {{ hostPath: (p: string) => string } | undefined} while listening */
  let serving;
  let builds = 0;
  /** @type {Set<Promise<unknown>>} sqlite3 runs not finished yet */
  const pending = new Set();
  /** @template T @param {Promise<T>} p @returns {Promise<T>} */
  const track = (p) => {
    pending.add(p);
    const forget = () => pending.delete(p);
    p.then(forget, forget);
    return p;
  };
  const server = {
    libraryVersion: options.libraryVersion ?? 10,
    /** True between "Server listening" and the process ending. */
    get listening() {
      return serving !== undefined;
    },

    /** @param {import('./types.js').ServiceIo} io */
    start(io) {
      const me = ++tid;
      let gone = false;
      io.log('WARNING: Logging before InitGoogleLogging() is written to STDERR');
      const file = io.hostPath(DB);
      track(openStore(file, io.scratchDir, server.libraryVersion, ++builds)).then(
        (version) => {
          if (gone) return;
          const mismatch = schemaMismatch(version, server.libraryVersion);
          if (mismatch) return abort(mismatch);
          serving = { hostPath: io.hostPath };
          io.log(`${glog('I', me, 577)}Server listening on 0.0.0.0:8080`);
        },
        (err) => !gone && abort(`INTERNAL: ${String(err.message).split('\n')[0]}`),
      );
      /** @param {string} status */
      const abort = (status) => {
        gone = true;
        io.log(
          `${glog('F', me, 555)}Check failed: absl::OkStatus() == status (OK vs. ${status}) MetadataStore cannot be created with the given connection config.`,
        );
        io.log('*** Check failure stack trace: ***');
        io.exit(134); // SIGABRT
      };
      return {
        stop() {
          // SIGTERM: the server has no handler, so it dies of it
          gone = true;
          serving = undefined;
          io.exit(143);
        },
      };
    },

    /** Resolves once no sqlite3 of this server is running (the pod is going away). */
    async settled() {
      while (pending.size) await Promise.allSettled([...pending]);
    },

    /**
     * One gRPC call: a new connection to /data/mlmd.db, created (with an empty store) if missing,
     * then the schema check. Refused unless the server is listening.
     * @returns {Promise<{ schemaVersion: number, created: boolean, counts: Record<string, number> }>}
     */
    rpc() {
      return track(this.call());
    },

    /** @returns {Promise<{ schemaVersion: number, created: boolean, counts: Record<string, number> }>} */
    async call() {
      if (!serving) throw new Error('14 UNAVAILABLE: failed to connect to all addresses; last error: UNKNOWN: ipv4:10.152.183.20:8080: Connection refused');
      const file = serving.hostPath(DB);
      const created = !existsSync(file);
      if (created) await sqlite([file], emptyStoreSql(server.libraryVersion));
      const version = Number((await sqlite([file, 'SELECT schema_version FROM MLMDEnv;'])).trim());
      const mismatch = schemaMismatch(version, server.libraryVersion);
      if (mismatch) throw new Error(`9 ${mismatch}`);
      const rows = await sqlite([
        file,
        "SELECT 'Artifact', count(*) FROM Artifact UNION ALL SELECT 'Execution', count(*) FROM Execution UNION ALL SELECT 'Context', count(*) FROM Context;",
      ]);
      /** @type {Record<string, number>} */
      const counts = {};
      for (const line of rows.split('\n').filter(Boolean)) {
        const [name, n] = line.split('|');
        counts[name] = Number(n);
      }
      return { schemaVersion: version, created, counts };
    },
  };
  return server;
}

/**
 * CreateMetadataStore's part that touches the file: an empty store when there is none (built aside,
 * then linked in unless another writer made the file meanwhile, so a file a test puts there is never
 * clobbered), then the schema version it holds.
 * @param {string} file @param {string} scratchDir @param {number} libraryVersion @param {number} n
 */
async function openStore(file, scratchDir, libraryVersion, n) {
  if (!existsSync(file)) {
    const tmp = path.join(scratchDir, `empty-${n}.db`);
    rmSync(tmp, { force: true });
    await sqlite([tmp], emptyStoreSql(libraryVersion));
    try {
      linkSync(tmp, file);
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'EEXIST') throw err;
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  return readSchemaVersion(file);
}

/**
 * schema_version of the file. With a journal beside it the file is opened read-write, so SQLite
 * rolls a hot journal back as the server would; otherwise immutable, so that looking never makes
 * -wal or -shm files or checkpoints one a test left there.
 * @param {string} file
 */
async function readSchemaVersion(file) {
  const sql = 'SELECT schema_version FROM MLMDEnv;';
  const out = existsSync(`${file}-journal`) ? await sqlite([file, sql]) : await sqlite([`file:${encodeURI(file)}?immutable=1`, sql]);
  const version = Number(out.trim());
  if (!Number.isInteger(version)) throw new Error(`MLMDEnv holds no schema_version (${out.trim()})`);
  return version;
}

/** The mlmd service as the charm's layer declares it, played by mlmdServer(). @param {{ libraryVersion?: number }} [options] */
export function mlmdService(options = {}) {
  return /** @type {const} */ ({
    override: 'replace',
    summary: 'mlmd service',
    command: MLMD_COMMAND,
    startup: 'enabled',
    program: mlmdServer(options),
  });
}
