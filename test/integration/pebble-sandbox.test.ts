// Pebble in the kube emulator (sandbox/kube/pebble.js, sandbox/pebble) as the CKF sandbox's mlmd-0
// has it: the real kubectl execs /charm/bin/pebble in mlmd-grpc-server, a container with no other
// tool that matters, and gets pebble's own output and errors. Pull is byte for byte, push is atomic
// (temp file + rename, mode and owner), the mlmd service stops, starts, crash-loops on a schema
// mismatch with MLMD's FailedPrecondition in its logs, and an RPC finding no file makes an empty store.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createMlmdDatabase, rowCounts, schemaVersion } from '../../sandbox/mlmd.js';
import { startCkf } from '../../sandbox/ckf.js';
import { must } from '../support/must.js';
import { kubectl as runKubectl } from '../support/kubectl.js';

type Ckf = Awaited<ReturnType<typeof startCkf>>;
let ckf: Ckf;
let dir: string;
let replacement: string;
const POD = 'mlmd-0';
const C = 'mlmd-grpc-server';
const DB = '/data/mlmd.db';
const DAEMON = 584792; // rockcraft's _daemon_

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const host = (p: string) => ckf.kube.hostPath(POD, C, p);
const pebbleOf = () => ckf.kube.pebble(POD, C);

/** kubectl exec into mlmd-grpc-server, as an action would run it. */
const kubectl = (args: string[], stdin?: Buffer) =>
  runKubectl(
    ['exec', ...(stdin ? ['-i'] : []), POD, '-c', C, '--', ...args],
    { kubeconfig: ckf.kube.kubeconfigPath, cacheDir: path.join(dir, 'kubectl-cache') },
    stdin,
  );
const pebble = (args: string[], stdin?: Buffer) => kubectl(['/charm/bin/pebble', ...args], stdin);
/** kubectl's own line after a non-zero exit. */
const failed = (stderr: string, code = 1) => `${stderr}command terminated with exit code ${code}\n`;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pebble-sandbox-'));
  ckf = await startCkf({ dbBytes: 2 * 1024 * 1024 });
  replacement = path.join(dir, 'restored.db');
  await createMlmdDatabase(replacement, { targetBytes: 1024 * 1024, seed: 7 });
}, 120_000);

afterAll(async () => {
  await ckf?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('pebble in mlmd-0', () => {
  test('the mlmd service is active from the start on the schema-10 database, PEBBLE_SOCKET set', async () => {
    const services = await pebble(['services']);
    expect(services.stderr).toBe('');
    expect(services.stdout.toString()).toMatch(/^Service {2}Startup {2}Current {2}Since\nmlmd {5}enabled {2}active {3}today at \d\d:\d\d UTC\n$/);
    const json = JSON.parse((await pebble(['services', 'mlmd', '--format', 'json'])).stdout.toString());
    expect(json).toEqual({ services: { mlmd: { name: 'mlmd', startup: 'enabled', current: 'active', 'current-since': expect.any(String) } } });
    expect(schemaVersion(host(DB))).toBe(10);
    const logs = (await pebble(['logs', 'mlmd'])).stdout.toString();
    expect(logs).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[mlmd\] I\d{4} [\d:.]+ +\d+ metadata_store_server_main\.cc:577\] Server listening on 0\.0\.0\.0:8080$/m,
    );
    expect((await kubectl(['sh', '-c', 'echo "$PEBBLE_SOCKET"; test -S "$PEBBLE_SOCKET" && echo socket'])).stdout.toString()).toBe(
      '/charm/container/pebble.socket\nsocket\n',
    );
    expect(await pebble(['nope'])).toEqual({ code: 1, stdout: Buffer.alloc(0), stderr: failed(`error: unknown command "nope", see 'pebble help'\n`) });
  });

  test('pull to /dev/stdout gives the file byte for byte; errors are pebble’s', async () => {
    const res = await pebble(['pull', DB, '/dev/stdout']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout.length).toBe(statSync(host(DB)).size);
    expect(sha(res.stdout)).toBe(sha(readFileSync(host(DB))));
    expect(await pebble(['pull', '/data/nope.db', '/dev/stdout'])).toEqual({
      code: 1,
      stdout: Buffer.alloc(0),
      stderr: failed('error: stat /data/nope.db: no such file or directory\n'),
    });
    expect((await pebble(['pull', '/data', '/dev/stdout'])).stderr).toBe(failed('error: can only read a regular file: "/data"\n'));
    expect((await pebble(['pull', DB])).stderr).toBe(failed('error: the required argument `<local-path>` was not provided\n'));
  });

  test('ls -l shows mode, owner, size and name; --format json the ids', async () => {
    const res = await pebble(['ls', '-l', DB]);
    expect(res.stderr).toBe('');
    // quantity.FormatAmount(size, -1) + "B", right-aligned in 6: about 2.1 MB is "2.12MB"
    const mb = (statSync(host(DB)).size / 1e6).toFixed(2);
    expect(res.stdout.toString()).toMatch(
      new RegExp(`^-rw-r--r-- {2}root {2}root {2}${mb.replace('.', '\\.')}MB {2}today at \\d\\d:\\d\\d UTC {2}mlmd\\.db\\n$`),
    );
    const json = JSON.parse((await pebble(['ls', '--format', 'json', DB])).stdout.toString());
    expect(json.files).toEqual([
      expect.objectContaining({ path: DB, name: 'mlmd.db', type: 'file', permissions: '644', 'user-id': 0, user: 'root', 'group-id': 0, group: 'root' }),
    ]);
    expect((await pebble(['ls', '/data/*.db'])).stdout.toString()).toBe('mlmd.db\n');
    expect((await pebble(['ls', '/data/missing'])).stderr).toBe(failed('error: stat /data/missing: no such file or directory\n'));
  });

  test('push -m 0644 --uid --gid replaces the file atomically; a push cut off midway leaves it intact', async () => {
    const before = readFileSync(host(DB));
    const inode = statSync(host(DB)).ino;
    const pushesBefore = pebbleOf().pushes.length;
    const bytes = readFileSync(replacement);

    // the daemon dies mid-write: the temp file stays, the target is untouched
    pebbleOf().setPushFault({ afterBytes: 300_000 });
    const cut = await pebble(['push', '-m', '0644', '--uid', String(DAEMON), '--gid', String(DAEMON), '/dev/stdin', DB], bytes);
    pebbleOf().setPushFault(undefined);
    expect(cut.stderr).toBe(failed('error: cannot communicate with server: Post "http://localhost/v1/files": EOF\n'));
    expect(sha(readFileSync(host(DB)))).toBe(sha(before));
    expect(statSync(host(DB)).ino).toBe(inode);
    const crashed = pebbleOf().pushes.at(-1);
    expect(crashed).toMatchObject({ path: DB, outcome: 'crashed', bytes: 300_000 });
    const temp = must(crashed?.tmp, 'the temp file');
    expect(temp).toMatch(/^\/data\/mlmd\.db\.\d+~$/);
    expect(ckf.kube.listFiles(POD, C)).toEqual([DB, temp]);
    expect(statSync(host(temp)).size).toBe(300_000);
    expect(await pebble(['rm', temp])).toEqual({ code: 0, stdout: Buffer.alloc(0), stderr: '' });

    // pebble's own failure path (ENOSPC): an error result, the temp file removed
    pebbleOf().setPushFault({ afterBytes: 100_000, mode: 'enospc' });
    const full = await pebble(['push', '/dev/stdin', DB], bytes);
    pebbleOf().setPushFault(undefined);
    expect(full.stderr).toMatch(/^error: write \/data\/mlmd\.db\.\d+~: no space left on device\ncommand terminated with exit code 1\n$/);
    expect(sha(readFileSync(host(DB)))).toBe(sha(before));
    expect(ckf.kube.listFiles(POD, C)).toEqual([DB]);

    const ok = await pebble(['push', '-m', '0644', '--uid', String(DAEMON), '--gid', String(DAEMON), '/dev/stdin', DB], bytes);
    expect(ok).toEqual({ code: 0, stdout: Buffer.alloc(0), stderr: '' });
    const st = statSync(host(DB));
    expect(sha(readFileSync(host(DB)))).toBe(sha(bytes));
    expect({ mode: st.mode & 0o777, uid: st.uid, gid: st.gid }).toEqual({ mode: 0o644, uid: DAEMON, gid: DAEMON });
    expect(st.ino).not.toBe(inode); // a new file renamed over the old one
    expect(ckf.kube.listFiles(POD, C)).toEqual([DB]);
    expect(pebbleOf().pushes.length - pushesBefore).toBe(3);
    expect(pebbleOf().pushes.at(-1)).toMatchObject({ outcome: 'written', mode: 0o644, uid: DAEMON, gid: DAEMON, bytes: bytes.length });
    expect((await pebble(['ls', '-l', DB])).stdout.toString()).toMatch(/^-rw-r--r-- {2}_daemon_ {2}_daemon_ {2}/);
    expect((await pebble(['push', '/dev/stdin', '/data/no/such/dir/x'], Buffer.from('x'))).stderr).toMatch(
      /^error: open \/data\/no\/such\/dir\/x\.\d+~: no such file or directory\n/,
    );
    expect((await pebble(['push', '-m', '9', '/dev/stdin', DB], Buffer.from('x'))).stderr).toBe(failed('error: invalid mode for directory: "9"\n'));
  });

  test('stop, services, start', async () => {
    const mlmd = ckf.kube.mlmd(POD);
    expect(await pebble(['stop', 'mlmd'])).toEqual({ code: 0, stdout: Buffer.alloc(0), stderr: '' });
    expect((await pebble(['services', 'mlmd'])).stdout.toString()).toMatch(
      /^Service {2}Startup {2}Current {3}Since\nmlmd {5}enabled {2}inactive {2}today at \d\d:\d\d UTC\n$/,
    );
    expect(pebbleOf().service('mlmd').current).toBe('inactive');
    await expect(mlmd.rpc()).rejects.toThrow(/UNAVAILABLE/);
    expect(await pebble(['stop', 'mlmd'])).toEqual({ code: 0, stdout: Buffer.alloc(0), stderr: '' }); // already stopped: fine
    const started = Date.now();
    expect(await pebble(['start', 'mlmd'])).toEqual({ code: 0, stdout: Buffer.alloc(0), stderr: '' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000); // pebble waits 1 s for a started service to stay up
    expect(pebbleOf().service('mlmd').current).toBe('active');
    expect(
      pebbleOf()
        .logs('mlmd')
        .filter((l) => l.endsWith('Server listening on 0.0.0.0:8080')).length,
    ).toBeGreaterThanOrEqual(2);
    expect((await mlmd.rpc()).counts).toEqual({
      Artifact: rowCounts(replacement).Artifact,
      Execution: rowCounts(replacement).Execution,
      Context: rowCounts(replacement).Context,
    });
    expect((await pebble(['start', 'nope'])).stderr).toBe(failed('error: cannot start services: service "nope" does not exist\n'));
    expect((await pebble(['logs', '-n', 'x'])).stderr).toBe(failed('error: expected n to be a non-negative integer or "all", not "x"\n'));
    expect((await pebble(['logs', 'mlmd', '-n', '1'])).stdout.toString()).toMatch(/^\S+ \[mlmd\] I\d{4} .*Server listening on 0\.0\.0\.0:8080\n$/);
  });

  test('a schema mismatch crash-loops the service with the FailedPrecondition in its logs, and it recovers', async () => {
    const mlmd = ckf.kube.mlmd(POD);
    await pebble(['stop', 'mlmd']);
    // a layer's backoff-delay: long enough that the backoff outlasts a kubectl exec on a loaded machine
    pebbleOf().combine('mlmd', { 'backoff-delay': '4s', 'backoff-factor': 1.5 });
    mlmd.libraryVersion = 11;
    const res = await pebble(['start', 'mlmd']);
    expect(res.stderr).toBe(
      failed('error: cannot perform the following tasks:\n- Start service "mlmd" (service start attempt: exited quickly with code 134, will restart)\n'),
    );
    expect((await pebble(['services', 'mlmd'])).stdout.toString()).toMatch(/^mlmd {5}enabled {2}backoff {2}/m);
    const logs = (await pebble(['logs', 'mlmd', '-n', 'all'])).stdout.toString();
    expect(logs).toContain(
      '] Check failed: absl::OkStatus() == status (OK vs. FAILED_PRECONDITION: MLMD database version 10 is older than library version 11. ' +
        'Schema migration is disabled. Please upgrade the database then use the library version; or switch to a older library version to use the current database.',
    );
    expect(logs).toMatch(/\[mlmd\] F\d{4} [\d:.]+ +\d+ metadata_store_server_main\.cc:555\] Check failed/);
    expect(logs).toContain('[mlmd] *** Check failure stack trace: ***');
    await expect(mlmd.rpc()).rejects.toThrow(/UNAVAILABLE/);

    // pebble restarts it after the backoff (4 s, 6 s, ...): a library older than the file
    const starts = pebbleOf().service('mlmd').starts;
    mlmd.libraryVersion = 9;
    await waitFor(() => pebbleOf().service('mlmd').starts > starts);
    await pebbleOf().waitFor('mlmd', 'backoff');
    expect(pebbleOf().logs('mlmd').join('\n')).toContain('FAILED_PRECONDITION: MLMD database version 10 is greater than library version 9.');

    // the right library: the next restart comes up
    mlmd.libraryVersion = 10;
    await pebbleOf().waitFor('mlmd', 'active', 15_000);
    await waitFor(() => mlmd.listening);
    expect(pebbleOf().logs('mlmd').at(-1)).toMatch(/Server listening on 0\.0\.0\.0:8080$/);
    pebbleOf().combine('mlmd', { 'backoff-delay': undefined, 'backoff-factor': undefined });
  }, 60_000);

  test('with the file gone, an RPC creates an empty store, and so does a start', async () => {
    const mlmd = ckf.kube.mlmd(POD);
    expect(await pebble(['rm', DB])).toEqual({ code: 0, stdout: Buffer.alloc(0), stderr: '' });
    expect(ckf.kube.listFiles(POD, C)).toEqual([]);
    expect(await mlmd.rpc()).toEqual({ schemaVersion: 10, created: true, counts: { Artifact: 0, Execution: 0, Context: 0 } });
    expect(rowCounts(host(DB))).toMatchObject({ MLMDEnv: 1, Type: 9, Artifact: 0 });

    await pebble(['stop', 'mlmd']);
    await pebble(['rm', DB]);
    expect(await pebble(['start', 'mlmd'])).toEqual({ code: 0, stdout: Buffer.alloc(0), stderr: '' });
    expect(schemaVersion(host(DB))).toBe(10);
    expect(rowCounts(host(DB))).toMatchObject({ Type: 9, Execution: 0 });
  });

  test('rm of a journal; rm of what is not there', async () => {
    writeFileSync(host('/data/mlmd.db-journal'), Buffer.alloc(4096, 1));
    expect((await pebble(['ls', '/data'])).stdout.toString()).toBe('mlmd.db\nmlmd.db-journal\n');
    expect(await pebble(['rm', '/data/mlmd.db-journal'])).toEqual({ code: 0, stdout: Buffer.alloc(0), stderr: '' });
    expect(ckf.kube.listFiles(POD, C)).toEqual([DB]);
    expect((await pebble(['rm', '/data/mlmd.db-journal'])).stderr).toBe(failed('error: remove /data/mlmd.db-journal: no such file or directory\n'));
    expect((await pebble(['rm', '/data'])).stderr).toBe(failed('error: remove /data: device or resource busy\n'));
  });
});

async function waitFor(check: () => boolean, ms = 15_000) {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
