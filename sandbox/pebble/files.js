// @ts-check
// /v1/files as pebble's internals/daemon/api_files.go serves it: read (multipart), list, write
// (files-write.js), remove and make-dirs. Paths are the container's; they are mapped onto the host
// directories of its mounts, and errors name them as Go would ("stat /data/x: no such file or directory").
import { createReadStream } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { FileError, badRequest, errorResponse, fileErrorResult, pathError, quote, sync } from './errors.js';
import { Answer, hostOf, mkdirAll, normalizeUidGid, parsePermissions, writeFiles } from './files-write.js';
import { closing, escapeQuotes, newBoundary, parseHeaderValue, partStart } from './multipart.js';

/**
 * @typedef {{ resolve: (podPath: string) => { host: string, mountRoot: boolean } | undefined,
 *   userName: (uid: number) => string, groupName: (gid: number) => string,
 *   lookupUser: (name: string) => { uid: number, gid: number } | undefined, lookupUid: (uid: number) => { gid: number } | undefined,
 *   lookupGroup: (name: string) => number | undefined,
 *   pushFault: () => import('./types.js').PushFault | undefined, pushes: import('./types.js').PushRecord[] }} FilesContext
 * @typedef {import('node:http').IncomingMessage} Req
 * @typedef {import('node:http').ServerResponse} Res
 * @typedef {{ status: number, body: object }} Reply
 */

/** @param {FilesContext} ctx @param {URLSearchParams} q @param {Req} req @param {Res} res @returns {Promise<Reply | undefined>} */
export async function getFiles(ctx, q, req, res) {
  const action = q.get('action') ?? '';
  if (action === 'read') {
    const paths = q.getAll('path');
    if (!paths.length) return badRequest('must specify one or more paths');
    if (req.headers.accept !== 'multipart/form-data') return badRequest('must accept multipart/form-data');
    await readFiles(ctx, paths, res);
    return undefined;
  }
  if (action === 'list') {
    const p = q.get('path') ?? '';
    if (!p) return badRequest('must specify path');
    const itself = q.get('itself') ?? '';
    if (itself !== 'true' && itself !== 'false' && itself !== '') return badRequest('itself parameter must be "true" or "false"');
    if (!p.startsWith('/')) return badRequest(`path must be absolute, got ${quote(p)}`);
    try {
      return sync(await listFiles(ctx, p, q.get('pattern') ?? '', itself === 'true'));
    } catch (err) {
      const result = fileErrorResult(err) ?? { kind: 'generic-file-error', message: String(err) };
      const status = result.kind === 'not-found' ? 404 : result.kind === 'permission-denied' ? 403 : 400;
      return errorResponse(status, result.message, result.kind);
    }
  }
  return badRequest(`invalid action ${quote(action)}`);
}

/** @param {FilesContext} ctx @param {string[]} paths @param {Res} res */
async function readFiles(ctx, paths, res) {
  const boundary = newBoundary();
  res.writeHead(200, { 'Content-Type': `multipart/form-data; boundary=${boundary}` });
  let first = true;
  const results = [];
  for (const p of paths) {
    let error;
    try {
      if (!p.startsWith('/')) throw new FileError(`paths must be absolute, got ${quote(p)}`);
      const { host } = hostOf(ctx, p, 'stat');
      const st = await fsp.stat(host).catch((e) => Promise.reject(pathError(e, 'stat', p)));
      if (!st.isFile()) throw new FileError(`can only read a regular file: ${quote(p)}`);
      const fh = await fsp.open(host, 'r').catch((e) => Promise.reject(pathError(e, 'open', p)));
      try {
        const head = partStart(
          boundary,
          { 'Content-Disposition': `form-data; name="files"; filename="${escapeQuotes(p)}"`, 'Content-Type': 'application/octet-stream' },
          first,
        );
        first = false;
        await write(res, head);
        for await (const chunk of createReadStream('', { fd: fh, autoClose: false })) await write(res, chunk);
      } finally {
        await fh.close();
      }
    } catch (err) {
      error = fileErrorResult(err);
    }
    results.push({ path: p, ...(error ? { error } : {}) });
  }
  await write(res, partStart(boundary, { 'Content-Type': 'application/json', 'Content-Disposition': 'form-data; name="response"' }, first));
  await write(res, JSON.stringify({ type: 'sync', 'status-code': 200, status: 'OK', result: results }) + '\n');
  res.end(closing(boundary));
}

/** Writes with backpressure. @param {Res} res @param {string | Buffer} data */
function write(res, data) {
  if (res.write(data)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const drained = () => {
      res.off('close', gone);
      resolve(undefined);
    };
    const gone = () => {
      res.off('drain', drained);
      reject(new Error('client went away'));
    };
    res.once('drain', drained);
    res.once('close', gone);
  });
}

/** path.Match for one path element. @param {string} pattern */
function globRegExp(pattern) {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) throw new FileError('syntax error in pattern');
      re += `[${pattern
        .slice(i + 1, end)
        .replace(/^\^/, '^')
        .replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\') re += `\\${pattern[++i] ?? ''}`;
    else re += c.replace(/[.+^${}()|\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** @param {FilesContext} ctx @param {string} p @param {string} pattern @param {boolean} itself */
async function listFiles(ctx, p, pattern, itself) {
  const { host } = hostOf(ctx, p, 'stat');
  const st = await fsp.stat(host).catch((e) => Promise.reject(pathError(e, 'stat', p)));
  /** @type {{ name: string, st: import('node:fs').Stats }[]} */
  let entries;
  let dir;
  if (!st.isDirectory() || itself) {
    entries = [{ name: path.posix.basename(p), st }];
    dir = path.posix.dirname(p);
  } else {
    const names = (await fsp.readdir(host).catch((e) => Promise.reject(pathError(e, 'open', p)))).sort();
    entries = await Promise.all(names.map(async (name) => ({ name, st: await fsp.lstat(path.join(host, name)) })));
    dir = p;
  }
  const match = pattern ? globRegExp(pattern) : undefined;
  return entries.filter((e) => !match || match.test(e.name)).map((e) => fileInfo(ctx, path.posix.join(dir, e.name), e.st));
}

/** fileInfoToResult. @param {FilesContext} ctx @param {string} full @param {import('node:fs').Stats} st */
function fileInfo(ctx, full, st) {
  const kinds = /** @type {const} */ ([
    ['file', st.isFile()],
    ['directory', st.isDirectory()],
    ['symlink', st.isSymbolicLink()],
    ['socket', st.isSocket()],
    ['named-pipe', st.isFIFO()],
    ['device', st.isBlockDevice() || st.isCharacterDevice()],
  ]);
  const type = kinds.find(([, is]) => is)?.[0] ?? 'unknown';
  return {
    path: full,
    name: path.posix.basename(full),
    type,
    ...(st.isFile() ? { size: st.size } : {}),
    permissions: (st.mode & 0o777).toString(8).padStart(3, '0'),
    'last-modified': new Date(Math.floor(st.mtimeMs / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    'user-id': st.uid,
    user: ctx.userName(st.uid),
    'group-id': st.gid,
    group: ctx.groupName(st.gid),
  };
}

/** @param {FilesContext} ctx @param {Req} req @param {Res} res @returns {Promise<Reply | undefined>} */
export async function postFiles(ctx, req, res) {
  const contentType = req.headers['content-type'] ?? '';
  const { type, params } = parseHeaderValue(contentType);
  if (!type || !type.includes('/')) return badRequest(`invalid Content-Type ${quote(contentType)}`);
  if (type === 'multipart/form-data') {
    const boundary = params.boundary ?? '';
    if (boundary.length < 32) return badRequest(`invalid boundary ${quote(boundary)}`);
    try {
      return await writeFiles(ctx, req, boundary);
    } catch (err) {
      if (!(err instanceof Answer)) throw err;
      if (!err.reply) res.socket?.destroy();
      return err.reply;
    }
  }
  if (type === 'application/json') {
    let payload;
    try {
      payload = JSON.parse(Buffer.concat(await req.toArray()).toString('utf8'));
    } catch (err) {
      return badRequest(`cannot decode request body: ${/** @type {Error} */ (err).message}`);
    }
    if (payload?.action === 'remove') return sync(await Promise.all((payload.paths ?? []).map((/** @type {any} */ p) => removeOne(ctx, p))));
    if (payload?.action === 'make-dirs') return sync(await Promise.all((payload.dirs ?? []).map((/** @type {any} */ d) => makeDirOne(ctx, d))));
    if (payload?.action === 'write') return badRequest('must use multipart with "write" action');
    return badRequest(`invalid action ${quote(String(payload?.action ?? ''))}`);
  }
  return badRequest(`invalid media type ${quote(type)}`);
}

/** @param {FilesContext} ctx @param {any} d makeDirsItem */
async function makeDirOne(ctx, d) {
  const p = String(d.path ?? '');
  try {
    if (!p.startsWith('/')) throw new FileError(`paths must be absolute, got ${quote(p)}`);
    const perm = parsePermissions(d.permissions, 0o755);
    const ids = normalizeUidGid(ctx, d);
    if (d['make-parents']) await mkdirAll(ctx, p, perm, ids);
    else {
      const { host } = hostOf(ctx, p, 'mkdir');
      await fsp.mkdir(host, perm).catch((e) => Promise.reject(pathError(e, 'mkdir', p)));
      await fsp.chmod(host, perm);
      if (ids) await fsp.chown(host, ids[0], ids[1]);
    }
    return { path: p };
  } catch (err) {
    return { path: p, error: fileErrorResult(err) };
  }
}

/** os.Remove (unlink, then rmdir) or os.RemoveAll. @param {FilesContext} ctx @param {any} item removePathsItem */
async function removeOne(ctx, item) {
  const p = String(item.path ?? '');
  try {
    if (!p.startsWith('/')) throw new FileError(`paths must be absolute, got ${quote(p)}`);
    const r = ctx.resolve(path.posix.normalize(p));
    if (item.recursive) {
      if (r?.mountRoot) {
        // RemoveAll empties a mount point, then cannot remove it
        for (const name of await fsp.readdir(r.host)) await fsp.rm(path.join(r.host, name), { recursive: true, force: true });
        throw pathError({ code: 'EBUSY' }, 'unlinkat', p);
      }
      if (r) await fsp.rm(r.host, { recursive: true, force: true }).catch((e) => Promise.reject(pathError(e, 'unlinkat', p)));
    } else {
      if (r?.mountRoot) throw pathError({ code: 'EBUSY' }, 'remove', p);
      if (!r) throw pathError({ code: 'ENOENT' }, 'remove', p);
      await fsp.unlink(r.host).catch(async (e) => {
        await fsp.rmdir(r.host).catch((e1) => Promise.reject(pathError(e1.code !== 'ENOTDIR' ? e1 : e, 'remove', p)));
      });
    }
    return { path: p };
  } catch (err) {
    return { path: p, error: fileErrorResult(err) };
  }
}
