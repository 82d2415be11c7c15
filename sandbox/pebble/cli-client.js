// @ts-check
// The pebble CLI's client (client/client.go, client/files.go): requests to the daemon on
// $PEBBLE_SOCKET, the JSON envelope and its errors as the Go client turns them into messages
// ("cannot communicate with server: ...", the server's own message), and local files opened as
// os.Open / os.Create would. Node's modules only (runs in the container).
import fs from 'node:fs';
import http from 'node:http';
import { strerror } from './errors.js';

const SOCKET = process.env.PEBBLE_SOCKET || `${process.env.PEBBLE || '/var/lib/pebble/default'}/.pebble.socket`;

/** An error the server reported (client.Error): printed through fill(). */
export class ServerError extends Error {
  /** @param {string} message @param {string} [kind] */
  constructor(message, kind) {
    super(message);
    this.kind = kind;
  }
}

/** Go's *PathError text for a local file. @param {unknown} err @param {string} op @param {string} p */
export const localError = (err, op, p) => new Error(`${op} ${p}: ${strerror(err)}`);

/**
 * os.Open / os.Create of a local path. The sandbox's exec hands the command sockets where a
 * container runtime hands it FIFOs, and Linux refuses open() of a socket through /proc/self/fd
 * (ENXIO), so /dev/stdin, /dev/stdout and /dev/fd/N fall back to the descriptor itself, which is
 * what opening the FIFO gives.
 * @param {string} p @param {'r' | 'w'} flags @returns {{ fd: number, inherited: boolean }}
 */
export function openLocal(p, flags) {
  try {
    return { fd: fs.openSync(p, flags, 0o666), inherited: false };
  } catch (err) {
    const m = /^\/proc\/self\/fd\/(\d+)$/.exec(safeRealpath(p));
    if (/** @type {NodeJS.ErrnoException} */ (err).code === 'ENXIO' && m) return { fd: Number(m[1]), inherited: true };
    throw localError(err, 'open', p);
  }
}

/** Follows symlinks as far as /proc/self/fd/N. @param {string} p */
function safeRealpath(p) {
  let cur = p;
  for (let i = 0; i < 8 && !/^\/proc\/self\/fd\/\d+$/.test(cur); i++) {
    try {
      const next = fs.readlinkSync(cur);
      cur = next.startsWith('/') ? next : `${cur.slice(0, cur.lastIndexOf('/'))}/${next}`;
    } catch {
      break;
    }
  }
  return cur;
}

/** url.Values.Encode(): keys sorted. @param {[string, string][]} pairs */
function encodeQuery(pairs) {
  const sorted = [...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new URLSearchParams(sorted).toString();
}

/**
 * One request; resolves with the response once its headers are in.
 * @param {string} method @param {string} path @param {{ query?: [string, string][], headers?: Record<string, string>, body?: string | ((req: http.ClientRequest) => Promise<void>) }} [o]
 * @returns {Promise<http.IncomingMessage>}
 */
export function request(method, path, o = {}) {
  const qs = o.query?.length ? `?${encodeQuery(o.query)}` : '';
  const shown = `${method[0]}${method.slice(1).toLowerCase()} "http://localhost${path}${qs}"`;
  const commError = (/** @type {string} */ why) => new Error(`cannot communicate with server: ${shown}: ${why}`);
  if (!fs.existsSync(SOCKET)) return Promise.reject(commError(`socket ${JSON.stringify(SOCKET)} not found`));
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: SOCKET, method, path: path + qs, headers: { Host: 'localhost', 'User-Agent': 'pebble', ...o.headers } });
    req.on('response', resolve);
    req.on('error', (/** @type {NodeJS.ErrnoException} */ err) => {
      const why = err.code === 'ECONNREFUSED' ? `dial unix ${SOCKET}: connect: connection refused` : 'EOF';
      reject(commError(why));
    });
    if (typeof o.body === 'function')
      o.body(req).then(
        () => req.end(),
        () => req.destroy(),
      );
    else req.end(o.body);
  });
}

/** The JSON envelope's error, as response.err() makes it. @param {any} rsp */
export function responseError(rsp) {
  if (rsp?.type !== 'error') return undefined;
  const message = rsp.result?.message;
  return message ? new ServerError(message, rsp.result?.kind) : new Error(`server error: ${JSON.stringify(rsp.status ?? '')}`);
}

/** A sync or async request; returns the envelope. @param {'sync' | 'async'} type @param {string} method @param {string} path @param {Parameters<typeof request>[2]} [o] */
export async function call(type, method, path, o) {
  const res = await request(method, path, o);
  const text = Buffer.concat(await res.toArray()).toString('utf8');
  let rsp;
  try {
    rsp = JSON.parse(text);
  } catch (err) {
    throw new Error(`cannot decode ${JSON.stringify(text)}: ${/** @type {Error} */ (err).message}`, { cause: err });
  }
  const err = responseError(rsp);
  if (err) throw err;
  if (rsp.type !== type)
    throw new Error(
      type === 'sync'
        ? `expected sync response, got ${JSON.stringify(rsp.type)}`
        : `expected async response for "${method}" on "${path}", got ${JSON.stringify(rsp.type)}`,
    );
  return rsp;
}

/** A file operation's single result. @param {any} result */
export function fileResult(result) {
  if (!Array.isArray(result) || result.length !== 1) throw new Error(`expected exactly one result from API, got ${Array.isArray(result) ? result.length : 0}`);
  if (result[0].error) throw new ServerError(result[0].error.message, result[0].error.kind);
}
