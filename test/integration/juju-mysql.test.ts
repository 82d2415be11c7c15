// mysql-k8s (kfp-db) through the emulated juju and a real S3 server: the client's charm actions
// (runAction, showTask, actionSchema, clusterStatus, listBackups) and what the backup action must
// get right: never on the primary when there is more than one unit, juju's 60 s default wait,
// failed tasks that juju reports with exit 0, one create-backup at a time, a backup is only done
// once list-backups shows it finished, force only where the charm declares it.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { Logger } from '@ml-backup-actions/core';
import { ActionFailedError, ActionTimeoutError, Juju, pickBackupUnit, unitsRunningBackup } from '../../packages/juju/src/index.js';
import { createJujuModel } from '../../sandbox/juju/index.js';
import { listObjects, readObject } from '../../sandbox/rclone.js';
import { startS3, type S3Server } from '../../sandbox/s3.js';
import { must } from '../support/must.js';

type Sandbox = ReturnType<typeof createJujuModel>;

const VECTORS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../vectors/juju');
const BUCKET = 'ckf-backups';
// Model time x 0.02: juju's 60 s default wait lasts 1.2 s, a 30 s create-backup 0.6 s.
const SCALE = 0.02;
const ID = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

let root: string;
let s3: S3Server;
let sb: Sandbox;
let lines: string[];
let log: Logger;
let n = 0;
let prefix: string;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'juju-mysql-'));
  s3 = await startS3({ name: 's3', root, accessKey: 'AKIASANDBOXMYSQL01', secretKey: 'mysql-Secret-7c1d9e', buckets: [BUCKET] });
});

afterAll(async () => {
  await s3?.stop();
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  prefix = `run${++n}`;
  sb = createJujuModel({
    settleMs: 400,
    timeScale: SCALE,
    s3: {
      endpoint: s3.endpoint,
      accessKey: s3.accessKey,
      secretKey: s3.secretKey,
      bucket: BUCKET,
      paths: { 'kfp-db': `${prefix}/mysql/kfp-db`, 'katib-db': `${prefix}/mysql/katib-db` },
    },
  });
  lines = [];
  log = {
    info: (m) => lines.push(`info: ${m}`),
    notice: (m) => lines.push(`notice: ${m}`),
    warning: (m) => lines.push(`warning: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
    debug: () => undefined,
    group: (_n, fn) => fn(),
  };
});

afterEach(() => sb.cleanup());

// The client's logic against the emulator's: run in this process (the CLI's own shapes above go
// through the juju executable, as the client's spawning does in juju-sandbox.test.ts).
const client = () => new Juju({ model: 'kubeflow', log, env: sb.env, runner: sb.runner });
const fast = { waitMs: 20_000, intervalMs: 50, progressEveryMs: 200 };
const runs = (action: string) => sb.calls().filter((c) => c.argv[0] === 'run' && c.argv.includes(action));

async function threeUnits(juju = client()) {
  await juju.scaleApplication('kfp-db', 3);
  await juju.waitForUnits('kfp-db', 3, { timeoutMs: 10_000, intervalMs: 50, progressEveryMs: 1000 });
}

describe('the emulator speaks like juju run', () => {
  test('JSON and YAML shaped like the vectors, keyed by the resolved unit; show-task un-keyed', async () => {
    const run = await sb.run(['run', 'kfp-db/leader', 'get-cluster-status', '--format', 'json']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    const out = JSON.parse(run.stdout);
    expect(Object.keys(out)).toEqual(['kfp-db/0']);
    const task = out['kfp-db/0'];
    // The real YAML vector's keys (id, results, status, timing, unit), values of the same kinds.
    const real = parseYaml(readFileSync(path.join(VECTORS, 'run-action-format-yaml.yaml'), 'utf8'))['mysql/0'];
    for (const key of ['id', 'results', 'status', 'timing', 'unit']) expect(typeof task[key]).toBe(typeof real[key]);
    expect(Object.keys(task.timing).sort()).toEqual(Object.keys(real.timing).sort());
    expect(task.timing.started).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4} \S+$/);
    expect(task).toMatchObject({ status: 'completed', unit: 'kfp-db/0', results: { 'return-code': 0, success: 'True' } });
    expect(task.results.status.defaultreplicaset.topology['kfp-db-0']).toMatchObject({ memberrole: 'primary', status: 'online', mode: 'r/w' });
    expect(run.stderr).toBe(`Running operation ${Number(task.id) - 1} with 1 task\n  - task ${task.id} on unit-kfp-db-0\n\nWaiting for task ${task.id}...\n\n`);

    const yaml = await sb.run(['run', 'kfp-db/0', 'get-cluster-status', '--format', 'yaml']);
    const y = parseYaml(yaml.stdout)['kfp-db/0'];
    expect(Object.keys(y).sort()).toEqual(Object.keys(task).sort());
    expect(y.results.status).toEqual(task.results.status);

    const shown = JSON.parse((await sb.run(['show-task', task.id, '--format', 'json'])).stdout);
    expect(shown).toEqual(task);
    expect((await sb.run(['show-task', '999'])).stderr).toBe('ERROR action "999" not found\n');
  });

  test('the 60 s default wait: no JSON, exit 1, and the task keeps running; --background; show-task --wait', async () => {
    sb.faults.slowAction('create-backup', 240_000); // well beyond juju's default wait (60 s)
    const t0 = Date.now();
    const run = await sb.run(['run', 'kfp-db/0', 'create-backup', '--format', 'json']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(60_000 * SCALE);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toMatch(/Waiting for task (\d+)\.\.\.\n\nERROR timed out waiting for results from: unit kfp-db\/0\n$/);
    const id = must(/Waiting for task (\d+)/.exec(run.stderr), '/Waiting for task (\\d+)/.exec(run.stderr)')[1];
    expect(sb.tasks().find((t) => t.id === id)).toMatchObject({ action: 'create-backup', phase: 'running' });
    const status = JSON.parse((await sb.run(['status', 'kfp-db', '--format', 'json'])).stdout).applications['kfp-db'].units['kfp-db/0'];
    expect(status['workload-status']).toMatchObject({ current: 'maintenance', message: 'Running backup...' });
    expect(status['juju-status']).toMatchObject({ current: 'executing', message: 'running action create-backup' });

    const early = await sb.run(['show-task', id, '--wait', '1s']);
    expect(early).toMatchObject({ code: 1, stdout: '', stderr: 'ERROR maximum wait time reached\n' });
    const done = JSON.parse((await sb.run(['show-task', id, '--wait', '5m', '--format', 'json'])).stdout);
    expect(done).toMatchObject({ id, status: 'completed', unit: 'kfp-db/0', results: { 'backup-id': expect.stringMatching(ID) } });

    const bg = await sb.run(['run', 'kfp-db/0', 'list-backups', '--background']);
    expect(bg.code).toBe(0);
    expect(bg.stdout).toBe('');
    expect(bg.stderr).toMatch(
      /^Scheduled operation (\d+) with task (\d+)\nCheck operation status with 'juju show-operation \1'\nCheck task status with 'juju show-task \2'\n$/,
    );
    expect((await sb.run(['run', 'kfp-db/0', 'list-backups', '--background', '--wait', '1m'])).stderr).toBe(
      'ERROR cannot specify both --wait and --background\n',
    );
    expect((await sb.run(['run', 'kfp-db/0', 'list-backups', '--wait', '600'])).stderr).toBe(
      'ERROR invalid value "600" for flag --wait: time: missing unit in duration "600"\n',
    );
  });

  test('a failure the charm reports: status failed, message, exit 0; a nonexistent action schedules nothing', async () => {
    sb.s3.unrelate('kfp-db');
    const run = await sb.run(['run', 'kfp-db/0', 'create-backup', '--format', 'json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)['kfp-db/0']).toMatchObject({
      status: 'failed',
      message: 'Missing relation with S3 integrator charm',
      results: { 'return-code': 0 },
    });
    const plain = await sb.run(['run', 'kfp-db/0', 'list-backups']);
    expect(plain).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Action id \d+ failed: Missing relation with S3 integrator charm\n/) });

    const none = await sb.run(['run', 'kfp-db/0', 'backup']);
    expect(none).toMatchObject({ code: 0, stdout: '' });
    expect(none.stderr).toMatch(/^Operation \d+ failed to schedule any tasks:\naction "backup" not defined on unit "kfp-db\/0"\n$/);

    sb.faults.actionException('get-cluster-status');
    const raised = await sb.run(['run', 'kfp-db/0', 'get-cluster-status', '--format', 'json']);
    expect(raised.code).toBe(1);
    expect(JSON.parse(raised.stdout)['kfp-db/0']).toMatchObject({ status: 'failed', results: { 'return-code': 1 } });
    expect(raised.stderr).toMatch(/ERROR the following task failed:\n - id "\d+" with return code 1\n\nuse 'juju show-task' to inspect the failure\n/);
  });

  test('juju actions --schema: force on create-backup only where the charm revision declares it', async () => {
    const before = JSON.parse((await sb.run(['actions', 'kfp-db', '--schema', '--format', 'json'])).stdout);
    expect(before['create-backup']).toEqual({ description: expect.any(String), properties: {}, title: 'create-backup', type: 'object' });
    sb.mysql.declareForce('kfp-db');
    const after = JSON.parse((await sb.run(['actions', 'kfp-db', '--schema', '--format', 'json'])).stdout);
    expect(after['create-backup'].properties.force).toMatchObject({ type: 'boolean', default: false });
    expect(Object.keys(after).sort()).toEqual(expect.arrayContaining(['create-backup', 'get-cluster-status', 'list-backups', 'restore']));
    expect((await sb.run(['actions', 'kfp-db', '--schema'])).stdout).toMatch(/^create-backup:\n {2}description: /);

    // Juju 4 defaults additionalProperties to false (juju/juju#21294): an undeclared force is refused.
    const juju4 = createJujuModel({ jujuVersion: '4.0.0', timeScale: SCALE });
    try {
      const schema = JSON.parse((await juju4.run(['actions', 'kfp-db', '--schema', '--format', 'json'])).stdout);
      expect(schema['create-backup']).toMatchObject({ additionalProperties: false, properties: {} });
      const run = await juju4.run(['run', 'kfp-db/0', 'create-backup', 'force=true', '--format', 'json']);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)['kfp-db/0']).toMatchObject({
        status: 'error',
        message: 'validation failed: (root) : additional property "force" is not allowed, given {"force":true}',
      });
    } finally {
      juju4.cleanup();
    }
  });
});

describe('the client runs mysql-k8s actions', () => {
  test('cluster status: primary and secondaries; a new unit joins RECOVERING and becomes ONLINE', async () => {
    const juju = client();
    expect(await juju.clusterStatus('kfp-db/leader', fast)).toMatchObject({
      primary: 'kfp-db/0',
      status: 'ok_no_tolerance',
      members: [{ unit: 'kfp-db/0', role: 'primary', state: 'online' }],
    });
    sb.update((s) => (s.timing.settleMs = 4000)); // the new unit's charm starts after 2 s, is active after 4 s
    await juju.scaleApplication('kfp-db', 2);
    const states: string[] = [];
    for (let i = 0; i < 100 && states.at(-1) !== 'online'; i++) {
      const c = await juju.clusterStatus('kfp-db/0', fast);
      const joined = c.members.find((m) => m.unit === 'kfp-db/1');
      if (joined && states.at(-1) !== joined.state) states.push(joined.state);
      if (joined) expect(joined.role).toBe('secondary');
      if (joined?.state === 'recovering') expect(c.status).toBe('ok_no_tolerance_partial');
      if (joined?.state === 'online') expect(c.status).toBe('ok_no_tolerance');
    }
    expect(states).toEqual(['recovering', 'online']);
    sb.update((s) => (s.timing.settleMs = 400));

    await juju.scaleApplication('kfp-db', 3);
    await juju.waitForUnits('kfp-db', 3, { timeoutMs: 10_000, intervalMs: 50, progressEveryMs: 1000 });
    sb.mysql.setPrimary('kfp-db/2');
    const c = await juju.clusterStatus('kfp-db/leader', fast);
    expect(c).toMatchObject({ primary: 'kfp-db/2', status: 'ok' });
    expect(pickBackupUnit(c, 3)).toBe('kfp-db/0');
    const app = await juju.application('kfp-db');
    expect(app.units['kfp-db/2'].workloadStatus.message).toBe('Primary');
    expect(app.units['kfp-db/0'].workloadStatus.message).toBe('');
  });

  test('create-backup refused on the primary of a 3-unit cluster; done on an ONLINE secondary, finished in list-backups', async () => {
    const juju = client();
    await threeUnits(juju);
    const err = await juju.runAction('kfp-db/0', 'create-backup', {}, fast).catch((e) => e);
    expect(err).toBeInstanceOf(ActionFailedError);
    expect(err.message).toMatch(/^create-backup on kfp-db\/0 ended failed \(task \d+\): Unit cannot perform backups as it is the cluster primary;/);
    expect(err.task).toMatchObject({ status: 'failed', unit: 'kfp-db/0', returnCode: 0 });

    const cluster = await juju.clusterStatus('kfp-db/leader', fast);
    const unit = pickBackupUnit(cluster, 3);
    expect(unit).toBe('kfp-db/1');
    const task = await juju.runAction(unit, 'create-backup', {}, fast);
    const id = String(task.results['backup-id']);
    expect(id).toMatch(ID);
    const backups = await juju.listBackups('kfp-db/leader', fast);
    expect(backups).toContainEqual({ id, type: 'physical', status: 'finished' });

    const keys = (await listObjects(s3, BUCKET, `${prefix}/mysql/kfp-db`)).map((o) => o.Path).sort();
    // xbcloud's chunks under <id>/, and the three objects beside them that list-backups reads
    expect(keys).toEqual([`${id}.backup.log`, `${id}.md5`, `${id}.metadata`, `${id}/ibdata1.00000000000000000000`]);
    const metadata = String(await readObject(s3, BUCKET, `${prefix}/mysql/kfp-db/${id}.metadata`));
    expect(metadata).toBe(`Date Backup Requested: ${id}\nModel Name: kubeflow\nApplication Name: kfp-db\nUnit Name: kfp-db/1\nJuju Version: 3.6.1\n`);
    expect(await listObjects(s3, BUCKET, `${prefix}/mysql/katib-db`)).toEqual([]); // its own path
    // --background then show-task polls: a run call per action, never two for one backup.
    expect(runs('create-backup').map((c) => c.argv)).toEqual([
      ['run', '-m', 'kubeflow', 'kfp-db/0', 'create-backup', '--background'],
      ['run', '-m', 'kubeflow', 'kfp-db/1', 'create-backup', '--background'],
    ]);
    expect(sb.calls().some((c) => c.argv[0] === 'show-task')).toBe(true);
  });

  test("a backup beyond juju's wait is polled with show-task, never run a second time", async () => {
    sb.faults.slowAction('create-backup', 150_000);
    const juju = client();
    const seen: string[] = [];
    // 'wait' mode: juju run --wait 60s gives up first, then the same task is polled to the end.
    const task = await juju.runAction(
      'kfp-db/0',
      'create-backup',
      {},
      { ...fast, waitMs: 120_000, mode: 'wait', cliWaitMs: 60_000, onTask: (id) => seen.push(id) },
    );
    expect(task.results['backup-id']).toMatch(ID);
    expect(seen).toEqual([task.id]);
    expect(runs('create-backup')).toHaveLength(1);
    expect(runs('create-backup')[0].argv).toEqual(['run', '-m', 'kubeflow', 'kfp-db/0', 'create-backup', '--format', 'json', '--wait', '60000ms']);
    expect(
      sb
        .calls()
        .filter((c) => c.argv[0] === 'show-task')
        .every((c) => c.argv.includes(task.id)),
    ).toBe(true);
    expect(lines.some((l) => l.includes(`juju run stopped waiting for task ${task.id}`))).toBe(true);
    expect(sb.tasks().filter((t) => t.action === 'create-backup')).toHaveLength(1);
  });

  test('a failed backup: the charm message (juju said exit 0), and list-backups shows it failed', async () => {
    sb.faults.createBackupFails('Error backing up the database');
    const juju = client();
    const err = await juju.runAction('kfp-db/0', 'create-backup', {}, fast).catch((e) => e);
    expect(err).toBeInstanceOf(ActionFailedError);
    expect(err.message).toContain('create-backup on kfp-db/0 ended failed');
    expect(err.message).toContain(': Error backing up the database;');
    const backups = await juju.listBackups('kfp-db/0', fast);
    expect(backups).toHaveLength(1);
    expect(backups[0].status).toBe('failed');
  });

  test('a second create-backup while one runs is refused; status shows who is busy; the deadline names the task', async () => {
    const juju = client();
    await threeUnits(juju);
    sb.faults.backupNeverFinishes('kfp-db/1');
    const timeout = await juju.runAction('kfp-db/1', 'create-backup', {}, { ...fast, waitMs: 600 }).catch((e) => e);
    expect(timeout).toBeInstanceOf(ActionTimeoutError);
    expect(timeout.lastStatus).toBe('running');
    expect(timeout.message).toContain(`juju show-task -m kubeflow ${timeout.taskId}`);
    expect(unitsRunningBackup(await juju.application('kfp-db'))).toEqual(['kfp-db/1']);
    expect((await juju.showTask(timeout.taskId)).status).toBe('running');
    await expect(juju.waitForTask(timeout.taskId, { waitMs: 300, intervalMs: 50 })).rejects.toBeInstanceOf(ActionTimeoutError);

    const second = await juju.runAction('kfp-db/2', 'create-backup', {}, fast).catch((e) => e);
    expect(second).toBeInstanceOf(ActionFailedError);
    expect(second.message).toContain('Backup already in progress on another unit');
    // Its metadata is up and nothing else: list-backups says in progress.
    const listed = await juju.listBackups('kfp-db/0', fast);
    expect(listed.map((b) => b.status)).toEqual(['in progress']);
  });

  test('a unit that is not ONLINE, missing S3 parameters, an id list-backups does not show', async () => {
    const juju = client();
    await threeUnits(juju);
    sb.faults.memberState('kfp-db/1', 'RECOVERING');
    await expect(juju.runAction('kfp-db/1', 'create-backup', {}, fast)).rejects.toThrow('Unit cannot perform backups as its state is recovering');
    const cluster = await juju.clusterStatus('kfp-db/0', fast);
    expect(cluster.status).toBe('ok_no_tolerance_partial');
    expect(pickBackupUnit(cluster, 3)).toBe('kfp-db/2');

    sb.s3.credentials('s3-kfp', null);
    await expect(juju.runAction('kfp-db/2', 'create-backup', {}, fast)).rejects.toThrow("Missing S3 parameters: ['access-key', 'secret-key']");
    sb.s3.credentials('s3-kfp', { accessKey: s3.accessKey, secretKey: s3.secretKey });

    sb.faults.listBackups('*', 'omit');
    const task = await juju.runAction('kfp-db/2', 'create-backup', {}, fast);
    const listed = await juju.listBackups('kfp-db/0', fast);
    expect(listed.find((b) => b.id === task.results['backup-id'])).toBeUndefined();
  });

  test('force: declared or not, an unhealthy cluster, and parameters juju refuses', async () => {
    const juju = client();
    await threeUnits(juju);
    expect((await juju.actionSchema('kfp-db'))['create-backup'].params).toEqual({});
    // Juju 3 passes an undeclared parameter to the charm, which ignores it.
    const ignored = await juju.runAction('kfp-db/1', 'create-backup', { force: true }, fast);
    expect(ignored.status).toBe('completed');
    // A charm that declares additionalProperties: false (or any charm on Juju 4) has juju refuse it.
    sb.mysql.additionalProperties('kfp-db', false);
    const refused = await juju.runAction('kfp-db/1', 'create-backup', { force: true }, fast).catch((e) => e);
    expect(refused).toBeInstanceOf(ActionFailedError);
    expect(refused.task.status).toBe('error');
    expect(refused.message).toContain('validation failed: (root) : additional property "force" is not allowed');
    sb.mysql.additionalProperties('kfp-db', undefined);

    sb.mysql.declareForce('kfp-db');
    const spec = (await juju.actionSchema('kfp-db'))['create-backup'];
    expect(spec.params.force).toEqual({ type: 'boolean', description: expect.stringContaining('stale data'), default: false });
    sb.faults.memberState('kfp-db/2', 'RECOVERING');
    await expect(juju.runAction('kfp-db/1', 'create-backup', {}, fast)).rejects.toThrow('Cluster is not in a healthy state');
    const forced = await juju.runAction('kfp-db/1', 'create-backup', { force: true }, fast);
    expect(forced.results['backup-id']).toMatch(ID);
    const typo = await juju.runAction('kfp-db/1', 'create-backup', { force: 'yes' }, fast).catch((e) => e);
    expect(typo.message).toContain('validation failed: (root).force : must be of type boolean, given "yes"');
  });
});
