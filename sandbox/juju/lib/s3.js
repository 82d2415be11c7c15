// @ts-check
// The S3 side of mysql-k8s backups: the parameters the s3-integrator relation hands to the charm
// (charms.mysql.v0.backups _retrieve_s3_parameters), and the real rclone doing the charm's uploads
// and listings against whatever endpoint the integrator points at (a sandbox S3 server in tests).
import { spawn } from 'node:child_process';
import { relationsOf } from './model.js';

/** @import { Application, Model, S3Params } from './types.js' */
/**
 * @typedef {{ ok: true, error?: undefined } | { ok: false, error: string }} PutResult
 * @typedef {{ names: string[], error?: undefined } | { names?: undefined, error: string }} ListResult
 * @typedef {{ ok: true, body: string } | { ok: false, error: string }} GetResult
 */

export const S3_INTERFACE = 's3';
export const S3_ENDPOINT = 's3-parameters';

/** The s3-integrator application related to the database application, if any. @param {Model} model @param {string} dbApp */
export function integratorOf(model, dbApp) {
  const rel = relationsOf(model, dbApp).find(({ relation, own }) => relation.interface === S3_INTERFACE && own.endpoint === S3_ENDPOINT);
  return rel ? model.applications[rel.other.app] : undefined;
}

/** What the integrator publishes on the relation (the s3 interface's application data). @param {Application} app */
export function integratorData(app) {
  const c = app.config ?? {};
  /** @type {Record<string, string>} */
  const data = {};
  for (const key of ['bucket', 'endpoint', 'path', 'region', 's3-uri-style', 'storage-class', 's3-api-version', 'attributes', 'tls-ca-chain']) {
    if (c[key] !== undefined && c[key] !== '') data[key] = String(c[key]);
  }
  if (app.credentials?.['access-key']) data['access-key'] = app.credentials['access-key'];
  if (app.credentials?.['secret-key']) data['secret-key'] = app.credentials['secret-key'];
  return data;
}

/**
 * { params, missing }: the charm's defaults and clean-ups applied; missing required keys listed.
 * @param {Application} integrator
 * @returns {{ params: S3Params, missing: [] } | { params: undefined, missing: string[] }}
 */
export function s3Parameters(integrator) {
  const p = integratorData(integrator);
  const missing = ['bucket', 'access-key', 'secret-key'].filter((k) => !p[k]);
  if (missing.length) return { params: undefined, missing };
  const defaults = { endpoint: 'https://s3.amazonaws.com', region: '', path: '', 's3-uri-style': 'auto', 's3-api-version': 'auto' };
  const params = /** @type {S3Params & Record<string, string>} */ ({ ...defaults, ...p }); // bucket and the keys: checked just above
  for (const k of Object.keys(params)) if (typeof params[k] === 'string') params[k] = params[k].trim();
  params.endpoint = params.endpoint.replace(/\/+$/, '');
  params.path = params.path.replace(/^\/+|\/+$/g, '');
  params.bucket = params.bucket.replace(/^\/+|\/+$/g, '');
  return { params, missing: [] };
}

/** @param {{ path?: string }} params */
export const objectPrefix = (params) => (params.path ? `${params.path}/` : '');

/** @param {S3Params} params @param {NodeJS.ProcessEnv} env */
function rcloneEnv(params, env) {
  const e = { ...env };
  delete e.AWS_CA_BUNDLE; // passed as --ca-cert: rclone 1.60 cannot take it from the environment
  for (const k of Object.keys(e)) if (k.startsWith('RCLONE_')) delete e[k];
  Object.assign(e, {
    RCLONE_CONFIG_CHARM_TYPE: 's3',
    RCLONE_CONFIG_CHARM_PROVIDER: 'Other',
    RCLONE_CONFIG_CHARM_ENDPOINT: params.endpoint,
    RCLONE_CONFIG_CHARM_ACCESS_KEY_ID: params['access-key'],
    RCLONE_CONFIG_CHARM_SECRET_ACCESS_KEY: params['secret-key'],
    RCLONE_CONFIG_CHARM_FORCE_PATH_STYLE: params['s3-uri-style'] === 'virtual' ? 'false' : 'true',
    ...(params.region ? { RCLONE_CONFIG_CHARM_REGION: params.region } : {}),
  });
  return e;
}

/**
 * @param {S3Params} params @param {string[]} args @param {{ stdin?: string, env?: NodeJS.ProcessEnv }} [options]
 * @returns {Promise<{ code: number | null, stdout: string, stderr: string }>}
 */
function rclone(params, args, { stdin, env = process.env } = {}) {
  const ca = env.AWS_CA_BUNDLE;
  // The charm's boto3 retries transient S3 errors; a loaded test machine needs the same.
  const argv = [
    args[0],
    '--config',
    '',
    '--retries',
    '3',
    '--low-level-retries',
    '5',
    '--contimeout',
    '15s',
    '--timeout',
    '60s',
    ...(ca ? ['--ca-cert', ca] : []),
    ...args.slice(1),
  ];
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn('rclone', argv, { env: rcloneEnv(params, env), stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (err) {
      resolve({ code: -1, stdout: '', stderr: String(err) });
      return;
    }
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => resolve({ code: -1, stdout, stderr: stderr + String(err) }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin ?? '');
  });
}

/**
 * Uploads one object (upload_content_to_s3); resolves { ok, error? }.
 * @param {S3Params} params @param {string} key @param {string} body @param {NodeJS.ProcessEnv} [env]
 * @returns {Promise<PutResult>}
 */
export async function putObject(params, key, body, env) {
  const r = await rclone(params, ['rcat', `charm:${params.bucket}/${key}`], { stdin: body, env });
  return r.code === 0 ? { ok: true } : { ok: false, error: r.stderr.trim() || `rclone exited ${r.code}` };
}

/**
 * Reads one object (the charm's xbcloud get and its md5 check); resolves { ok, body } or { ok: false, error }.
 * @param {S3Params} params @param {string} key @param {NodeJS.ProcessEnv} [env]
 * @returns {Promise<GetResult>}
 */
export async function getObject(params, key, env) {
  // rclone cat of a key that is not there prints nothing and exits 0: look first
  const found = await rclone(params, ['lsjson', `charm:${params.bucket}/${key}`, '--files-only'], { env });
  if (found.code !== 0 || lsjson(found.stdout).length !== 1) return { ok: false, error: `${key}: not found` };
  const r = await rclone(params, ['cat', `charm:${params.bucket}/${key}`], { env });
  return r.code === 0 ? { ok: true, body: r.stdout } : { ok: false, error: r.stderr.trim() || `rclone exited ${r.code}` };
}

/** rclone lsjson's output: an entry per object (or directory). @param {string} stdout @returns {{ Path: string }[]} */
const lsjson = (stdout) => JSON.parse(stdout || '[]');

/**
 * The object names directly under the path: { names } or { error: "<charm message>" }.
 * @param {S3Params} params @param {NodeJS.ProcessEnv} [env]
 * @returns {Promise<ListResult>}
 */
export async function listNames(params, env) {
  const dir = `charm:${params.bucket}${params.path ? `/${params.path}` : ''}`;
  const r = await rclone(params, ['lsjson', dir, '--files-only', '--fast-list'], { env });
  if (r.code === 0) return { names: lsjson(r.stdout).map((o) => o.Path) };
  if (/directory not found|NoSuchBucket/i.test(r.stderr)) {
    const buckets = await rclone(params, ['lsjson', 'charm:', '--dirs-only'], { env });
    if (buckets.code === 0 && !lsjson(buckets.stdout).some((b) => b.Path === params.bucket)) return { error: `Bucket ${params.bucket} does not exist` };
    if (buckets.code === 0) return { names: [] };
  }
  return { error: 'Failed to retrieve backup ids from S3' };
}
