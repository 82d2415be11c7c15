// @ts-check
// Push: /v1/files write as api_files.go's writeFiles does it. Each file part streams into a
// "<name>.<random>~" temp file beside the target (os.CreateTemp, mode 0600, then chmod to the
// permissions), then chown, fsync, rename over the target: atomic (osutil.AtomicWriteChown). A
// failure removes the temp file (Cancel); an injected crash leaves it, as a killed daemon would.
import { randomInt } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { FileError, badRequest, fileErrorResult, pathError, quote, strerror, sync } from './errors.js';
import { readMultipart } from './multipart.js';

/**
 * @typedef {import('./files.js').FilesContext} FilesContext
 * @typedef {import('./files.js').Reply} Reply
 * @typedef {import('node:http').IncomingMessage} Req
 */

/** Thrown from inside a multipart read to answer with this instead. */
export class Answer extends Error {
  /** @param {Reply | undefined} reply undefined: the connection was dropped, answer nothing */
  constructor(reply) {
    super('answer');
    this.reply = reply;
  }
}

/** The host path, or ENOENT for a path on no mount of the container. @param {FilesContext} ctx @param {string} p @param {string} op */
export function hostOf(ctx, p, op) {
  const r = ctx.resolve(path.posix.normalize(p));
  if (!r) throw pathError({ code: 'ENOENT' }, op, p);
  return r;
}

/** @param {FilesContext} ctx @param {Req} req @param {string} boundary @returns {Promise<Reply>} */
export async function writeFiles(ctx, req, boundary) {
  /** @type {any} */
  let payload;
  /** @type {Buffer[]} */
  let metadata = [];
  /** @type {Map<string, any>} */
  const infos = new Map();
  /** @type {Map<string, Error | null>} */
  const errors = new Map();
  /** @type {ReturnType<typeof startWrite> | undefined} */
  let current;
  let index = -1;
  try {
    await readMultipart(req, boundary, {
      part: (_headers, name, filename) => {
        index++;
        if (index === 0) {
          if (name !== 'request') throw new Answer(badRequest(`metadata field name must be "request", got ${quote(name)}`));
          return;
        }
        if (name !== 'files') throw new Answer(badRequest(`field name must be "files", got ${quote(name)}`));
        const info = infos.get(filename);
        if (!info) throw new Answer(badRequest(`no metadata for path ${quote(filename)}`));
        current = startWrite(ctx, info);
      },
      data: (chunk) => (index === 0 ? metadata.push(chunk) : current?.data(chunk)),
      done: async () => {
        if (index === 0) {
          try {
            payload = JSON.parse(Buffer.concat(metadata).toString('utf8'));
          } catch (err) {
            throw new Answer(badRequest(`cannot decode request metadata: ${/** @type {Error} */ (err).message}`));
          }
          metadata = [];
          if (payload?.action !== 'write') throw new Answer(badRequest(`multipart action must be "write", got ${quote(String(payload?.action ?? ''))}`));
          if (!payload.files?.length) throw new Answer(badRequest('must specify one or more files'));
          for (const f of payload.files) infos.set(f.path, f);
          return;
        }
        const w = current;
        current = undefined;
        if (w) errors.set(w.path, await w.done());
      },
    });
  } catch (err) {
    if (current) await current.abort();
    if (err instanceof Answer) throw err;
    if (index <= 0) return badRequest(`cannot read request metadata: ${/** @type {Error} */ (err).message}`);
    return badRequest(`cannot read file part ${index - 1}: ${/** @type {Error} */ (err).message}`);
  }
  if (!payload) return badRequest('cannot read request metadata: EOF');
  const result = payload.files.map((/** @type {any} */ f) => {
    const err = errors.has(f.path) ? errors.get(f.path) : new FileError(`no file content for path ${quote(f.path)}`);
    const error = fileErrorResult(err);
    return { path: f.path, ...(error ? { error } : {}) };
  });
  return sync(result);
}

/**
 * One file of a push, streamed into its temp file as the part arrives.
 * @param {FilesContext} ctx @param {any} item writeFilesItem
 */
function startWrite(ctx, item) {
  const p = String(item.path);
  const fault = ctx.pushFault();
  /** @type {import('./types.js').PushRecord} */
  const record = { path: p, bytes: 0, outcome: 'writing' };
  ctx.pushes.push(record);
  /** @type {Error | null} */
  let error = null;
  /** @type {import('node:fs/promises').FileHandle | undefined} */
  let fh;
  let tmpHost = '';
  let tmpPod = '';
  let uid = -1;
  let gid = -1;
  const fail = (/** @type {unknown} */ err) => {
    error = err instanceof Error ? err : new Error(String(err));
  };
  const opened = (async () => {
    if (!p.startsWith('/')) throw new FileError(`paths must be absolute, got ${quote(p)}`);
    const ids = normalizeUidGid(ctx, item);
    if (ids) [uid, gid] = ids;
    if (item['make-dirs'])
      await mkdirAll(ctx, path.posix.dirname(p), 0o755, ids).catch((e) => Promise.reject(new FileError(`cannot create directory: ${e.message}`)));
    const perm = parsePermissions(item.permissions, 0o644);
    const dirPod = path.posix.dirname(p);
    const { host: dirHost } = hostOf(ctx, dirPod, 'open');
    const base = path.posix.basename(p);
    for (;;) {
      tmpPod = path.posix.join(dirPod, `${base}.${randomInt(0, 2 ** 32)}~`);
      tmpHost = path.join(dirHost, path.posix.basename(tmpPod));
      try {
        fh = await fsp.open(tmpHost, 'wx', 0o600);
        break;
      } catch (e) {
        if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'EEXIST') throw pathError(e, 'open', tmpPod);
      }
    }
    await fh.chmod(perm);
    record.tmp = tmpPod;
    record.mode = perm;
  })().catch(fail);
  return {
    path: p,
    /** @param {Buffer} chunk */
    async data(chunk) {
      await opened;
      if (error || !fh) return;
      let piece = chunk;
      if (fault?.afterBytes !== undefined && record.bytes + chunk.length >= fault.afterBytes) {
        piece = chunk.subarray(0, fault.afterBytes - record.bytes);
      }
      if (piece.length) await fh.write(piece);
      record.bytes += piece.length;
      if (piece.length < chunk.length || (fault?.afterBytes !== undefined && record.bytes >= fault.afterBytes)) {
        if ((fault?.mode ?? 'crash') === 'crash') {
          // the daemon died mid-write: the temp file stays, the target is untouched, no answer
          await fh.close();
          fh = undefined;
          record.outcome = 'crashed';
          throw new Answer(undefined);
        }
        fail(new FileError(`write ${tmpPod}: no space left on device`));
      }
    },
    /** @returns {Promise<Error | null>} */
    async done() {
      await opened;
      if (!error && fh) {
        try {
          if (uid >= 0) await fh.chown(uid, gid).catch((e) => Promise.reject(pathError(e, 'chown', tmpPod)));
          await fh.sync();
          await fh.close();
          fh = undefined;
          await fsp.rename(tmpHost, hostOf(ctx, p, 'rename').host).catch((e) => Promise.reject(new FileError(`rename ${tmpPod} ${p}: ${strerror(e)}`)));
          record.outcome = 'written';
          record.uid = uid >= 0 ? uid : undefined;
          record.gid = gid >= 0 ? gid : undefined;
          return null;
        } catch (e) {
          fail(e);
        }
      }
      await this.abort();
      return error;
    },
    /** Cancel(): the temp file goes. */
    async abort() {
      if (record.outcome === 'crashed') return;
      record.outcome = 'failed';
      record.error = error?.message;
      if (fh) await fh.close().catch(() => undefined);
      fh = undefined;
      if (tmpHost) await fsp.rm(tmpHost, { force: true });
    },
  };
}

/** osutil.NormalizeUidGid against the container's users. @param {FilesContext} ctx @param {any} item @returns {[number, number] | undefined} */
export function normalizeUidGid(ctx, item) {
  let uid = typeof item['user-id'] === 'number' ? item['user-id'] : undefined;
  let gid = typeof item['group-id'] === 'number' ? item['group-id'] : undefined;
  const wrap = (/** @type {string} */ m) => new FileError(`cannot look up user and group: ${m}`);
  if (uid === undefined && gid === undefined && !item.user && !item.group) return undefined;
  if (item.user) {
    const u = ctx.lookupUser(item.user);
    if (!u) throw wrap(`user: unknown user ${item.user}`);
    if (uid !== undefined && uid !== u.uid) throw wrap(`user ${quote(item.user)} UID (${u.uid}) does not match user-id (${uid})`);
    uid = u.uid;
  }
  if (item.group) {
    const g = ctx.lookupGroup(item.group);
    if (g === undefined) throw wrap(`group: unknown group ${item.group}`);
    if (gid !== undefined && gid !== g) throw wrap(`group ${quote(item.group)} GID (${g}) does not match group-id (${gid})`);
    gid = g;
  }
  if (gid === undefined && uid !== undefined) {
    const u = ctx.lookupUid(uid);
    if (!u) throw wrap(`user: unknown userid ${uid}`);
    gid = u.gid;
  }
  if (uid === undefined) throw wrap('must specify user, not just group');
  return [uid, /** @type {number} */ (gid)];
}

/** @param {unknown} permissions @param {number} def */
export function parsePermissions(permissions, def) {
  if (!permissions) return def;
  const s = String(permissions);
  if (!/^[0-7]{3}$/.test(s)) throw new FileError(`permissions must be a 3-digit octal string, got ${quote(s)}`);
  return parseInt(s, 8);
}

/** mkdir -p, new directories get perm and the owner. @param {FilesContext} ctx @param {string} dir @param {number} perm @param {[number, number] | undefined} ids */
export async function mkdirAll(ctx, dir, perm, ids) {
  const parts = dir.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const p = `/${parts.slice(0, i).join('/')}`;
    const r = ctx.resolve(p);
    if (!r) continue; // above the mounts: the container's own directories
    try {
      await fsp.mkdir(r.host, perm);
      await fsp.chmod(r.host, perm);
      if (ids) await fsp.chown(r.host, ids[0], ids[1]);
    } catch (e) {
      if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'EEXIST') throw pathError(e, 'mkdir', p);
      if (!(await fsp.stat(r.host)).isDirectory()) throw pathError({ code: 'ENOTDIR' }, 'mkdir', p);
    }
  }
}
