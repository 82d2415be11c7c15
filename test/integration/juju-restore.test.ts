// mysql-k8s restore and the charm's mysql client in the emulated juju (real S3 server, real
// rclone): row counts read through `juju ssh --container mysql` as serverconfig, a backup that
// holds the rows as they were, and a restore faithful to the charm: its checks in the charm's
// order with its messages, its phases as unit statuses, the recoverable and the non-recoverable
// failures, and from revision 254 the application blocked until the S3 path moves.
import { beforeEach, describe, expect, test } from '@jest/globals';
import { charmBackups, type CharmSandbox } from '../support/charm-backups.js';
import { linesLogger } from '../support/lines-log.js';
import { ActionFailedError, Juju, compareRowCounts, mysqlQuery } from '../../packages/juju/src/index.js';
import { shellWords } from '../../sandbox/juju/commands/ssh.js';
import { runProcess } from '../../packages/core/src/process.js';

const SCALE = 0.02; // a 20 s restore takes 0.4 s

const { log, lines } = linesLogger();
const charms = charmBackups('juju-restore', { timeScale: SCALE });
let sb: CharmSandbox;
beforeEach(() => {
  sb = charms.sb;
});

const client = () => new Juju({ model: 'kubeflow', log, env: sb.env, runner: sb.runner });
const fast = { waitMs: 20_000, intervalMs: 40, progressEveryMs: 1000 };

async function backup(juju: Juju, app = 'kfp-db'): Promise<string> {
  const task = await juju.runAction(`${app}/0`, 'create-backup', {}, fast);
  const id = String(task.results['backup-id']);
  expect((await juju.listBackups(`${app}/0`, fast)).find((b) => b.id === id)?.status).toBe('finished');
  return id;
}

const restore = (juju: Juju, params: Record<string, unknown>, unit = 'kfp-db/0') => juju.runAction(unit, 'restore', params, fast);

describe('the charm mysql client through juju ssh', () => {
  test('COUNT(*) per application table as serverconfig; system schemas left out; a wrong password is refused', async () => {
    const juju = client();
    const password = await juju.checkPassword('kfp-db/leader', fast);
    expect(password).toBe(sb.mysql.password('kfp-db', 'serverconfig'));
    const counts = await juju.countRows('kfp-db/0', password);
    expect(counts).toEqual(sb.mysql.counts('kfp-db'));
    expect(Object.keys(counts)).toEqual(['mlpipeline']);
    expect(counts.mlpipeline.run_details).toBe(12);
    sb.mysql.changeRows('kfp-db', { 'mlpipeline.run_details': 3, 'mlpipeline.tasks': -5 });
    const after = await juju.countRows('kfp-db/0', password);
    expect(compareRowCounts(counts, after)).toEqual(['mlpipeline.run_details: 12 -> 15', 'mlpipeline.tasks: 30 -> 25']);
    await expect(juju.countRows('kfp-db/0', 'not-the-password')).rejects.toThrow(/ERROR 1045 \(28000\): Access denied for user 'serverconfig'/);
    // the password went on stdin, never into juju's argv
    expect(sb.calls().some((c) => c.argv.join(' ').includes(password))).toBe(false);
    await expect(mysqlQuery(juju.cli, 'kfp-db/0', password, 'DROP TABLE x')).rejects.toThrow(/ERROR 1064/);
  });

  test('juju ssh joins the words and runs them with sh -c, so unquoted words split; the exit code is the command s', async () => {
    expect(shellWords(`/usr/bin/mysql -e 'SELECT 1, 2'; `)).toEqual(['/usr/bin/mysql', '-e', 'SELECT 1, 2']);
    expect(shellWords(`a "b \\"c\\"" d\\ e`)).toEqual(['a', 'b "c"', 'd e']);
    expect(shellWords(`a 'b`)).toBeUndefined();
    const bin = sb.binary;
    const r = await runProcess(bin, ['ssh', '-m', 'kubeflow', '--container', 'mysql', 'kfp-db/0', '--', 'ls', '/'], { env: sb.env });
    expect(r.code).toBe(127);
    const bad = await runProcess(bin, ['ssh', '-m', 'kubeflow', '--container', 'mlmd', 'kfp-db/0', '--', 'true'], {
      env: sb.env,
      onStderrLine: (l) => lines.push(l),
    });
    expect(bad.code).not.toBe(0);
    expect(lines.at(-1)).toMatch(/container "mlmd" must be one of charm, mysql/);
  });
});

describe('restore', () => {
  test('puts back the rows the backup holds; the unit shows the phases; the app stays active before revision 254', async () => {
    const juju = client();
    const before = sb.mysql.counts('kfp-db');
    const id = await backup(juju);
    sb.mysql.changeRows('kfp-db', { 'mlpipeline.run_details': 4, 'mlpipeline.experiments': -2 });
    expect(sb.mysql.counts('kfp-db')).not.toEqual(before);
    sb.faults.slowAction('restore', 100_000); // 2 s: each phase long enough to be seen on a loaded machine
    const seen = new Set<string>();
    const watching = setInterval(() => {
      const m = sb.units('kfp-db')[0]?.workload.message;
      if (m) seen.add(m);
    }, 10);
    try {
      const task = await restore(juju, { 'backup-id': id });
      expect(task.results.completed).toBe('ok');
    } finally {
      clearInterval(watching);
    }
    expect([...seen]).toEqual(expect.arrayContaining(['Downloading backup...', 'Restoring backup...', 'Running post-restore operations']));
    expect(sb.mysql.counts('kfp-db')).toEqual(before);
    const status = await juju.application('kfp-db');
    expect(status.applicationStatus.current).toBe('active');
    // the schema of this revision has no restore-to-time
    expect(Object.keys((await juju.actionSchema('kfp-db')).restore.params)).toEqual(['backup-id']);
  });

  test('the charm refuses, in its order: more than one unit, no backup-id, an unknown backup-id, no S3 relation', async () => {
    const juju = client();
    const id = await backup(juju);
    await juju.scaleApplication('kfp-db', 2);
    await expect(restore(juju, { 'backup-id': id })).rejects.toThrow(/Unit cannot restore backup as there are more than one units in the cluster/);
    await juju.scaleApplication('kfp-db', 1);
    await juju.waitForUnits('kfp-db', 1, { timeoutMs: 10_000, intervalMs: 40, progressEveryMs: 1000 });
    await expect(restore(juju, {})).rejects.toThrow(/Missing backup-id to restore/);
    await expect(restore(juju, { 'backup-id': '2020-01-01T00:00:00Z' })).rejects.toThrow(/Invalid backup-id: 2020-01-01T00:00:00Z/);
    sb.s3.unrelate('kfp-db');
    await expect(restore(juju, { 'backup-id': id })).rejects.toThrow(/Missing relation with S3 integrator charm/);
  });

  test('a failure while downloading or preparing leaves the old data and an active unit', async () => {
    const juju = client();
    const id = await backup(juju);
    sb.mysql.changeRows('kfp-db', { 'mlpipeline.tasks': 7 });
    const changed = sb.mysql.counts('kfp-db');
    for (const [phase, message] of [
      ['download', `Failed to retrieve backup ${id}`],
      ['prepare', `Failed to prepare backup ${id}`],
    ] as const) {
      sb.faults.restoreFails('kfp-db', phase);
      const err = await restore(juju, { 'backup-id': id }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ActionFailedError);
      expect((err as ActionFailedError).task.message).toBe(message);
      expect(sb.mysql.counts('kfp-db')).toEqual(changed);
      expect(sb.units('kfp-db')[0].workload.current).toBe('active');
    }
  });

  test('a failure after the data directory was emptied leaves the unit blocked, mysqld down, nothing to read', async () => {
    const juju = client();
    const id = await backup(juju);
    const password = await juju.checkPassword('kfp-db/leader', fast);
    sb.faults.restoreFails('kfp-db', 'move-back');
    await expect(restore(juju, { 'backup-id': id })).rejects.toThrow(`Failed to restore backup ${id}`);
    const unit = sb.units('kfp-db')[0];
    expect(unit.workload).toMatchObject({ current: 'blocked', message: `Failed to restore backup ${id}` });
    expect(sb.mysql.counts('kfp-db')).toEqual({});
    await expect(juju.countRows('kfp-db/0', password)).rejects.toThrow(/ERROR 2002/);
    sb.faults.restoreFails('kfp-db', null);
    await expect(restore(juju, { 'backup-id': id })).rejects.toThrow(/Server running mysqld is not connectable/);
  });

  test('from revision 254: restore-to-time is declared, and a restore blocks the app until the S3 path moves', async () => {
    const juju = client();
    sb.mysql.revision('kfp-db', 255);
    expect(Object.keys((await juju.actionSchema('kfp-db')).restore.params).sort()).toEqual(['backup-id', 'restore-to-time']);
    const id = await backup(juju);
    await restore(juju, { 'backup-id': id });
    const status = await juju.application('kfp-db');
    expect(status.applicationStatus).toMatchObject({ current: 'blocked', message: 'Move restored cluster to another S3 repository' });
    expect(Object.values(status.units).every((u) => u.workloadStatus.current === 'active')).toBe(true);
    await expect(juju.runAction('kfp-db/0', 'create-backup', {}, fast)).rejects.toThrow(/Move restored cluster/);
    const old = String(sb.read().models.kubeflow.applications['s3-kfp'].config.path);
    await juju.call('config', ['s3-kfp', `path=${old}-gen2`]);
    expect((await juju.application('kfp-db')).applicationStatus.current).toBe('active');
    await juju.call('config', ['s3-kfp', `path=${old}`]);
    expect((await juju.application('kfp-db')).applicationStatus.message).toBe('S3 repository claimed by another cluster');
  });
});
