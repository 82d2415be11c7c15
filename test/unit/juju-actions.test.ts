// The juju client's charm-action logic against real juju output (test/vectors/juju: run-action-*)
// and against mysql-k8s result shapes composed from the charm's code (reference/ckf.md 2.3: no
// verbatim kfp-db capture exists). The client against the emulator is in
// test/integration/juju-mysql.test.ts.
import { afterAll, describe, expect, test } from '@jest/globals';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { Logger } from '@ml-backup-actions/core';
import {
  ActionFailedError,
  ActionTimeoutError,
  Juju,
  actionArgs,
  isTerminal,
  parseActionSchemas,
  parseBackupsTable,
  parseClusterStatus,
  parseRunOutput,
  parseStatus,
  parseTask,
  pickBackupUnit,
  succeeded,
  taskIdFromProgress,
  unitOfLabel,
  unitsRunningBackup,
} from '../../packages/juju/src/index.js';

const VECTORS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../vectors/juju');
const vector = (name: string) => readFileSync(path.join(VECTORS, name), 'utf8');

describe('tasks as juju prints them', () => {
  test('a completed task (jubilant test_completed): results without return-code, stdout and stderr', () => {
    const [task] = parseRunOutput(JSON.parse(vector('run-action-completed.json')));
    expect(task).toEqual({
      id: '42',
      unit: 'mysql/0',
      status: 'completed',
      message: '',
      results: { password: 'pass', username: 'user' },
      returnCode: 0,
      stdout: 'OUT',
      stderr: 'ERR',
      log: ['2025-03-01 16:23:26 +1300 NZDT Log message', '2025-03-01 16:23:26 +1300 NZDT Another message'],
      timing: {},
    });
    expect(succeeded(task)).toBe(true);
    expect(isTerminal(task)).toBe(true);
  });

  test('a task the charm failed: status failed, its message, return code 0 (juju exits 0)', () => {
    const [task] = parseRunOutput(JSON.parse(vector('run-action-failed.json')));
    expect(task).toMatchObject({ id: '42', unit: 'mysql/0', status: 'failed', message: 'Failure message', results: { foo: 'bar' }, returnCode: 0 });
    expect(succeeded(task)).toBe(false);
  });

  test("juju's own YAML output: unit and timing, nested results", () => {
    const [task] = parseRunOutput(parseYaml(vector('run-action-format-yaml.yaml')));
    expect(task).toMatchObject({
      id: '1',
      unit: 'mysql/0',
      status: 'completed',
      results: { outcome: 'success', 'result-map': { message: 'hello' } },
      returnCode: 0,
      stdout: 'hello',
      stderr: 'world',
      timing: { completed: '2015-02-14 08:17:00 +0000 UTC', enqueued: '2015-02-14 08:13:00 +0000 UTC', started: '2015-02-14 08:15:00 +0000 UTC' },
    });
    expect(task.results).not.toHaveProperty('stdout-encoding');
  });

  test('show-task prints the task un-keyed; pending and running tasks have no results yet', () => {
    const inner = JSON.parse(vector('run-action-failed.json'))['mysql/0'];
    expect(parseTask(inner)).toMatchObject({ id: '42', unit: '', status: 'failed' });
    const running = parseTask({ id: '8', status: 'running', unit: 'kfp-db/1', timing: { enqueued: 'x', started: 'y' } });
    expect(running).toMatchObject({ status: 'running', results: {}, unit: 'kfp-db/1' });
    expect(running.returnCode).toBeUndefined();
    expect(isTerminal(running)).toBe(false);
    expect(isTerminal({ status: 'pending' })).toBe(false);
    for (const s of ['completed', 'failed', 'error', 'cancelled', 'aborted']) expect(isTerminal({ status: s })).toBe(true);
    // An uncaught exception: status failed, return code 1 (juju exits 1); not a success either way.
    expect(succeeded(parseTask({ id: '42', status: 'completed', results: { 'return-code': 1 } }))).toBe(false);
    expect(() => parseTask({ status: 'completed' })).toThrow(/without an id/);
    expect(() => parseRunOutput([])).toThrow(/map of tasks/);
  });

  test("the task id from juju run's progress lines (cmd/juju/action/common.go)", () => {
    expect(
      taskIdFromProgress("Scheduled operation 7 with task 8\nCheck operation status with 'juju show-operation 7'\nCheck task status with 'juju show-task 8'\n"),
    ).toBe('8');
    expect(taskIdFromProgress('Running operation 1 with 1 task\n  - task 2 on unit-mysql-0\n\nWaiting for task 2...\n')).toBe('2');
    expect(taskIdFromProgress('Waiting for task 12...\n')).toBe('12');
    expect(taskIdFromProgress('Operation 9 failed to schedule any tasks:\naction "x" not defined on unit "kfp-db/0"\n')).toBeUndefined();
  });

  test('parameters: strings stay strings through YAML, booleans and numbers are bare, bad keys refused', () => {
    expect(actionArgs({ force: true, 'backup-id': '2024-05-01T12:00:00Z', n: 3, answer: 'yes' })).toEqual([
      'force=true',
      'backup-id="2024-05-01T12:00:00Z"',
      'n=3',
      'answer="yes"',
    ]);
    expect(actionArgs({ 'restore-to-time': '2024-05-01 12:00:00' })).toEqual(['restore-to-time="2024-05-01 12:00:00"']);
    expect(() => actionArgs({ Force: true })).toThrow(/not a valid action parameter name/);
    expect(() => actionArgs({ '--wait': '1s' })).toThrow(/not a valid action parameter name/);
  });

  test('action schemas (juju actions --schema --format json): declared parameters and their defaults', () => {
    const specs = parseActionSchemas({
      'create-backup': {
        description: 'Create a database backup using xtrabackup.',
        properties: { force: { default: false, description: 'Ignore cluster health', type: 'boolean' } },
        title: 'create-backup',
        type: 'object',
      },
      'list-backups': { description: 'List available backup_ids', properties: {}, title: 'list-backups', type: 'object' },
      // The juju docs' example: additionalProperties and required as the charm declared them.
      'add-repo': {
        additionalProperties: false,
        description: 'Create a git repository.',
        properties: { repo: { description: 'Name', type: 'string' } },
        required: ['repo'],
        title: 'add-repo',
        type: 'object',
      },
    });
    expect(specs['create-backup'].params.force).toEqual({ type: 'boolean', description: 'Ignore cluster health', default: false });
    expect(specs['list-backups'].params).toEqual({});
    expect(specs['create-backup']).not.toHaveProperty('additionalProperties');
    expect(specs['add-repo']).toMatchObject({ required: ['repo'], additionalProperties: false });
  });
});

describe('mysql-k8s results', () => {
  // get-cluster-status as the charm returns it: mysqlsh's status lower-cased, every leaf a string.
  const member = (address: string, role: string, status = 'online') => ({
    address,
    memberrole: role,
    mode: status !== 'online' ? 'n/a' : role === 'primary' ? 'r/w' : 'r/o',
    replicationlag: role === 'primary' ? 'None' : 'applier_queue_applied',
    role: 'ha',
    status,
    version: '8.0.41',
  });
  const clusterResults = {
    status: {
      clustername: 'cluster-3eb61a45',
      defaultreplicaset: {
        name: 'default',
        primary: 'kfp-db-1.kfp-db-endpoints.kubeflow.svc.cluster.local:3306',
        ssl: 'required',
        status: 'ok_no_tolerance_partial',
        statustext: 'cluster is not tolerant to any failures. 1 member is not active.',
        topology: {
          'kfp-db-0': member('kfp-db-0.kfp-db-endpoints.kubeflow.svc.cluster.local:3306', 'secondary', 'recovering'),
          'kfp-db-1': member('kfp-db-1.kfp-db-endpoints.kubeflow.svc.cluster.local:3306', 'primary'),
          'kfp-db-10': member('kfp-db-10.kfp-db-endpoints.kubeflow.svc.cluster.local:3306', 'secondary'),
        },
        topologymode: 'single-primary',
      },
      groupinformationsourcemember: 'kfp-db-1.kfp-db-endpoints.kubeflow.svc.cluster.local:3306',
    },
    success: 'True',
  };

  test('get-cluster-status: the primary is the memberrole primary, labels map to units', () => {
    const c = parseClusterStatus(clusterResults, 'kfp-db');
    expect(c).toMatchObject({ clusterName: 'cluster-3eb61a45', status: 'ok_no_tolerance_partial', primary: 'kfp-db/1' });
    expect(c.members.map((m) => [m.unit, m.role, m.state])).toEqual([
      ['kfp-db/0', 'secondary', 'recovering'],
      ['kfp-db/1', 'primary', 'online'],
      ['kfp-db/10', 'secondary', 'online'],
    ]);
    expect(unitOfLabel('katib-db-2', 'katib-db')).toBe('katib-db/2');
    expect(unitOfLabel('mysql-k8s-0', 'other')).toBe('mysql-k8s/0');
  });

  test('older charms: no memberrole, the primary is the r/w member', () => {
    const old = structuredClone(clusterResults);
    for (const m of Object.values(old.status.defaultreplicaset.topology) as Record<string, string>[]) delete m.memberrole;
    expect(parseClusterStatus(old, 'kfp-db').primary).toBe('kfp-db/1');
  });

  test('a status the charm could not read is an error, with its message', () => {
    expect(() => parseClusterStatus({ success: 'False', message: 'Failed to read cluster status.  See logs for more information.' }, 'kfp-db')).toThrow(
      'get-cluster-status on kfp-db did not return the cluster status: Failed to read cluster status.  See logs for more information.',
    );
  });

  test('the backup unit: an ONLINE secondary when there is more than one unit, else the only unit', () => {
    const c = parseClusterStatus(clusterResults, 'kfp-db');
    expect(pickBackupUnit(c, 3)).toBe('kfp-db/10'); // kfp-db/0 is recovering, kfp-db/1 the primary
    expect(pickBackupUnit(c, 3, 'kfp-db/1')).toBe('kfp-db/10');
    const single = parseClusterStatus(
      { status: { clustername: 'c', defaultreplicaset: { status: 'ok_no_tolerance', topology: { 'kfp-db-0': member('a:3306', 'primary') } } } },
      'kfp-db',
    );
    expect(pickBackupUnit(single, 1)).toBe('kfp-db/0');
    expect(() => pickBackupUnit(single, 2)).toThrow(/needs an ONLINE secondary .* kfp-db\/0 primary online/);
  });

  test("list-backups' table (backups._format_backups_list), read like the charm's tests read it", () => {
    const header = `${'backup-id'.padEnd(21)} | ${'backup-type'.padEnd(12)} | backup-status`;
    expect(header).toHaveLength(52);
    const table = [
      header,
      '-'.repeat(52),
      '2024-05-01T12:00:00Z  | physical     | finished',
      '2024-05-02T12:00:00Z  | physical     | in progress',
      '2024-05-03T12:00:00Z  | physical     | failed',
    ].join('\n');
    expect(parseBackupsTable(table)).toEqual([
      { id: '2024-05-01T12:00:00Z', type: 'physical', status: 'finished' },
      { id: '2024-05-02T12:00:00Z', type: 'physical', status: 'in progress' },
      { id: '2024-05-03T12:00:00Z', type: 'physical', status: 'failed' },
    ]);
    expect(parseBackupsTable(`${header}\n${'-'.repeat(52)}`)).toEqual([]);
    expect(() => parseBackupsTable('Failed to retrieve backup ids from S3')).toThrow(/did not return the backups table/);
  });

  test('units busy with a backup, from juju status', () => {
    const doc = JSON.parse(vector('status-k8s-model.json'));
    const app = doc.applications['snappass-test'];
    app.units['snappass-test/1'] = structuredClone(app.units['snappass-test/0']);
    app.units['snappass-test/1']['workload-status'] = { current: 'maintenance', message: 'Running backup...', since: 'x' };
    app.units['snappass-test/2'] = structuredClone(app.units['snappass-test/0']);
    app.units['snappass-test/2']['juju-status'] = { current: 'executing', message: 'running action create-backup', since: 'x' };
    expect(unitsRunningBackup(parseStatus(doc).applications['snappass-test'])).toEqual(['snappass-test/1', 'snappass-test/2']);
  });
});

describe('runAction against a stand-in juju', () => {
  // Plays juju 3.6 for one scenario per JUJU_FAKE; prints its argv to a log file.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'juju-actions-fake-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fake = path.join(dir, 'juju');
  const argvLog = path.join(dir, 'argv');
  writeFileSync(
    path.join(dir, 'failed.json'),
    JSON.stringify({ 'kfp-db/0': { ...JSON.parse(vector('run-action-failed.json'))['mysql/0'], unit: 'kfp-db/0' } }),
  );
  writeFileSync(
    fake,
    [
      '#!/bin/sh',
      `echo "$*" >> '${argvLog}'`,
      'case "$JUJU_FAKE $1" in',
      `  "failed run") cat '${path.join(dir, 'failed.json')}'; printf 'Running operation 41 with 1 task\\n  - task 42 on unit-kfp-db-0\\n\\nWaiting for task 42...\\n' >&2 ;;`,
      `  "timeout run") printf 'Running operation 7 with 1 task\\n  - task 8 on unit-kfp-db-1\\n\\nWaiting for task 8...\\n\\nERROR timed out waiting for results from: unit kfp-db/1\\n' >&2; exit 1 ;;`,
      `  "timeout show-task") echo '{"id":"8","results":{"backup-id":"2024-05-01T12:00:00Z","return-code":0},"status":"completed","unit":"kfp-db/1"}' ;;`,
      `  "running run") printf "Scheduled operation 7 with task 8\\nCheck task status with 'juju show-task 8'\\n" >&2 ;;`,
      `  "running show-task") echo '{"id":"8","status":"running","unit":"kfp-db/1"}' ;;`,
      `  "unscheduled run") printf 'Operation 9 failed to schedule any tasks:\\naction "create-backup" not defined on unit "kfp-ui/0"\\n' >&2 ;;`,
      'esac',
    ].join('\n'),
  );
  chmodSync(fake, 0o755);
  const lines: string[] = [];
  const log: Logger = {
    info: (m) => lines.push(m),
    notice: () => undefined,
    warning: (m) => lines.push(m),
    error: () => undefined,
    debug: () => undefined,
    group: (_n, fn) => fn(),
  };
  const juju = (mode: string) => new Juju({ model: 'kubeflow', binary: fake, log, env: { PATH: process.env.PATH, JUJU_FAKE: mode } });
  const calls = () => readFileSync(argvLog, 'utf8').trim().split('\n');

  test('status failed with exit 0: the charm message, the unit and the action', async () => {
    writeFileSync(argvLog, '');
    const err = await juju('failed')
      .runAction('kfp-db/0', 'create-backup', {}, { waitMs: 5000, mode: 'wait' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ActionFailedError);
    expect(err.message).toMatch(/^create-backup on kfp-db\/0 ended failed \(task 42\): Failure message; see "juju show-task -m kubeflow 42"/);
    expect(err.task).toMatchObject({ status: 'failed', returnCode: 0 });
    expect(calls()).toEqual(['run -m kubeflow kfp-db/0 create-backup --format json --wait 5000ms']);
  });

  test("juju run's wait runs out: the same task is polled, never run again", async () => {
    writeFileSync(argvLog, '');
    const seen: string[] = [];
    const task = await juju('timeout').runAction(
      'kfp-db/1',
      'create-backup',
      {},
      { waitMs: 60_000, mode: 'wait', cliWaitMs: 2000, intervalMs: 10, onTask: (id) => seen.push(id) },
    );
    expect(task.results).toEqual({ 'backup-id': '2024-05-01T12:00:00Z' });
    expect(seen).toEqual(['8']);
    expect(calls()).toEqual(['run -m kubeflow kfp-db/1 create-backup --format json --wait 2000ms', 'show-task -m kubeflow --format json 8']);
  });

  test('a task still running at the deadline: ActionTimeoutError with its id, nothing run again', async () => {
    writeFileSync(argvLog, '');
    const err = await juju('running')
      .runAction('kfp-db/1', 'create-backup', {}, { waitMs: 1500, intervalMs: 20, progressEveryMs: 50 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ActionTimeoutError);
    expect(err).toMatchObject({ taskId: '8', lastStatus: 'running' });
    expect(err.message).toContain('do not start create-backup again before it has finished');
    expect(calls().filter((c) => c.startsWith('run '))).toEqual(['run -m kubeflow kfp-db/1 create-backup --background']);
    expect(lines.some((l) => /still waiting for task 8 \(create-backup on kfp-db\/1\) after .*: status running/.test(l))).toBe(true);
  });

  test("nothing scheduled (exit 0, no output): juju's reason", async () => {
    await expect(juju('unscheduled').runAction('kfp-ui/0', 'create-backup', {}, { waitMs: 1000 })).rejects.toThrow(
      'juju could not schedule create-backup on kfp-ui/0 in model "kubeflow": action "create-backup" not defined on unit "kfp-ui/0"',
    );
  });
});
