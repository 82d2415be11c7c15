// @ts-check
// Starts real S3 server processes (s3rver behind a SigV4 check, see s3-server.js) on random loopback ports.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * @typedef {{ name: string, endpoint: string, port: number, accessKey: string, secretKey: string,
 *   dir: string, pid: number, faults: (rules: import('./s3-server.js').FaultRule[]) => Promise<void>,
 *   faultRules: () => Promise<import('./s3-server.js').FaultRule[]>, stop: () => Promise<void>,
 *   state: () => string }} S3Server
 * @typedef {Pick<S3Server, 'name' | 'endpoint' | 'accessKey' | 'secretKey'> & { state?: () => string }} S3Remote what rclone needs to reach a server
 */

/**
 * @param {{ name: string, root: string, accessKey: string, secretKey: string, buckets?: string[] }} options
 * @returns {Promise<S3Server>}
 */
export async function startS3(options) {
  const dir = path.join(options.root, options.name);
  mkdirSync(dir, { recursive: true });
  const child = spawn(process.execPath, [path.join(here, 's3-server.js')], {
    env: {
      ...process.env,
      S3_SANDBOX_DIR: dir,
      S3_SANDBOX_ACCESS_KEY: options.accessKey,
      S3_SANDBOX_SECRET_KEY: options.secretKey,
      S3_SANDBOX_BUCKETS: (options.buckets ?? []).join(','),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  /** @type {number} */
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`s3 server ${options.name} did not start in 15 s: ${stderr}`)), 15_000);
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(JSON.parse(out.slice(0, nl)).port);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`s3 server ${options.name} exited with ${code}: ${stderr}`));
    });
  });
  child.removeAllListeners('exit');
  let stopping = false;
  /** Why the server is gone when it went before stop(): the tests that then fail say it. */
  let died = '';
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      if (!stopping) {
        died = `s3 server ${options.name} (pid ${child.pid}) exited on its own with ${signal ?? `code ${code}`}: ${stderr.trim() || 'nothing on stderr'}`;
        process.stderr.write(`${died}\n`);
      }
      resolve(undefined);
    }),
  );
  /** @param {string} what */
  const unreachable = (what) => new Error(`s3 server ${options.name}: ${what}${died ? ` (${died})` : ''}`);
  return {
    name: options.name,
    endpoint: `http://127.0.0.1:${port}`,
    port,
    accessKey: options.accessKey,
    secretKey: options.secretKey,
    dir,
    pid: /** @type {number} */ (child.pid), // set: the process started, it printed its port
    /**
     * Replaces the server's fault rules (see FaultRule in s3-server.js); [] clears them.
     * @param {import('./s3-server.js').FaultRule[]} rules
     */
    async faults(rules) {
      const res = await fetch(`http://127.0.0.1:${port}/_sandbox/faults`, { method: 'PUT', body: JSON.stringify(rules) }).catch((err) => {
        throw unreachable(`setting faults failed: ${err.cause?.code ?? err.message}`);
      });
      if (!res.ok) throw unreachable(`setting faults failed with ${res.status}`);
    },
    /** The server's fault rules, each with the number of requests it has matched so far (hits). */
    async faultRules() {
      const res = await fetch(`http://127.0.0.1:${port}/_sandbox/faults`).catch((err) => {
        throw unreachable(`reading faults failed: ${err.cause?.code ?? err.message}`);
      });
      if (!res.ok) throw unreachable(`reading faults failed with ${res.status}`);
      return /** @type {Promise<import('./s3-server.js').FaultRule[]>} */ (res.json());
    },
    /** Whether the process still runs, for a test's error when a request to it is refused. */
    state: () =>
      died || (stopping ? `s3 server ${options.name} (pid ${child.pid}) was stopped by the test` : `s3 server ${options.name} (pid ${child.pid}) is running`),
    async stop() {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * The ETag the server stored for an object: "<md5>-<parts>" when it was uploaded in parts.
 * @param {Pick<S3Server, 'dir'>} server @param {string} bucket @param {string} key
 */
export function storedEtag(server, bucket, key) {
  return readFileSync(path.join(server.dir, bucket, `${key}._S3rver_object.md5`), 'utf8');
}

/**
 * rclone remote variables for a sandbox server, for seeding and inspecting it in tests.
 * @param {S3Remote} server @param {string} [remoteName]
 * @returns {Record<string, string>}
 */
export function rcloneEnvFor(server, remoteName = server.name) {
  const p = `RCLONE_CONFIG_${remoteName.toUpperCase()}_`;
  return {
    [`${p}TYPE`]: 's3',
    [`${p}PROVIDER`]: 'Other',
    [`${p}ENDPOINT`]: server.endpoint,
    [`${p}ACCESS_KEY_ID`]: server.accessKey,
    [`${p}SECRET_ACCESS_KEY`]: server.secretKey,
  };
}
