#!/charm/bin/node
// @ts-check
// /charm/bin/pebble inside a container: pebble's CLI (internals/cli, client/) for pull, push, ls,
// rm, services, start, stop and logs, talking to the daemon on $PEBBLE_SOCKET with the same
// requests, and printing what the Go CLI prints: tables through tabwriter, "error: ..." on stderr
// and exit status 1 on failure. Runs under the node bind-mounted at /charm/bin/node; imports only
// node's modules and its siblings (copied beside it): cli-args.js, cli-client.js, cli-format.js,
// multipart.js, errors.js.
import fs from 'node:fs';
import { parseArgs } from './cli-args.js';
import { ServerError, call, fileResult, openLocal, request, responseError } from './cli-client.js';
import { fill, formatAmount, human, logTime, modeString, rfc3339, tabwrite } from './cli-format.js';
import { closing, escapeQuotes, newBoundary, parseHeaderValue, partStart, readMultipart } from './multipart.js';

// ---- commands ----

/** @param {string[]} argv */
async function pull(argv) {
  const { args } = parseArgs(argv, { flags: {}, positional: ['<remote-path>', '<local-path>'], required: 2 });
  const [remote, local] = args;
  const target = openLocal(local, 'w');
  /** @type {number | undefined} */
  let fd = target.fd;
  try {
    const res = await request('GET', '/v1/files', {
      query: [
        ['action', 'read'],
        ['path', remote],
      ],
      headers: { Accept: 'multipart/form-data' },
    });
    const { type, params } = parseHeaderValue(String(res.headers['content-type'] ?? ''));
    if (type !== 'multipart/form-data') {
      const text = Buffer.concat(await res.toArray()).toString('utf8');
      let err;
      try {
        err = responseError(JSON.parse(text));
      } catch {
        // not JSON either
      }
      throw err ?? new Error(`expected a multipart response, got ${JSON.stringify(type)}`);
    }
    let index = 0;
    /** @type {Buffer[]} */
    let response = [];
    let name = '';
    await readMultipart(res, params.boundary ?? '', {
      part: (_h, n) => {
        name = n;
        if (index === 0 && n !== 'response' && n !== 'files') throw new Error(`expected first field name to be "files", got ${JSON.stringify(n)}`);
        if (index === 1 && n !== 'response') throw new Error(`expected second field name to be "response", got ${JSON.stringify(n)}`);
        index++;
      },
      data: (chunk) => {
        if (name === 'response') response.push(chunk);
        else for (let off = 0; off < chunk.length;) off += fs.writeSync(Number(fd), chunk, off);
      },
      done: () => {
        if (name !== 'response') return;
        const rsp = JSON.parse(Buffer.concat(response).toString('utf8'));
        response = [];
        const err = responseError(rsp);
        if (err) throw err;
        if (rsp.type !== 'sync') throw new Error(`expected sync response, got ${JSON.stringify(rsp.type)}`);
        fileResult(rsp.result);
        throw new Done();
      },
    }).catch((err) => {
      if (!(err instanceof Done)) throw err;
    });
  } catch (err) {
    if (!target.inherited) fs.closeSync(fd);
    fd = undefined;
    try {
      fs.unlinkSync(local); // as cmd_pull does: os.Remove(f.Name())
    } catch {
      // "Cannot discard pulled file", logged only
    }
    throw err;
  } finally {
    if (fd !== undefined && !target.inherited) fs.closeSync(fd);
  }
}

class Done extends Error {}

/** @param {string[]} argv */
async function push(argv) {
  const { opts, args } = parseArgs(argv, {
    flags: { p: {}, m: { value: 'string' }, uid: { value: 'int' }, user: { value: 'string' }, gid: { value: 'int' }, group: { value: 'string' } },
    positional: ['<local-path>', '<remote-path>'],
    required: 2,
  });
  const [local, remote] = args;
  const { fd, inherited } = openLocal(local, 'r');
  let perm;
  if (opts.m !== undefined) {
    const m = String(opts.m);
    if (!/^[0-7]+$/.test(m) || parseInt(m, 8) > 0xffffffff) throw new Error(`invalid mode for directory: ${JSON.stringify(m)}`);
    perm = parseInt(m, 8);
  } else perm = inherited && fs.fstatSync(fd).isSocket() ? 0o600 : fs.fstatSync(fd).mode & 0o777; // a FIFO's mode
  const payload = {
    action: 'write',
    files: [
      {
        path: remote,
        'make-dirs': Boolean(opts.p),
        permissions: perm ? perm.toString(8).padStart(3, '0') : '',
        'user-id': opts.uid ?? null,
        user: opts.user ?? '',
        'group-id': opts.gid ?? null,
        group: opts.group ?? '',
      },
    ],
  };
  const boundary = newBoundary();
  const header =
    partStart(boundary, { 'Content-Type': 'application/json', 'Content-Disposition': 'form-data; name="request"' }, true) +
    JSON.stringify(payload) +
    '\n' +
    partStart(
      boundary,
      { 'Content-Type': 'application/octet-stream', 'Content-Disposition': `form-data; name="files"; filename="${escapeQuotes(remote)}"` },
      false,
    );
  const source = fs.createReadStream('', { fd, autoClose: !inherited });
  const rsp = await call('sync', 'POST', '/v1/files', {
    headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
    body: async (req) => {
      req.write(header);
      for await (const chunk of source) if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
      req.write(closing(boundary));
    },
  });
  fileResult(rsp.result);
}

/** @param {string} p */
function parseGlob(p) {
  const trimmed = p.replace(/\/+$/, '');
  const at = trimmed.lastIndexOf('/');
  const dir = trimmed.slice(0, at + 1);
  const file = trimmed.slice(at + 1);
  if (/[*?[]/.test(dir)) throw new Error('can only use globs on the last path element');
  if (/[*?[]/.test(file)) return { path: dir, pattern: file };
  return { path: p, pattern: '' };
}

/** @param {string[]} argv */
async function ls(argv) {
  const { opts, args } = parseArgs(argv, {
    flags: { d: {}, l: {}, 'abs-time': {}, format: { value: 'string', choices: ['text', 'json', 'yaml'] } },
    positional: ['<path>'],
    required: 1,
  });
  const { path, pattern } = parseGlob(args[0]);
  /** @type {[string, string][]} */
  const query = [
    ['action', 'list'],
    ['path', path],
  ];
  if (pattern) query.push(['pattern', pattern]);
  if (opts.d) query.push(['itself', 'true']);
  const { result } = await call('sync', 'GET', '/v1/files', { query });
  const fmtTime = (/** @type {string} */ t) => (opts['abs-time'] ? rfc3339(new Date(t)) : human(new Date(t)));
  const format = opts.format ?? 'text';
  if (format === 'text') {
    if (!opts.l) return void process.stdout.write(result.map((/** @type {any} */ f) => `${f.name}\n`).join(''));
    const rows = result.map((/** @type {any} */ f) => {
      const size = f.type === 'file' ? `${formatAmount(f.size ?? 0, -1)}B` : '-';
      return [modeString(f.type, parseInt(f.permissions, 8)), f.user ?? '', f.group ?? '', size.padStart(6), fmtTime(f['last-modified']), f.name];
    });
    return void process.stdout.write(tabwrite(rows));
  }
  const files = result.map((/** @type {any} */ f) => ({
    path: f.path,
    name: f.name,
    type: f.type,
    ...(f.type === 'file' ? { size: f.size ?? 0 } : {}),
    permissions: f.permissions,
    'last-modified': rfc3339(new Date(f['last-modified'])),
    ...(f['user-id'] != null ? { 'user-id': f['user-id'] } : {}),
    ...(f.user ? { user: f.user } : {}),
    ...(f['group-id'] != null ? { 'group-id': f['group-id'] } : {}),
    ...(f.group ? { group: f.group } : {}),
  }));
  printNonText(format, { files });
}

/** formatNonText: json (yaml is not served by this sandbox). @param {unknown} format @param {unknown} value */
function printNonText(format, value) {
  if (format !== 'json') throw new Error('the sandbox pebble CLI prints text and json only');
  process.stdout.write(JSON.stringify(value) + '\n');
}

/** @param {string[]} argv */
async function rm(argv) {
  const { opts, args } = parseArgs(argv, { flags: { r: {} }, positional: ['<path>'], required: 1 });
  const body = JSON.stringify({ action: 'remove', paths: [{ path: args[0], recursive: Boolean(opts.r) }] }) + '\n';
  const rsp = await call('sync', 'POST', '/v1/files', { body, headers: { 'Content-Type': 'application/json' } });
  fileResult(rsp.result);
}

/** @param {string[]} argv */
async function services(argv) {
  const { opts, args } = parseArgs(argv, {
    flags: { 'abs-time': {}, format: { value: 'string', choices: ['text', 'json', 'yaml'] } },
    positional: ['<service>'],
    required: 0,
    rest: true,
  });
  const { result } = await call('sync', 'GET', '/v1/services', { query: [['names', args.join(',')]] });
  const format = opts.format ?? 'text';
  if (format !== 'text') {
    // client.ServiceInfo: a zero CurrentSince still marshals (omitempty does not omit a time.Time)
    const info = (/** @type {any} */ s) => ({
      name: s.name,
      startup: s.startup,
      current: s.current,
      'current-since': s['current-since'] ?? '0001-01-01T00:00:00Z',
    });
    return printNonText(format, { services: Object.fromEntries(result.map((/** @type {any} */ s) => [s.name, info(s)])) });
  }
  if (!result.length) return void process.stderr.write(args.length ? 'No matching services.\n' : 'Plan has no services.\n');
  const since = (/** @type {any} */ s) =>
    !s['current-since'] ? '-' : opts['abs-time'] ? rfc3339(new Date(s['current-since'])) : human(new Date(s['current-since']));
  const rows = [['Service', 'Startup', 'Current', 'Since'], ...result.map((/** @type {any} */ s) => [s.name, s.startup, s.current, since(s)])];
  process.stdout.write(tabwrite(rows));
}

/** start / stop, then Wait() for the change. @param {'start' | 'stop'} action @param {string[]} argv */
async function startStop(action, argv) {
  const { opts, args } = parseArgs(argv, { flags: { 'no-wait': {} }, positional: ['<service> (at least 1 argument)'], required: 1, rest: true });
  const body = JSON.stringify({ action, services: args }) + '\n';
  const { change } = await call('async', 'POST', '/v1/services', { body, headers: { 'Content-Type': 'application/json' } });
  if (!change) throw new Error('async response without change reference');
  if (opts['no-wait']) return void process.stdout.write(`${change}\n`);
  for (;;) {
    const { result: chg } = await call('sync', 'GET', `/v1/changes/${change}`);
    if (chg.ready) {
      if (chg.status === 'Done') return;
      if (chg.err) throw new Error(chg.err);
      throw new Error(`change finished in status ${JSON.stringify(chg.status)} with no error message`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** @param {string[]} argv */
async function logs(argv) {
  const { opts, args } = parseArgs(argv, {
    flags: { follow: { short: 'f' }, n: { value: 'string' }, format: { value: 'string', choices: ['text', 'json'] } },
    positional: ['<service>'],
    required: 0,
    rest: true,
  });
  let n = 30;
  if (opts.n === 'all') n = -1;
  else if (opts.n !== undefined) {
    n = /^[+-]?\d+$/.test(String(opts.n)) ? Number(opts.n) : NaN;
    if (!(n >= 0)) throw new Error(`expected n to be a non-negative integer or "all", not ${JSON.stringify(opts.n)}`);
  }
  /** @type {[string, string][]} */
  const query = args.map((s) => ['services', s]);
  if (n !== 0) query.push(['n', String(n)]);
  if (opts.follow) query.push(['follow', 'true']);
  const res = await request('GET', '/v1/logs', { query });
  const text = Buffer.concat(await res.toArray()).toString('utf8');
  for (const line of text.split('\n').filter(Boolean)) {
    const e = JSON.parse(line);
    if (e.type === 'error') throw responseError(e);
    if (opts.format === 'json') process.stdout.write(JSON.stringify({ time: e.time, service: e.service, message: e.message }) + '\n');
    else process.stdout.write(`${logTime(new Date(e.time))} [${e.service}] ${e.message}\n`);
  }
}

/** @type {Record<string, (argv: string[]) => Promise<void>>} */
const COMMANDS = { pull, push, ls, rm, services, logs, start: (a) => startStop('start', a), stop: (a) => startStop('stop', a) };

async function main() {
  const [cmd, ...rest] = process.argv.slice(2);
  if (!cmd) {
    process.stdout.write(
      'Pebble lets you control services and perform management actions on\nthe system that is running them.\n\nUsage: pebble <command> [<options>...]\n',
    );
    return;
  }
  const run = COMMANDS[cmd];
  if (!run) throw new Error(`unknown command ${JSON.stringify(cmd)}, see 'pebble help'`);
  await run(rest);
}

main().then(
  () => process.exit(0),
  (err) => {
    const msg = err instanceof ServerError ? fill(err.message) : String(err?.message ?? err);
    process.stderr.write(`error: ${msg}\n`);
    process.exit(1);
  },
);
