// @ts-check
// The real rclone, used by tests and the demo to seed and inspect the sandbox's S3 servers.
import { spawn } from 'node:child_process';
import { rcloneEnvFor } from './s3.js';

/** @typedef {import('./s3.js').S3Remote} S3Remote */

/**
 * Runs rclone against one or more sandbox servers (remote names are the servers' names).
 * @param {S3Remote[]} servers @param {string[]} args @param {{ stdin?: string | Buffer }} [options]
 * @returns {Promise<Buffer>} its stdout
 */
export function rclone(servers, args, { stdin } = {}) {
  const env = { ...process.env };
  const ca = env.AWS_CA_BUNDLE;
  delete env.AWS_CA_BUNDLE; // rclone 1.60 cannot take it from the environment
  for (const s of servers) Object.assign(env, rcloneEnvFor(s));
  const argv = [args[0], '--config', '', ...(ca ? ['--ca-cert', ca] : []), ...args.slice(1)];
  return new Promise((resolve, reject) => {
    const child = spawn('rclone', argv, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    /** @type {Buffer[]} */
    const out = [];
    let err = '';
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => (err += d));
    // rclone may exit (and say why) before it reads its input: its exit code tells, not an EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin ?? '');
    child.on('error', reject);
    // A refused connection says whether the server died, was stopped, or still runs.
    const states = () => (/connection refused/.test(err) ? ` [${servers.map((s) => s.state?.() ?? `${s.name}: no state`).join('; ')}]` : '');
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`rclone ${args.join(' ')} failed (${code}): ${err}${states()}`))));
  });
}

/**
 * @param {S3Remote} server @param {string} bucket @param {string} [prefix]
 * @returns {Promise<{ Path: string, Size: number }[]>} every object under bucket/prefix
 */
export async function listObjects(server, bucket, prefix = '') {
  const path = `${server.name}:${bucket}${prefix ? `/${prefix}` : ''}`;
  try {
    // --no-modtime: the modification time costs a HEAD per object, and no caller reads it
    return JSON.parse(String(await rclone([server], ['lsjson', path, '-R', '--files-only', '--fast-list', '--no-modtime', '--no-mimetype'])));
  } catch (err) {
    if (/directory not found/.test(String(err))) return [];
    throw err;
  }
}

/** @param {S3Remote} server @param {string} bucket @param {string} key */
export async function readObject(server, bucket, key) {
  return rclone([server], ['cat', `${server.name}:${bucket}/${key}`]);
}

/** @param {S3Remote} server @param {string} bucket @param {string} key @param {string | Buffer} content */
export async function writeObject(server, bucket, key, content) {
  await rclone([server], ['rcat', `${server.name}:${bucket}/${key}`], { stdin: content });
}

/** @param {S3Remote} server @param {string} bucket @param {string} key */
export async function deleteObject(server, bucket, key) {
  await rclone([server], ['deletefile', `${server.name}:${bucket}/${key}`]);
}
