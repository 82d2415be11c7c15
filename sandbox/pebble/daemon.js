// @ts-check
// A pebble daemon for one container, in the test's process: pebble's REST API (v1) on a unix
// socket, for what the pebble CLI's pull, push, ls, rm, services, start, stop and logs use:
// /v1/files, /v1/services, /v1/changes/{id} (the CLI polls it until a start or stop is ready) and
// /v1/logs. Files are the container's mounts on the host; services are in-process programs
// (services.js). Answers are shaped as internals/daemon/response.go writes them.
import http from 'node:http';
import { chmodSync, rmSync } from 'node:fs';
import { async, badRequest, errorResponse, quote, sync } from './errors.js';
import { getFiles, postFiles } from './files.js';
import { ServiceManager } from './services.js';

/**
 * @typedef {import('./types.js').PebbleSpec} PebbleSpec
 * @typedef {import('./types.js').PushFault} PushFault
 * @typedef {import('./types.js').PushRecord} PushRecord
 * @typedef {import('./types.js').PebbleRequest} PebbleRequest
 */

/** strutil.MultiCommaSeparatedList. @param {string[]} values */
const commaList = (values) => values.flatMap((v) => v.split(',').map((s) => s.trim())).filter(Boolean);

/**
 * @param {{ socketPath: string, spec: PebbleSpec, scratchDir: string,
 *   resolve: (podPath: string) => { host: string, mountRoot: boolean } | undefined, hostPath: (podPath: string) => string,
 *   users: Map<number, { name: string, gid: number }>, groups: Map<number, string> }} o
 */
export function startPebbleDaemon(o) {
  /** @type {PushRecord[]} */
  const pushes = [];
  /** @type {PebbleRequest[]} */
  const requests = [];
  /** @type {PushFault | undefined} */
  let pushFault;
  const manager = new ServiceManager(o.spec.services ?? {}, {
    okayDelayMs: o.spec.okayDelayMs,
    io: () => ({ hostPath: o.hostPath, scratchDir: o.scratchDir }),
  });
  /** @type {import('./files.js').FilesContext} */
  const files = {
    resolve: o.resolve,
    userName: (uid) => o.users.get(uid)?.name ?? '',
    groupName: (gid) => o.groups.get(gid) ?? '',
    lookupUser: (name) => [...o.users].map(([uid, u]) => ({ uid, ...u })).find((u) => u.name === name),
    lookupUid: (uid) => o.users.get(uid),
    lookupGroup: (name) => [...o.groups].find(([, g]) => g === name)?.[0],
    pushFault: () => pushFault,
    pushes,
  };

  /** @param {http.IncomingMessage} req @param {URL} url @param {http.ServerResponse} res */
  async function route(req, url, res) {
    const q = url.searchParams;
    const p = url.pathname;
    if (p === '/v1/files') {
      if (req.method === 'GET') return getFiles(files, q, req, res);
      if (req.method === 'POST') return postFiles(files, req, res);
    } else if (p === '/v1/services') {
      if (req.method === 'GET') return sync(manager.list(commaList(q.getAll('names'))));
      if (req.method === 'POST') return postServices(req);
    } else if (/^\/v1\/changes\/[^/]+$/.test(p) && req.method === 'GET') {
      const id = decodeURIComponent(p.slice('/v1/changes/'.length));
      const chg = manager.changes.get(id);
      return chg ? sync(chg) : errorResponse(404, `cannot find change with id ${quote(id)}`);
    } else if (p === '/v1/logs' && req.method === 'GET') return getLogs(q, res);
    else return errorResponse(404, 'invalid API endpoint requested');
    return errorResponse(405, `method ${quote(req.method ?? '')} not allowed`);
  }

  /** @param {http.IncomingMessage} req */
  async function postServices(req) {
    let payload;
    try {
      payload = JSON.parse(Buffer.concat(await req.toArray()).toString('utf8'));
    } catch (err) {
      return badRequest(`cannot decode data from request body: ${/** @type {Error} */ (err).message}`);
    }
    const action = String(payload?.action ?? '');
    /** @type {string[]} */
    const names = Array.isArray(payload?.services) ? payload.services.map(String) : [];
    if (action !== 'start' && action !== 'stop') {
      return badRequest(
        ['restart', 'replan', 'autostart'].includes(action) ? `the sandbox's pebble does not serve ${action}` : `invalid action ${quote(action)}`,
      );
    }
    if (!names.length) return badRequest(`must specify services for ${action} action`);
    const missing = manager.unknown(names);
    if (missing) return badRequest(`cannot ${action} services: service ${quote(missing)} does not exist`);
    return async(manager.change(action, names));
  }

  /** JSON Lines, as logsResponse writes them. @param {URLSearchParams} q @param {http.ServerResponse} res */
  function getLogs(q, res) {
    const follow = q.get('follow') ?? '';
    if (follow !== '' && follow !== 'true' && follow !== 'false') return badRequest('follow parameter must be "true" or "false"');
    let n = follow === 'true' ? 0 : 30;
    const nStr = q.get('n');
    if (nStr !== null && nStr !== '') {
      n = Number(nStr);
      if (!/^-?\d+$/.test(nStr) || n < -1) return badRequest('n must be -1, 0, or a positive integer');
    }
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    for (const e of manager.logs(commaList(q.getAll('services')), n))
      res.write(JSON.stringify({ time: e.time.toISOString(), service: e.service, message: e.message }) + '\n');
    res.end();
    return undefined;
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    /** @type {PebbleRequest} */
    const record = { method: req.method ?? '', path: url.pathname, query: url.search.slice(1) };
    requests.push(record);
    route(req, url, res).then(
      (reply) => {
        if (!reply) return;
        record.status = reply.status;
        if (res.headersSent || res.destroyed) return;
        const text = JSON.stringify(reply.body) + '\n';
        res.writeHead(reply.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
      },
      (err) => {
        record.status = 500;
        if (!res.headersSent && !res.destroyed) {
          const text = JSON.stringify(errorResponse(500, `internal error: ${err?.message ?? err}`).body) + '\n';
          res.writeHead(500, { 'Content-Type': 'application/json' }).end(text);
        } else res.destroy();
      },
    );
  });
  rmSync(o.socketPath, { force: true });
  // listening takes a moment; nothing connects before an exec, and startKube awaits ready
  const ready = new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.socketPath, () => {
      chmodSync(o.socketPath, 0o666); // pebble listens under umask 0111: anyone may connect
      resolve(undefined);
    });
  });
  manager.autostart();

  return {
    ready,
    socketPath: o.socketPath,
    manager,
    pushes,
    requests,
    /** @param {PushFault | undefined} fault applies to every push until cleared */
    setPushFault(fault) {
      pushFault = fault;
    },
    async close() {
      await manager.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
      rmSync(o.socketPath, { force: true });
    },
  };
}
