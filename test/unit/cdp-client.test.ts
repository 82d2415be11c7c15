// The CDP client against a tiny HTTP server inside the test: signed headers, retries only on 429,
// 5xx, timeouts and network errors, the error shape, and no private key in any error or log line.
// Also the typed ML operations and the waiters. The client against the CDP emulator is an integration test.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TimeoutError, type Logger } from '@ml-backup-actions/core';
import {
  CdpClient,
  CdpError,
  CdpWaitError,
  MlApi,
  classifyBackupStatus,
  classifyWorkspaceStatus,
  waitForBackup,
  waitForWorkspace,
  waitForWorkspaceDeleted,
  type CdpCredentials,
} from '../../packages/cdp/src/index.js';
import { must } from '../support/must.js';

const VECTORS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../vectors/cdp-signing.json');
const keys = JSON.parse(readFileSync(VECTORS, 'utf8')).keys;

interface Seen {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
type Reply = (req: Seen, res: http.ServerResponse) => void;

let server: http.Server;
let base = '';
const seen: Seen[] = [];
let replies: Reply[] = [];
let fallback: Reply = (_r, res) => json(res, 200, {});

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const s = { path: req.url ?? '', headers: req.headers, body };
      seen.push(s);
      (replies.shift() ?? fallback)(s, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function reset(next: Reply[], otherwise: Reply = (_r, res) => json(res, 200, {})) {
  seen.length = 0;
  replies = next;
  fallback = otherwise;
}

function recorder() {
  const lines: string[] = [];
  const log: Logger = {
    info: (m) => lines.push(`info: ${m}`),
    notice: (m) => lines.push(`notice: ${m}`),
    warning: (m) => lines.push(`warning: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
    debug: (m) => lines.push(`debug: ${m}`),
    group: (_n, fn) => fn(),
  };
  return { log, lines };
}

const rsaCreds: CdpCredentials = { accessKeyId: 'AKID-rsa', privateKey: keys.rsa.privateKeyPem, source: 'test' };
const edCreds: CdpCredentials = { accessKeyId: 'AKID-ed', privateKey: keys.ed25519.privateKey, source: 'test' };
const noWait = async () => {};

function client(creds: CdpCredentials, log: Logger, extra: Partial<ConstructorParameters<typeof CdpClient>[0]> = {}) {
  return new CdpClient({ credentials: creds, endpoint: base, log, attempts: 4, sleep: noWait, random: () => 0.5, timeoutMs: 2000, ...extra });
}

function verifyAuth(s: Seen, publicKey: string | ReturnType<typeof createPublicKey>, hash: string | null) {
  const [params, sig] = String(s.headers['x-altus-auth']).split('.');
  const p = JSON.parse(Buffer.from(params, 'base64url').toString());
  const toSign = `POST\napplication/json\n${s.headers['x-altus-date']}\n${s.path}\n${p.auth_method}`;
  return verify(hash, Buffer.from(toSign), publicKey, Buffer.from(sig, 'base64url'));
}

async function caught(p: Promise<unknown>): Promise<CdpError> {
  try {
    await p;
  } catch (err) {
    return err as CdpError;
  }
  throw new Error('expected a failure');
}

describe('CdpClient', () => {
  test('posts JSON to /api/v1/<service>/<operation> with verifiable x-altus headers', async () => {
    const { log } = recorder();
    reset([(_r, res) => json(res, 200, { backupCrn: 'crn:b1', vaultName: 'v' })]);
    const ml = new MlApi(client(edCreds, log));
    const out = await ml.backupWorkspace({ workspaceCrn: 'crn:ws', backupName: 'nightly', skipValidation: undefined });
    expect(out).toEqual({ backupCrn: 'crn:b1', vaultName: 'v' });
    expect(seen).toHaveLength(1);
    const s = seen[0];
    expect(s.path).toBe('/api/v1/ml/backupWorkspace');
    expect(JSON.parse(s.body)).toEqual({ workspaceCrn: 'crn:ws', backupName: 'nightly' });
    expect(s.headers['content-type']).toBe('application/json');
    expect(s.headers['x-altus-date']).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    expect(String(s.headers['x-altus-auth']).split('.')[0]).toBe(
      Buffer.from('{"access_key_id": "AKID-ed", "auth_method": "ed25519v1"}').toString('base64').replace(/\+/g, '-').replace(/\//g, '_'),
    );
    const edPublic = createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(keys.ed25519.publicKeyRawBase64, 'base64')]),
      format: 'der',
      type: 'spki',
    });
    expect(verifyAuth(s, edPublic, null)).toBe(true);
  });

  test('an endpoint with a path prefix signs the full path; an empty 200 body is {}', async () => {
    const { log } = recorder();
    reset([(_r, res) => res.writeHead(200).end()]);
    const c = new CdpClient({ credentials: rsaCreds, endpoint: `${base}/prefix/`, log, sleep: noWait });
    expect(await new MlApi(c).suspendWorkspace({ workspaceCrn: 'crn:ws' })).toEqual({});
    expect(seen[0].path).toBe('/prefix/api/v1/ml/suspendWorkspace');
    expect(verifyAuth(seen[0], keys.rsa.publicKeyPem, 'sha256')).toBe(true);
    expect(c.authMethod).toBe('rsav1');
  });

  test('retries 429 and 503, re-signing each attempt, then succeeds', async () => {
    const { log, lines } = recorder();
    reset([
      (_r, res) => json(res, 429, { code: 'RESOURCE_EXHAUSTED', message: 'slow down' }),
      (_r, res) => json(res, 503, { code: 'UNAVAILABLE', message: 'busy' }),
      (_r, res) => json(res, 200, { workspaces: [] }),
    ]);
    const dates = [new Date(Date.UTC(2026, 10, 20, 10, 0, 0)), new Date(Date.UTC(2026, 10, 20, 10, 0, 1)), new Date(Date.UTC(2026, 10, 20, 10, 0, 2))];
    const c = client(rsaCreds, log, { now: () => must(dates.shift(), 'dates.shift()') });
    expect(await new MlApi(c).listWorkspaces()).toEqual({ workspaces: [] });
    expect(seen).toHaveLength(3);
    expect(seen.map((s) => s.headers['x-altus-date'])).toEqual([
      'Fri, 20 Nov 2026 10:00:00 GMT',
      'Fri, 20 Nov 2026 10:00:01 GMT',
      'Fri, 20 Nov 2026 10:00:02 GMT',
    ]);
    expect(new Set(seen.map((s) => s.headers['x-altus-auth'])).size).toBe(3);
    for (const s of seen) expect(verifyAuth(s, keys.rsa.publicKeyPem, 'sha256')).toBe(true);
    expect(lines.filter((l) => l.includes('retrying'))).toHaveLength(2);
    expect(lines[0]).toMatch(/CDP ml listWorkspaces: attempt 1 of 4 failed .*HTTP 429.*RESOURCE_EXHAUSTED/);
  });

  test('a 400 is not retried and carries code, message, status, request id and operation', async () => {
    const { log, lines } = recorder();
    reset([(_r, res) => json(res, 400, { code: 'INVALID_ARGUMENT', message: 'Workspace name &quot;x&quot; is invalid' }, { 'x-altus-request-id': 'req-123' })]);
    const err = await caught(new MlApi(client(rsaCreds, log)).describeWorkspace({ workspaceCrn: 'crn:ws' }));
    expect(err).toBeInstanceOf(CdpError);
    expect(seen).toHaveLength(1);
    expect(lines).toEqual([]);
    expect(err).toMatchObject({
      code: 'INVALID_ARGUMENT',
      cdpMessage: 'Workspace name "x" is invalid',
      status: 400,
      requestId: 'req-123',
      service: 'ml',
      operation: 'describeWorkspace',
      attempts: 1,
    });
    expect(err.retryable).toBe(false);
    expect(err.message).toBe(
      'CDP ml describeWorkspace failed: Workspace name "x" is invalid (HTTP 400, code INVALID_ARGUMENT, request id req-123). CDP rejected the request; fix what the message names.',
    );
  });

  test('403, 404 and a non-JSON 502 read as cdpcli reads them', async () => {
    const { log } = recorder();
    reset([
      (_r, res) => json(res, 403, { code: 'PERMISSION_DENIED', error: 'no access' }, { 'x-cdp-request-id': 'r-cdp' }),
      (_r, res) => json(res, 404, { errorMessages: ['no such', 'workspace'] }),
    ]);
    const c = client(rsaCreds, log);
    const denied = await caught(c.post('ml', 'describeWorkspace', {}));
    expect(denied).toMatchObject({ code: 'PERMISSION_DENIED', cdpMessage: 'no access', requestId: 'r-cdp', status: 403 });
    expect(denied.message).toMatch(/Check the access key id and private key/);
    const missing = await caught(c.post('ml', 'describeWorkspace', {}));
    expect(missing).toMatchObject({ code: '', cdpMessage: 'no such workspace', status: 404 });

    reset([], (_r, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad Gateway</html>'));
    const gateway = await caught(c.post('ml', 'listWorkspaces', {}));
    expect(seen).toHaveLength(4);
    expect(gateway).toMatchObject({ code: 'UNKNOWN_ERROR', cdpMessage: '<html>Bad Gateway</html>', status: 502, attempts: 4 });
    expect(gateway.message).toMatch(/HTTP 502, code UNKNOWN_ERROR, 4 attempts\)\. This is on the CDP side/);
  });

  test('a call that gets no answer times out per attempt, and is retried', async () => {
    const { log } = recorder();
    reset([], () => {
      /* never answers */
    });
    const started = Date.now();
    const err = await caught(client(rsaCreds, log, { timeoutMs: 150, attempts: 2 }).post('ml', 'describeWorkspace', { workspaceCrn: 'x' }));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(seen).toHaveLength(2);
    expect(err).toMatchObject({ code: 'TIMEOUT', status: 0, attempts: 2, operation: 'describeWorkspace' });
    expect(err.message).toMatch(/no complete answer within 150 ms .*raise the timeout/);
    server.closeAllConnections();
  });

  test("the caller's signal stops the call at once, without a retry", async () => {
    const { log } = recorder();
    reset([], () => {});
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('run cancelled')), 100);
    const err = await caught(client(rsaCreds, log, { timeoutMs: 5000 }).post('ml', 'listWorkspaces', {}, { signal: controller.signal }));
    expect(err).not.toBeInstanceOf(CdpError);
    expect(err.message).toBe('run cancelled');
    expect(seen).toHaveLength(1);
    server.closeAllConnections();
  });

  test('a refused connection is a network error, retried', async () => {
    const { log } = recorder();
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const c = new CdpClient({ credentials: rsaCreds, endpoint: `http://127.0.0.1:${port}`, log, attempts: 3, sleep: noWait });
    const err = await caught(c.post('ml', 'listWorkspaces', {}));
    expect(err).toMatchObject({ code: 'NETWORK_ERROR', status: 0, attempts: 3 });
    expect(err.message).toMatch(/ECONNREFUSED.*check the region or endpoint URL/);
  });

  test('the private key appears in no error and no log line, even when the server echoes it', async () => {
    const { log, lines } = recorder();
    const pemLines = keys.rsa.privateKeyPem.split('\n').filter((l: string) => l && !l.startsWith('-----'));
    reset([
      (_r, res) => json(res, 503, { code: 'UNAVAILABLE', message: `echo ${pemLines[3]}` }),
      (_r, res) => json(res, 400, { code: 'INVALID_ARGUMENT', message: `bad key ${keys.rsa.privateKeyPem}` }),
    ]);
    const errors: unknown[] = [await caught(client(rsaCreds, log).post('ml', 'listWorkspaces', {}))];
    reset([], () => {});
    errors.push(await caught(client(rsaCreds, log, { timeoutMs: 50, attempts: 1 }).post('ml', 'listWorkspaces', {})));
    server.closeAllConnections();
    errors.push(
      await caught(
        Promise.resolve().then(() => new CdpClient({ credentials: { ...rsaCreds, privateKey: keys.rsa.privateKeyPem.replace('MII', 'XII') }, endpoint: base })),
      ),
    );
    const text = [...lines, ...errors.map((e) => `${String(e)} ${JSON.stringify(e)} ${(e as Error).stack}`)].join('\n');
    expect(text).toContain('***');
    for (const secret of [keys.rsa.privateKeyPem.trim(), ...pemLines, keys.ed25519.privateKey]) expect(text).not.toContain(secret);
  });
});

describe('waiters', () => {
  const timing = { intervalMs: 1, progressEveryMs: 0, timeoutMs: 60_000, sleep: noWait };
  const workspace = (instanceStatus: string, extra: object = {}) => ({ workspace: { instanceName: 'ws', crn: 'crn:ws', instanceStatus, ...extra } });

  test('status classes are open-ended', () => {
    expect(classifyWorkspaceStatus('installation:finished')).toBe('ready');
    expect(classifyWorkspaceStatus('modify:finished')).toBe('ready');
    expect(classifyWorkspaceStatus('installation:started')).toBe('pending');
    expect(classifyWorkspaceStatus('provision:failed')).toBe('failed');
    expect(classifyWorkspaceStatus('backup:started')).toBe('unknown');
    expect(classifyWorkspaceStatus('suspend:finished', ['suspend:finished'])).toBe('ready');
    expect(classifyBackupStatus('backup:finished')).toBe('ready');
    expect(classifyBackupStatus('COMPLETED')).toBe('ready');
    expect(classifyBackupStatus('backup:failed')).toBe('failed');
    expect(classifyBackupStatus('IN_PROGRESS')).toBe('pending');
    expect(classifyBackupStatus('mystery')).toBe('unknown');
  });

  test('waitForWorkspace logs each status change and each unknown status once, with progress lines', async () => {
    const { log, lines } = recorder();
    const statuses = ['provision:started', 'weird:state', 'weird:state', 'installation:started', 'installation:finished'];
    reset(statuses.map((s) => (_r, res) => json(res, 200, workspace(s))));
    const ws = await waitForWorkspace(new MlApi(client(edCreds, log)), { workspaceCrn: 'crn:ws' }, { log, ...timing });
    expect(ws.instanceStatus).toBe('installation:finished');
    expect(seen).toHaveLength(5);
    expect(JSON.parse(seen[0].body)).toEqual({ workspaceCrn: 'crn:ws' });
    expect(lines.filter((l) => l.includes('does not know'))).toEqual([
      'info: workspace crn:ws is in status "weird:state", which this suite does not know; treating it as still in progress.',
    ]);
    expect(lines.filter((l) => l.startsWith('info: workspace crn:ws: status '))).toHaveLength(4);
    expect(lines.some((l) => /still waiting for workspace crn:ws .* status weird:state/.test(l))).toBe(true);
  });

  test('waitForWorkspace fails on *:failed with the failure message, and at the deadline with the last status', async () => {
    const { log } = recorder();
    reset([(_r, res) => json(res, 200, workspace('installation:failed', { failureMessage: 'quota exceeded' }))]);
    const ml = new MlApi(client(edCreds, log));
    const failed = await caught(waitForWorkspace(ml, { environmentName: 'env', workspaceName: 'ws' }, { log, ...timing }));
    expect(failed).toBeInstanceOf(CdpWaitError);
    expect(failed.message).toMatch(/workspace ws in environment env failed with status installation:failed: quota exceeded/);

    reset([], (_r, res) => json(res, 200, workspace('installation:started')));
    let t = 0;
    const late = await caught(waitForWorkspace(ml, { workspaceCrn: 'crn:ws' }, { log, ...timing, timeoutMs: 1000, now: () => (t += 400) }));
    expect(late).toBeInstanceOf(TimeoutError);
    expect(late.message).toMatch(/waiting for workspace crn:ws to be installation:finished or modify:finished \(last state: status installation:started\)/);
  });

  test('waitForWorkspaceDeleted ends on NOT_FOUND; waitForBackup on a ready status or a failure', async () => {
    const { log } = recorder();
    reset([(_r, res) => json(res, 200, workspace('deprovision:started')), (_r, res) => json(res, 404, { code: 'NOT_FOUND', message: 'gone' })]);
    const ml = new MlApi(client(edCreds, log));
    await waitForWorkspaceDeleted(ml, { workspaceCrn: 'crn:ws' }, { log, ...timing });
    expect(seen).toHaveLength(2);

    reset([
      (_r, res) => json(res, 200, { backupCrn: 'crn:b', backupStatus: 'backup:started' }),
      (_r, res) => json(res, 200, { backupCrn: 'crn:b', backupStatus: 'backup:finished' }),
    ]);
    expect(await waitForBackup(ml, 'crn:b', { log, ...timing })).toMatchObject({ backupStatus: 'backup:finished' });
    expect(JSON.parse(seen[0].body)).toEqual({ backupCrn: 'crn:b' });

    reset([(_r, res) => json(res, 200, { backupCrn: 'crn:b', backupStatus: 'backup:failed' })]);
    const failed = await caught(waitForBackup(ml, 'crn:b', { log, ...timing }));
    expect(failed).toBeInstanceOf(CdpWaitError);
    expect(failed.message).toMatch(/backup crn:b failed with status backup:failed/);
  });
});
