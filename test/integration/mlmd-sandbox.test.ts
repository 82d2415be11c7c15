// The MLMD database generator (sandbox/mlmd.js) and the sqlite package, both against the real
// sqlite3 program: generated files must look like MLMD's own, and the package's checks and dump must
// hold up on them, including a -wal beside the file and a damaged page.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, createReadStream, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import {
  DEFAULT_TEST_BYTES,
  MLMD_TABLES,
  MLMD_VECTORS,
  corruptDatabase,
  createMlmdDatabase,
  integrityCheck as sandboxIntegrity,
  rowCounts as sandboxCounts,
} from '../../sandbox/mlmd.js';
import { checkpointWal, dumpTo, integrityCheck, mlmdSchemaVersion, rowCounts, walBytes } from '../../packages/sqlite/src/index.js';
import { childCommandLines } from '../support/procs.js';
import { must } from '../support/must.js';

let dir: string;
let db: string;
let made: Awaited<ReturnType<typeof createMlmdDatabase>>;

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const sql = (file: string, query: string) => execFileSync('sqlite3', ['-batch', '-readonly', file, query], { encoding: 'utf8' }).trim();
const vectorsVersion = Number(
  must(
    /INSERT INTO `MLMDEnv`\(`schema_version`\) VALUES\((\d+)\)/.exec(readFileSync(path.join(MLMD_VECTORS, 'mlmd-sqlite-schema.sql'), 'utf8')),
    '/INSERT INTO `MLMDEnv`\\(`schema_version`\\) VALUES\\((\\d+)\\)/.',
  )[1],
);
const sqliteChildren = () => childCommandLines(process.pid).filter((c) => c.argv[0] === 'sqlite3');

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlmd-sandbox-'));
  db = path.join(dir, 'mlmd.db');
  made = await createMlmdDatabase(db, { seed: 1 });
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('generated MLMD databases', () => {
  test('are close to the size asked for, with every MLMD table filled and integrity ok', () => {
    expect(made.bytes).toBe(statSync(db).size);
    expect(Math.abs(made.bytes - DEFAULT_TEST_BYTES) / DEFAULT_TEST_BYTES).toBeLessThan(0.03);
    expect(Object.keys(made.rowCounts).sort()).toEqual([...MLMD_TABLES].sort());
    for (const table of MLMD_TABLES) expect(made.rowCounts[table]).toBeGreaterThan(0);
    expect(made.rowCounts.MLMDEnv).toBe(1);
    expect(made.rowCounts.Execution).toBeGreaterThan(5000);
    expect(sandboxIntegrity(db)).toEqual(['ok']);
    expect(sandboxCounts(db)).toEqual(made.rowCounts);
  });

  test("have MLMD's schema exactly as the vectors create it, and the vectors' version", () => {
    const fresh = path.join(dir, 'fresh.db');
    execFileSync('sqlite3', [fresh], { input: readFileSync(path.join(MLMD_VECTORS, 'mlmd-sqlite-schema.sql')) });
    const schema = (file: string) => sql(file, "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name <> 'sqlite_sequence' ORDER BY type, name;");
    expect(schema(db)).toBe(schema(fresh));
    expect(sql(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'index'")).toBe('40');
    expect(made.schemaVersion).toBe(vectorsVersion);
    expect(vectorsVersion).toBe(10);
    expect(sql(db, 'PRAGMA journal_mode')).toBe('delete');
  });

  test("start with the vectors' rows and add KFP v2 runs shaped like them, all linked", () => {
    expect(sql(db, 'SELECT name FROM Context WHERE id = 1')).toBe('iris-training-pipeline');
    expect(sql(db, 'SELECT uri FROM Artifact WHERE id = 1')).toBe(
      'minio://mlpipeline/v2/artifacts/iris-training-pipeline/3c9a5f4e-7b21-4d0a-9e6c-1f2b8d4a7c55/preprocess/9f1c2d7e-5a43-4b8e-8c0d-2e6f71a9b3c4/dataset',
    );
    expect(sql(db, "SELECT count(*) FROM Artifact WHERE uri NOT GLOB 'minio://mlpipeline/v2/artifacts/*/*-*-4*-*-*/*/*-*-*-*-*/*'")).toBe('0');
    expect(sql(db, "SELECT count(*) FROM Execution WHERE type_id = 12 AND name NOT LIKE 'run/%'")).toBe('0');
    // Every reference points at a row that exists.
    const orphans = [
      'SELECT count(*) FROM Event WHERE artifact_id NOT IN (SELECT id FROM Artifact) OR execution_id NOT IN (SELECT id FROM Execution)',
      'SELECT count(*) FROM EventPath WHERE event_id NOT IN (SELECT id FROM Event)',
      'SELECT count(*) FROM Association WHERE context_id NOT IN (SELECT id FROM Context) OR execution_id NOT IN (SELECT id FROM Execution)',
      'SELECT count(*) FROM Attribution WHERE context_id NOT IN (SELECT id FROM Context) OR artifact_id NOT IN (SELECT id FROM Artifact)',
      'SELECT count(*) FROM ParentContext WHERE parent_context_id NOT IN (SELECT id FROM Context WHERE type_id = 10)',
      'SELECT count(*) FROM ExecutionProperty WHERE execution_id NOT IN (SELECT id FROM Execution)',
      'SELECT count(*) FROM ArtifactProperty WHERE artifact_id NOT IN (SELECT id FROM Artifact)',
      'SELECT count(*) FROM Artifact WHERE type_id NOT IN (SELECT id FROM Type WHERE type_kind = 1)',
      'SELECT count(*) FROM (SELECT execution_id FROM Association GROUP BY execution_id HAVING count(*) <> 2)',
      'SELECT (SELECT count(*) FROM Execution) - (SELECT count(DISTINCT execution_id) FROM Association)',
    ];
    for (const q of orphans) expect([q, sql(db, q)]).toEqual([q, '0']);
    // Property values of every kind MLMD stores.
    expect(Number(sql(db, 'SELECT count(*) FROM ExecutionProperty WHERE int_value IS NOT NULL'))).toBeGreaterThan(1000);
    expect(Number(sql(db, 'SELECT count(*) FROM ArtifactProperty WHERE double_value IS NOT NULL'))).toBeGreaterThan(100);
    expect(Number(sql(db, 'SELECT count(*) FROM ArtifactProperty WHERE proto_value IS NOT NULL'))).toBeGreaterThan(10);
    expect(Number(sql(db, 'SELECT count(*) FROM ArtifactProperty WHERE is_custom_property = 0'))).toBeGreaterThan(10);
    // KFP's struct values decode as google.protobuf.Struct: field 1 (fields map entry), length-delimited.
    const inputs = sql(db, "SELECT string_value FROM ExecutionProperty WHERE name = 'inputs' AND execution_id > 100 AND length(string_value) > 40 LIMIT 1");
    const bytes = Buffer.from(inputs.replace(/^mlmd-struct::/, ''), 'base64');
    expect(inputs.startsWith('mlmd-struct::')).toBe(true);
    expect(bytes[0]).toBe(0x0a);
    const protoUrl = sql(db, 'SELECT substr(CAST(proto_value AS TEXT), 3, 42) FROM ArtifactProperty WHERE proto_value IS NOT NULL LIMIT 1');
    expect(protoUrl).toBe('type.googleapis.com/google.protobuf.Struct');
  });

  test('are the same for the same seed and differ for another', async () => {
    const a = path.join(dir, 'seed1a.db');
    const b = path.join(dir, 'seed1b.db');
    const c = path.join(dir, 'seed2.db');
    const size = 4 * 1024 * 1024;
    const [ra, rb, rc] = [
      // built each time (not copied from the per-process template): the generator itself is deterministic
      await createMlmdDatabase(a, { targetBytes: size, seed: 1, cache: false }),
      await createMlmdDatabase(b, { targetBytes: size, seed: 1, cache: false }),
      await createMlmdDatabase(c, { targetBytes: size, seed: 2, cache: false }),
    ];
    expect(rb.rowCounts).toEqual(ra.rowCounts);
    expect(sha(b)).toBe(sha(a));
    expect(sha(c)).not.toBe(sha(a));
    expect(rc.schemaVersion).toBe(10);
    expect(sql(c, 'SELECT name FROM Context WHERE id = 8')).not.toBe(sql(a, 'SELECT name FROM Context WHERE id = 8'));
  });

  test('in WAL mode with keepWal, the last commits are only in the -wal, and file plus -wal open to everything', async () => {
    const wal = path.join(dir, 'wal', 'mlmd.db');
    rmSync(path.dirname(wal), { recursive: true, force: true });
    execFileSync('mkdir', ['-p', path.dirname(wal)]);
    const w = await createMlmdDatabase(wal, { targetBytes: 8 * 1024 * 1024, journalMode: 'wal', keepWal: true });
    expect(w.walBytes).toBeGreaterThan(0);
    expect(statSync(`${wal}-wal`).size).toBe(w.walBytes);
    expect(readFileSync(wal).subarray(18, 20)).toEqual(Buffer.from([2, 2])); // WAL mode in the header

    // The file alone (as a copy that forgot the -wal) lacks the last runs.
    const alone = path.join(dir, 'alone');
    execFileSync('mkdir', ['-p', alone]);
    copyFileSync(wal, path.join(alone, 'mlmd.db'));
    const partial = sandboxCounts(path.join(alone, 'mlmd.db'));
    expect(partial.Context).toBeLessThan(w.rowCounts.Context);
    expect(partial.Execution).toBeLessThan(w.rowCounts.Execution);

    // File and -wal copied without the -shm: the package reads everything, and writes neither.
    const pair = path.join(dir, 'pair');
    execFileSync('mkdir', ['-p', pair]);
    const copy = path.join(pair, 'mlmd.db');
    copyFileSync(wal, copy);
    copyFileSync(`${wal}-wal`, `${copy}-wal`);
    const before = [sha(copy), sha(`${copy}-wal`)];
    expect(await rowCounts(copy)).toEqual(w.rowCounts);
    expect(await integrityCheck(copy)).toEqual({ ok: true, problems: [] });
    expect(await mlmdSchemaVersion(copy)).toBe(10);
    expect([sha(copy), sha(`${copy}-wal`)]).toEqual(before);

    // checkpointWal folds the -wal in: the file alone is then complete.
    const folded = await checkpointWal(copy);
    expect(folded.walBytes).toBe(w.walBytes);
    expect(folded.frames).toBeGreaterThan(0);
    expect(existsSync(`${copy}-wal`)).toBe(false);
    expect(walBytes(copy)).toBe(0);
    const single = path.join(dir, 'single.db');
    copyFileSync(copy, single);
    expect(await rowCounts(single)).toEqual(w.rowCounts);
    expect(await checkpointWal(single)).toEqual({ walBytes: 0, frames: 0 });
  });

  test('corruptDatabase damages a page: the file opens, integrity_check fails', async () => {
    const bad = path.join(dir, 'corrupt.db');
    copyFileSync(db, bad);
    corruptDatabase(bad);
    expect(sandboxIntegrity(bad)).not.toEqual(['ok']);
    const checked = await integrityCheck(bad);
    expect(checked.ok).toBe(false);
    expect(checked.problems.join('\n')).toMatch(/idx_type_name/);
    expect(await rowCounts(bad)).toEqual(made.rowCounts); // it still opens and reads
  });
});

describe('the sqlite package on a generated database', () => {
  test('integrity, counts and schema version agree with the generator, and the file is not touched', async () => {
    const before = sha(db);
    const mtime = statSync(db).mtimeMs;
    expect(await integrityCheck(db)).toEqual({ ok: true, problems: [] });
    expect(await rowCounts(db)).toEqual(made.rowCounts);
    expect(await mlmdSchemaVersion(db)).toBe(made.schemaVersion);
    expect(sha(db)).toBe(before);
    expect(statSync(db).mtimeMs).toBe(mtime);
    expect(existsSync(`${db}-journal`) || existsSync(`${db}-wal`)).toBe(false);
  });

  test('dumpTo streams the runbook format through gzip; sqlite3 new.db < dump restores the same rows', async () => {
    const gz = path.join(dir, 'mlmd.dump.gz');
    const gzip = createGzip();
    const written = pipeline(gzip, createWriteStream(gz));
    const result = await dumpTo(db, gzip);
    gzip.end();
    await written;
    expect(result.bytes).toBeGreaterThan(made.bytes / 2);

    const dump = path.join(dir, 'mlmd.dump');
    await pipeline(createReadStream(gz), createGunzip(), createWriteStream(dump));
    expect(statSync(dump).size).toBe(result.bytes);
    const text = readFileSync(dump, 'utf8');
    expect(text.startsWith('PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n')).toBe(true);
    expect(text.endsWith('COMMIT;\n')).toBe(true);
    // The same bytes as the runbook's `sqlite3 /data/mlmd.db .dump`.
    expect(createHash('sha256').update(text).digest('hex')).toBe(
      createHash('sha256')
        .update(execFileSync('sqlite3', [db, '.dump'], { maxBuffer: 1 << 30 }))
        .digest('hex'),
    );

    const restored = path.join(dir, 'restored.db');
    const res = spawnSync('sqlite3', [restored], { input: readFileSync(dump) });
    expect(res.stderr.toString()).toBe('');
    expect(res.status).toBe(0);
    expect(await rowCounts(restored)).toEqual(made.rowCounts);
    expect(await mlmdSchemaVersion(restored)).toBe(10);
    expect(await integrityCheck(restored)).toEqual({ ok: true, problems: [] });
  });

  test('dumpTo waits for a slow stream instead of buffering the dump', async () => {
    let taken = 0;
    let maxBacklog = 0;
    const slow = new Writable({
      highWaterMark: 64 * 1024,
      write(chunk: Buffer, _e, cb) {
        taken += chunk.length;
        setTimeout(cb, 1);
      },
    });
    const sampler = setInterval(() => (maxBacklog = Math.max(maxBacklog, slow.writableLength)), 2);
    const small = path.join(dir, 'seed1a.db');
    const result = await dumpTo(small, slow);
    slow.end();
    await finished(slow);
    clearInterval(sampler);
    expect(taken).toBe(result.bytes);
    expect(result.bytes).toBeGreaterThan(2 * 1024 * 1024);
    expect(maxBacklog).toBeLessThanOrEqual(256 * 1024);
  });

  test('a failing output stream stops sqlite3 and fails the dump', async () => {
    const broken = new Writable({
      write(_chunk, _e, cb) {
        cb(new Error('No space left on device'));
      },
    });
    broken.on('error', () => undefined);
    await expect(dumpTo(db, broken)).rejects.toThrow('writing the output of sqlite3 failed: No space left on device');
    expect(sqliteChildren()).toEqual([]);
  });

  test('an abort stops the dump', async () => {
    const controller = new AbortController();
    const sink = new PassThrough();
    let seen = 0;
    sink.on('data', (d: Buffer) => {
      seen += d.length;
      if (seen > 1024 * 1024) controller.abort(new Error('cancelled by the test'));
    });
    await expect(dumpTo(db, sink, { signal: controller.signal })).rejects.toThrow('cancelled by the test');
    expect(sqliteChildren()).toEqual([]);
  });
});

describe('sqlite package errors', () => {
  test('a file that is not a database', async () => {
    const junk = path.join(dir, 'junk.db');
    writeFileSync(junk, 'this is a tar stream, not SQLite '.repeat(200));
    const expected = `${junk} is not an SQLite database (sqlite3: file is not a database)`;
    await expect(integrityCheck(junk)).rejects.toThrow(expected);
    await expect(rowCounts(junk)).rejects.toThrow(expected);
    await expect(mlmdSchemaVersion(junk)).rejects.toThrow(expected);
    // sqlite3 .dump exits 0 here and writes "ROLLBACK; -- due to errors": still refused.
    await expect(dumpTo(junk, new PassThrough().resume())).rejects.toThrow(expected);
  });

  test('a missing file is named, and no empty database is created in its place', async () => {
    const missing = path.join(dir, 'nope', 'mlmd.db');
    await expect(rowCounts(missing)).rejects.toThrow(`${missing} does not exist`);
    await expect(dumpTo(missing, new PassThrough())).rejects.toThrow(`${missing} does not exist`);
    expect(existsSync(missing)).toBe(false);
  });

  test('an SQLite file that is not MLMD', async () => {
    const other = path.join(dir, 'other.db');
    execFileSync('sqlite3', [other, 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES (1), (2);']);
    await expect(mlmdSchemaVersion(other)).rejects.toThrow(`${other} is not an ML Metadata database (it has no MLMDEnv table)`);
    expect(await rowCounts(other)).toEqual({ notes: 2 });
    execFileSync('sqlite3', [other, 'CREATE TABLE MLMDEnv (schema_version INTEGER PRIMARY KEY);']);
    await expect(mlmdSchemaVersion(other)).rejects.toThrow('MLMDEnv has 0 rows, MLMD expects exactly one');
  });

  test('a copy taken in the middle of a write (a hot -journal beside it) is refused, not rolled back', async () => {
    const hot = path.join(dir, 'hot', 'mlmd.db');
    execFileSync('mkdir', ['-p', path.dirname(hot)]);
    copyFileSync(path.join(dir, 'seed1a.db'), hot);
    // A writer killed with its transaction half done: a small cache makes it spill to the file.
    const writer = spawn('sqlite3', ['-batch', hot], { stdio: ['pipe', 'pipe', 'inherit'] });
    writer.stdin.write("PRAGMA cache_size=5;\nBEGIN;\nUPDATE ExecutionProperty SET string_value = string_value || 'x';\nSELECT 'spilled';\n");
    await new Promise<void>((resolve) => writer.stdout.on('data', (d: Buffer) => String(d).includes('spilled') && resolve()));
    writer.kill('SIGKILL');
    await new Promise((r) => writer.on('close', r));
    expect(statSync(`${hot}-journal`).size).toBeGreaterThan(0);
    const before = sha(hot);
    await expect(rowCounts(hot)).rejects.toThrow(`${hot} was copied in the middle of a write`);
    await expect(integrityCheck(hot)).rejects.toThrow('stop the writer (scale kfp-metadata-writer to 0) and copy it again');
    expect(sha(hot)).toBe(before);
  });

  test('sqlite3 missing from PATH', async () => {
    await expect(rowCounts(db, { binary: 'sqlite3-not-installed' })).rejects.toThrow('sqlite3-not-installed was not found on PATH');
    await expect(dumpTo(db, new PassThrough(), { binary: 'sqlite3-not-installed' })).rejects.toThrow('was not found on PATH');
  });
});
