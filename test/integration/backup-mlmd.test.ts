// backup-mlmd end to end against the Kubernetes API emulator (exec over WebSocket into a real MLMD
// database), the juju emulator, a real S3 server process, and the real rclone and sqlite3: in-process
// through its main (test/support/in-process.ts, juju run in-process too), and its dist bundle run as
// the runner runs it where only a process shows it (every argv, malformed inputs, a SIGTERM).
import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { corruptDatabase, deleteObject, listObjects, mlmdRowCounts, readObject, runActionBundle, startCkf } from '../../sandbox/index.js';
import { backupMlmdAction } from '../../actions/backup-mlmd/src/main.js';
import { runInProcess, sandboxJuju, type InProcessChild } from '../support/in-process.js';
import { childCommandLines } from '../support/procs.js';
import { must } from '../support/must.js';
import { poll } from '../support/poll.js';

type Ckf = Awaited<ReturnType<typeof startCkf>>;
const WRITER = 'kfp-metadata-writer';
const started: Ckf[] = [];
/** Folders of restore() (removed after each test). */
const restores: string[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((c) => c.stop()));
  for (const dir of restores.splice(0)) rmSync(dir, { recursive: true, force: true });
});
afterAll(async () => {
  await Promise.all(started.splice(0).map((c) => c.stop()));
});

async function sandbox(options: Parameters<typeof startCkf>[0] = {}): Promise<Ckf> {
  const ckf = await startCkf({ dbBytes: 4 * 1024 * 1024, ...options });
  started.push(ckf);
  return ckf;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

type Child = ChildProcess | InProcessChild;

/**
 * Runs the action in-process (or its bundle, with bundle: true); onLine sees each stdout line with
 * the time it arrived and the child process.
 */
function backup(ckf: Ckf, inputs: Record<string, string> = {}, onLine?: (line: string, child: Child) => void, bundle = false, putBackMs?: number) {
  const lines: { at: number; line: string }[] = [];
  const options = {
    env: ckf.env,
    timeoutMs: 120_000,
    putBackMs,
    onLine: (line: string, child: Child) => {
      lines.push({ at: Date.now(), line });
      onLine?.(line, child);
    },
  };
  const run = bundle
    ? runActionBundle('backup-mlmd', ckf.backupMlmdInputs(inputs), options)
    : runInProcess(backupMlmdAction, ckf.backupMlmdInputs(inputs), {
        ...options,
        clients: (config, context) => ({ ...backupMlmdAction.clients(config, context), juju: sandboxJuju(config.jujuModel, context) }),
      });
  return run.then((result) => ({ ...result, lines }));
}

/** The desired scale is back, and the units have come back too. */
async function expectWriterBack(ckf: Ckf, scale: number) {
  expect(ckf.juju.scale(WRITER)).toBe(scale);
  const deadline = Date.now() + 10_000;
  while (ckf.juju.units(WRITER).length !== scale && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(ckf.juju.units(WRITER).map((u: { name: string }) => u.name)).toHaveLength(scale);
}

function scaleCalls(ckf: Ckf): { n: string; at: number }[] {
  return ckf.juju
    .calls()
    .filter((c: { argv: string[] }) => c.argv[0] === 'scale-application')
    .map((c: { argv: string[]; at: number }) => ({ n: c.argv.at(-1) ?? '', at: c.at }));
}

/** Restores an object into a fresh database file with the real sqlite3, as a user would. */
function restore(object: Buffer, format: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlmd-restore-'));
  restores.push(dir);
  const file = path.join(dir, 'mlmd.db');
  if (format === 'dump') {
    const r = spawnSync('sqlite3', [file], { input: gunzipSync(object) });
    expect(r.status).toBe(0);
  } else {
    writeFileSync(file, gunzipSync(object));
  }
  return file;
}

function integrity(file: string): string {
  return spawnSync('sqlite3', [file, 'PRAGMA integrity_check;'], { encoding: 'utf8' }).stdout.trim();
}

describe('a backup restores to the same database', () => {
  test.each([
    ['dump', 'delete', false],
    ['sqlite', 'delete', false],
    ['dump', 'wal', true],
    ['sqlite', 'wal', true],
  ] as ['dump' | 'sqlite', 'delete' | 'wal', boolean][])(
    'format %s, journal %s (with a -wal left beside the file: %s)',
    async (format, journalMode, keepWal) => {
      const ckf = await sandbox({ dbBytes: 24 * 1024 * 1024, journalMode, keepWal });
      if (keepWal) expect(ckf.db.walBytes).toBeGreaterThan(0);
      const podFiles = ckf.kube.listFiles('mlmd-0', 'mlmd-grpc-server').sort();
      const run = await backup(ckf, { format, 'backup-id': `t-${format}-${journalMode}` });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);

      const ext = format === 'dump' ? 'dump.gz' : 'sqlite.gz';
      const key = `mlmd/mlmd-t-${format}-${journalMode}.${ext}`;
      expect(run.outputs).toMatchObject({
        'object-url': `s3://ckf-backups/${key}`,
        'sidecar-url': `s3://ckf-backups/${key}.json`,
        format,
        'backup-id': `t-${format}-${journalMode}`,
        'db-size-bytes': String(ckf.db.bytes),
      });
      const object = await readObject(ckf.s3, 'ckf-backups', key);
      expect(run.outputs.sha256).toBe(sha(object));
      expect(run.outputs['size-bytes']).toBe(String(object.length));

      const side = JSON.parse(String(await readObject(ckf.s3, 'ckf-backups', `${key}.json`)));
      expect(side).toMatchObject({
        format,
        'backup-id': `t-${format}-${journalMode}`,
        object: { key, sha256: sha(object), 'size-bytes': object.length },
        database: {
          path: '/data/mlmd.db',
          'size-bytes': ckf.db.bytes,
          'schema-version': ckf.db.schemaVersion,
          'integrity-check': 'ok',
          'row-counts': ckf.db.rowCounts,
        },
        source: { namespace: 'kubeflow', pod: 'mlmd-0', container: 'mlmd-grpc-server', 'juju-model': 'kubeflow' },
        writer: { application: WRITER, 'original-scale': 1 },
      });
      expect(side.database.files.map((f: { path: string }) => f.path)).toEqual(keepWal ? ['/data/mlmd.db', '/data/mlmd.db-wal'] : ['/data/mlmd.db']);
      expect(side.writer['paused-seconds']).toBe(Number(run.outputs['writer-paused-seconds']));

      const restored = restore(object, format);
      expect(integrity(restored)).toBe('ok');
      expect(await mlmdRowCounts(restored)).toEqual(ckf.db.rowCounts);
      // nothing was left in the pod, and the writer is back
      expect(ckf.kube.listFiles('mlmd-0', 'mlmd-grpc-server').sort()).toEqual(podFiles);
      await expectWriterBack(ckf, 1);
      expect(run.summary).toContain('backup-mlmd: succeeded');
    },
  );

  test('CKF 1.8: the container named mlmd is found without the container input', async () => {
    const ckf = await sandbox({ container: 'mlmd' });
    const run = await backup(ckf);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('container mlmd: /data/mlmd.db');
  });
});

describe('the writer is paused for the snapshot only', () => {
  test('writer-paused-seconds spans the scale to 0 and the scale back, which comes before the check', async () => {
    const ckf = await sandbox({ dbBytes: 48 * 1024 * 1024, writerScale: 3 });
    const run = await backup(ckf);
    expect(run.code).toBe(0);
    const calls = scaleCalls(ckf);
    const [down, up] = [must(calls[0], 'the scale to 0'), must(calls[1], 'the scale back')];
    expect([down.n, up.n]).toEqual(['0', '3']);
    const paused = Number(run.outputs['writer-paused-seconds']);
    // The reported window starts before the scale-down call and ends after the scale-up call returns,
    // so it covers the calls the emulator saw, plus at most two juju process start-ups and exits.
    const seen = (up.at - down.at) / 1000;
    expect(paused).toBeGreaterThanOrEqual(seen - 0.05);
    expect(paused - seen).toBeLessThan(1.5);
    const checkStarted = must(
      run.lines.find((l) => l.line.startsWith('::group::Check the copy')),
      "run.lines.find((l) => l.line.startsWith('::group::Check the ",
    ).at;
    const uploadStarted = must(
      run.lines.find((l) => l.line.startsWith('::group::Compress')),
      "run.lines.find((l) => l.line.startsWith('::group::Compress')",
    ).at;
    expect(up.at).toBeLessThan(checkStarted);
    expect(uploadStarted - up.at).toBeGreaterThan(0);
    expect(paused).toBeLessThan(run.seconds - (must(run.lines.at(-1), 'run.lines.at(-1)').at - checkStarted) / 1000 + 0.5);
    await expectWriterBack(ckf, 3);
  });
});

describe('the writer goes back to its original scale on every path out', () => {
  type Case = {
    name: string;
    prepare?: (ckf: Ckf) => void;
    inputs?: Record<string, string>;
    /** Called on each stdout line; returns true once it has acted. */
    act?: (line: string, child: Child, ckf: Ckf) => boolean;
    expected: RegExp;
    touched?: boolean;
    /** Run the bundle: a real SIGTERM to a real process. */
    bundle?: boolean;
  };
  const sigterm = (marker: string | RegExp) => (line: string, child: Child) => {
    if (typeof marker === 'string' ? !line.includes(marker) : !marker.test(line)) return false;
    child.kill('SIGTERM');
    return true;
  };
  const slowExec = (ckf: Ckf) => ckf.kube.setExecFault({ bytesPerSecond: 512 * 1024 });
  const cases: Case[] = [
    { name: 'exec fails mid-stream', prepare: (c) => c.kube.setExecFault({ dropAfterBytes: 1_000_000 }), expected: /without a status|ended|closed/i },
    { name: 'exec fails with a status mid-stream', prepare: (c) => c.kube.setExecFault({ dropAfterBytes: 1_000_000, drop: 'status' }), expected: /mlmd\.db/ },
    {
      name: 'S3 becomes unreachable after the snapshot',
      act: (line, _child, ckf) => line.startsWith('::group::Check the copy') && (void ckf.s3.stop(), true),
      expected: /could not be reached|uploading/,
    },
    { name: 'integrity check fails', prepare: (c) => corruptDatabase(c.db.hostPath), expected: /fails PRAGMA integrity_check, so nothing was uploaded/ },
    { name: 'timeout during the snapshot', prepare: slowExec, inputs: { 'timeout-minutes': '0.1' }, expected: /timed out after 0\.1 minutes/ },
    { name: 'SIGTERM in the pre-flight', act: sigterm('::group::Pre-flight'), expected: /SIGTERM received/, touched: false },
    { name: 'SIGTERM while the units go away', act: sigterm(`::debug::juju scale-application: ${WRITER} scaled to 0`), expected: /SIGTERM received/ },
    { name: 'SIGTERM during the snapshot', prepare: slowExec, act: sigterm('::debug::exec `cat /data/mlmd.db`'), expected: /SIGTERM received/, bundle: true },
    { name: 'SIGTERM during the check', act: sigterm('::group::Check the copy'), expected: /SIGTERM received/ },
    { name: 'SIGTERM during the upload', inputs: { 'bandwidth-limit': '200K' }, act: sigterm('::group::Compress'), expected: /SIGTERM received/ },
  ];

  test.each(cases)('$name (scale 1 and scale 3)', async (c) => {
    await Promise.all(
      [1, 3].map(async (scale) => {
        const ckf = await sandbox({ writerScale: scale });
        c.prepare?.(ckf);
        let acted = !c.act;
        const run = await backup(
          ckf,
          c.inputs,
          (line, child) => {
            if (!acted && c.act) acted = c.act(line, child, ckf);
          },
          c.bundle,
        );
        expect(acted).toBe(true);
        expect(run.code).not.toBe(0);
        expect(run.stdout).toMatch(/::error::backup-mlmd failed: /);
        expect(run.stdout).toMatch(c.expected);
        expect(run.summary).toMatch(/backup-mlmd: (failed|interrupted)/);
        const calls = scaleCalls(ckf).map((x) => x.n);
        if (c.touched === false) expect(calls).toEqual([]);
        else expect(calls).toEqual(['0', String(scale)]);
        await expectWriterBack(ckf, scale);
        expect(ckf.kube.listFiles('mlmd-0', 'mlmd-grpc-server')).toEqual(['/data/mlmd.db']);
        if (c.name.startsWith('integrity') || c.name.startsWith('S3')) {
          expect(run.summary).toContain(`back to ${scale}`);
        }
      }),
    );
  });
});

describe('a slow or failing controller when the writer is put back', () => {
  const UNITS_GONE = `${WRITER} has no units left`;
  const COMMAND = `juju scale-application -m kubeflow ${WRITER} 1`;
  /** Acts once, on the first line that contains marker; remembers when. */
  const on = (marker: string, act: (child: Child) => void) => {
    const seen = { at: 0 };
    const onLine = (line: string, child: Child) => {
      if (seen.at || !line.includes(marker)) return;
      seen.at = Date.now();
      act(child);
    };
    return { seen, onLine };
  };

  test('a scale-back that takes 7 s to answer is waited for, not cut short', async () => {
    const ckf = await sandbox();
    const { onLine } = on(UNITS_GONE, () => ckf.juju.faults.slow(7000, 'scale-application'));
    const run = await backup(ckf, {}, onLine);
    expect(run.code).toBe(0);
    expect(scaleCalls(ckf).map((c) => c.n)).toEqual(['0', '1']);
    await expectWriterBack(ckf, 1);
  });

  test('a scale-back that fails twice is tried again with backoff and read back', async () => {
    const ckf = await sandbox();
    const { onLine } = on(UNITS_GONE, () => ckf.juju.faults.failNext(2));
    const run = await backup(ckf, {}, onLine);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`scale ${WRITER} back to 1: attempt 1 failed \\(.*\\); trying again in`));
    expect(
      scaleCalls(ckf)
        .map((c) => c.n)
        .at(-1),
    ).toBe('1');
    await expectWriterBack(ckf, 1);
    expect(run.summary).toContain('back to 1');
  });

  test('a scale-back that always fails: the run fails loudly, naming the command to run', async () => {
    const ckf = await sandbox();
    const { onLine } = on(UNITS_GONE, () => ckf.juju.faults.failScale(WRITER, 'the controller refused'));
    const run = await backup(ckf, {}, onLine, false, 3000);
    expect(run.code).toBe(1);
    expect(ckf.juju.scale(WRITER)).toBe(0);
    expect(scaleCalls(ckf).length).toBeGreaterThan(2);
    expect(run.stdout).toContain(`::error::backup-mlmd failed: could not scale ${WRITER} back to 1`);
    expect(run.stdout).toContain(`NOT PUT BACK; run: ${COMMAND}`);
    expect(run.outputs.error).toContain(COMMAND);
    expect(run.summary).toMatch(/backup-mlmd: failed/);
    expect(run.summary).toContain(COMMAND);
  });

  test.each([
    ['4 s: it is put back within the grace', 4000, true],
    ['15 s: the run says, before the grace ends, what it could not put back', 15_000, false],
  ])('SIGTERM with a scale-back that takes %s', async (_name, slowMs, putBack) => {
    const ckf = await sandbox();
    const { seen, onLine } = on(UNITS_GONE, (child) => {
      ckf.juju.faults.slow(slowMs as number, 'scale-application');
      child.kill('SIGTERM');
    });
    const run = await backup(ckf, {}, onLine);
    const ended = must(run.lines.at(-1), 'the last line').at;
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/SIGTERM received/);
    // GitHub sends SIGKILL 10 s after the first signal (7.5 s to SIGTERM, 2.5 s more).
    expect(ended - seen.at).toBeLessThan(10_000);
    if (putBack) {
      await expectWriterBack(ckf, 1);
      expect(run.summary).toContain('back to 1');
    } else {
      expect(ckf.juju.scale(WRITER)).toBe(0);
      expect(run.stdout).toContain(`NOT PUT BACK; run: ${COMMAND}`);
      expect(run.summary).toContain(COMMAND);
    }
    expect(run.summary).toMatch(/backup-mlmd: (interrupted|failed)/);
  });
});

describe('an object is never left without its sidecar', () => {
  const objectKey = (id: string) => `mlmd/mlmd-${id}.dump.gz`;
  const stored = async (ckf: Ckf) => (await listObjects(ckf.s3, 'ckf-backups', 'mlmd')).map((o: { Path: string }) => `mlmd/${o.Path}`);

  test('the sidecar PUT failing removes the object, and a rerun with the same backup-id then succeeds', async () => {
    const ckf = await sandbox();
    await ckf.s3.faults([{ method: 'PUT', match: `${objectKey('orphan-1')}.json`, status: 500 }]);
    const failed = await backup(ckf, { 'backup-id': 'orphan-1' });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(`::warning::s3://ckf-backups/${objectKey('orphan-1')} was removed: its sidecar was not stored`);
    expect(await stored(ckf)).toEqual([]);
    expect(failed.summary).toMatch(/backup-mlmd: failed/);
    await ckf.s3.faults([]);
    const rerun = await backup(ckf, { 'backup-id': 'orphan-1' });
    expect(rerun.code).toBe(0);
    expect((await stored(ckf)).sort()).toEqual([objectKey('orphan-1'), `${objectKey('orphan-1')}.json`]);
  });

  test('an object stored without its sidecar (an upload cut off by a timeout) is named by a rerun as no backup', async () => {
    const ckf = await sandbox();
    expect((await backup(ckf, { 'backup-id': 'cut-1' })).code).toBe(0);
    await deleteObject(ckf.s3, 'ckf-backups', `${objectKey('cut-1')}.json`);
    const rerun = await backup(ckf, { 'backup-id': 'cut-1' });
    expect(rerun.code).toBe(1);
    expect(rerun.stdout).toContain(
      `s3://ckf-backups/${objectKey('cut-1')} already exists without its sidecar: an earlier run's upload that did not finish, no backup; delete it`,
    );
    expect(await stored(ckf)).toEqual([objectKey('cut-1')]);
  });

  test('SIGTERM between the object and its sidecar removes the object within the grace', async () => {
    const ckf = await sandbox();
    // The sidecar's PUT is held back; the SIGTERM comes once the object is stored.
    await ckf.s3.faults([{ method: 'PUT', match: `${objectKey('orphan-2')}.json`, delayMs: 4000 }]);
    let signalled = 0;
    let child: Child | undefined;
    const polling = poll(async () => {
      if (!(await stored(ckf)).includes(objectKey('orphan-2'))) return false;
      signalled = Date.now();
      must(child, 'the running action').kill('SIGTERM');
      return true;
    }, 100);
    const run = await backup(ckf, { 'backup-id': 'orphan-2' }, (_line, c) => (child = c)).finally(polling.stop);
    expect(signalled).toBeGreaterThan(0);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('SIGTERM received');
    expect(await stored(ckf)).not.toContain(objectKey('orphan-2'));
    expect(must(run.lines.at(-1), 'the last line').at - signalled).toBeLessThan(10_000);
    await expectWriterBack(ckf, 1);
  });
});

describe('refusals before the writer is touched', () => {
  const cases: [string, (ckf: Ckf) => void, Record<string, string>, RegExp][] = [
    ['missing pod', () => undefined, { pod: 'mlmd-9' }, /pod.*mlmd-9.*not found/i],
    [
      'missing container',
      () => undefined,
      { container: 'sidecar' },
      /container 'sidecar' \(the container input\) is not in pod mlmd-0; its containers are: charm, mlmd-grpc-server/,
    ],
    [
      'missing file',
      () => undefined,
      { 'db-path': '/data/metadata.db' },
      /no file at \/data\/metadata\.db \(the db-path input\) in container mlmd-grpc-server/,
    ],
    ['missing writer application', () => undefined, { 'writer-application': 'kfp-writer' }, /kfp-writer/],
    [
      'a pipeline running',
      (c) => c.kube.addObject('workflows', { name: 'train-xgboost-x7k2p', phase: 'Running' }),
      {},
      /Argo Workflow kubeflow\/train-xgboost-x7k2p.*ignore-running-workloads/,
    ],
    [
      "a pipeline running in a user's profile namespace",
      (c) => c.kube.addObject('workflows', { name: 'train-1', namespace: 'kubeflow-user-alice', phase: 'Running' }),
      {},
      /1 workload is running \(Argo Workflow kubeflow-user-alice\/train-1; all namespaces checked: 1 running; workflows or experiments exist in kubeflow-user-alice\)/,
    ],
    [
      'workflows not listable across namespaces (a Role, not a ClusterRole)',
      (c) => c.kube.forbid('workflows', 'list'),
      {},
      /not allowed to list Argo Workflows \(workflows.argoproj.io\) in all namespaces .*at the cluster scope.* in a ClusterRole with a ClusterRoleBinding/,
    ],
    ['an experiment running', (c) => c.kube.addObject('experiments', { name: 'hpo-random', phase: 'Running' }), {}, /Katib Experiment kubeflow\/hpo-random/],
    ['a backup with this id already stored', () => undefined, { 'backup-id': 'taken' }, /already exists; a backup is never overwritten/],
    [
      'a backup with this id already stored in the other format',
      () => undefined,
      { 'backup-id': 'taken', format: 'sqlite' },
      /mlmd-taken\.dump\.gz already exists; a backup is never overwritten/,
    ],
  ];
  test.each(cases)('%s', async (name, prepare, inputs, expected) => {
    const ckf = await sandbox();
    prepare(ckf);
    if (name.startsWith('a backup')) expect((await backup(ckf, { 'backup-id': 'taken' })).code).toBe(0);
    const callsBefore = scaleCalls(ckf).length;
    const run = await backup(ckf, inputs);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(expected);
    expect(scaleCalls(ckf)).toHaveLength(callsBefore);
    expect(ckf.juju.scale(WRITER)).toBe(1);
  });

  test('ignore-running-workloads backs up anyway, with a warning', async () => {
    const ckf = await sandbox();
    ckf.kube.addObject('workflows', { name: 'nightly-abc12', phase: 'Running' });
    const run = await backup(ckf, { 'ignore-running-workloads': 'true' });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/::warning::backing up while 1 workload is running.*nightly-abc12/);
    expect(run.summary).toMatch(/Running workloads.*all namespaces checked: 1 running; workflows or experiments exist in kubeflow\b/);
  });

  test('malformed inputs are all named at once, before anything is called', async () => {
    const ckf = await sandbox();
    const bundle = true;
    const run = await backup(
      ckf,
      {
        namespace: 'Kube Flow',
        pod: 'mlmd-0;rm',
        'db-path': '/data/../etc/passwd',
        'juju-model': 'kube flow',
        'writer-application': 'kfp_writer',
        format: 'tar',
        'backup-id': '../x',
        's3-bucket': 'Bad Bucket',
        'timeout-minutes': '-1',
      },
      undefined,
      bundle,
    );
    expect(run.code).toBe(1);
    for (const input of ['namespace', 'pod', 'db-path', 'juju-model', 'writer-application', 'format', 'backup-id', 's3-bucket', 'timeout-minutes']) {
      expect(run.stdout).toContain(`Input '${input}'`);
    }
    expect(ckf.juju.calls()).toEqual([]);
    expect(ckf.kube.requests).toEqual([]);
  });

  test('dry-run checks everything read-only and changes nothing', async () => {
    const ckf = await sandbox();
    const run = await backup(ckf, { 'dry-run': 'true' });
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ format: 'dump', 'writer-paused-seconds': '0' });
    expect(run.outputs['object-url']).toBeUndefined();
    expect(scaleCalls(ckf)).toEqual([]);
    expect(await listObjects(ckf.s3, 'ckf-backups', '')).toEqual([]);
    expect(ckf.kube.execs.map((e) => (e.command as string[])[0])).toEqual(['sh']);
    expect(run.summary).toContain('backup-mlmd: pre-flight passed (dry run: nothing changed)');
  });
});

describe('secrets', () => {
  test('neither the kubeconfig token nor the S3 secret reaches logs, summary, outputs, sidecar or any argv', async () => {
    const ckf = await sandbox({ dbBytes: 24 * 1024 * 1024 });
    ckf.kube.setExecFault({ bytesPerSecond: 16 * 1024 * 1024 });
    const secrets = [ckf.kube.token, ckf.s3.secretKey];
    const argvs: string[][] = [];
    let watcher: NodeJS.Timeout | undefined;
    const run = await runActionBundle('backup-mlmd', ckf.backupMlmdInputs({ 'bandwidth-limit': '4M' }), {
      env: ckf.env,
      onStart: (child: ChildProcess) => {
        watcher = setInterval(() => {
          for (const p of childCommandLines(must(child.pid, 'child.pid'))) argvs.push(p.argv);
        }, 20);
      },
    });
    clearInterval(watcher);
    expect(run.code).toBe(0);
    const programs = new Set(
      argvs.filter((a) => a.length).map((a) => path.basename(a[0] === process.execPath || a[0] === 'node' ? (a[1] ?? '') : (a[0] ?? ''))),
    );
    expect([...programs]).toEqual(expect.arrayContaining(['juju', 'rclone', 'sqlite3']));
    const sidecar = String(await readObject(ckf.s3, 'ckf-backups', `${new URL(must(run.outputs['sidecar-url'], 'the sidecar-url output')).pathname.slice(1)}`));
    const printed = run.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n');
    const seen = [printed, run.stderr, run.summary, JSON.stringify(run.outputs), sidecar, ...argvs.map((a) => a.join(' '))].join('\n');
    for (const secret of secrets) expect(seen.includes(secret)).toBe(false);
    expect(run.stdout).toContain(`::add-mask::${ckf.s3.secretKey}`);
  });
});
