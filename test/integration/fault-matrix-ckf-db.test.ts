// backup-ckf-db's fault matrix (issue 12): the juju calls (status, scale-application, the
// create-backup task and its show-task polls, list-backups), each slow, failing once and failing
// always, and a SIGTERM at each step boundary, with both databases backed up at once. Whatever the
// row, the run holds: each database is back at its scale or the error and summary name the command
// that puts it back; a backup-id in the outputs is a charm backup the charm wrote whole and lists
// as finished; the summary is written; a failure exits non-zero, and a success backed up both.
import { beforeEach, describe, expect, test } from '@jest/globals';
import { listObjects } from '../../sandbox/index.js';
import { backupCkfDbAction } from '../../actions/backup-ckf-db/src/main.js';
import { type FaultCase, driver, on, sigterm } from '../support/fault-matrix.js';
import { CHARM_BUCKET, charmBackups, type CharmS3, type CharmSandbox } from '../support/charm-backups.js';
import { runInProcess, sandboxJuju } from '../support/in-process.js';

type Sandbox = CharmSandbox;
const BUCKET = CHARM_BUCKET;
const DBS = ['kfp-db', 'katib-db'];
const command = (app: string) => `juju scale-application -m kubeflow ${app} 1`;

let s3: CharmS3;
let sb: Sandbox;
let prefix: string;

// Model time x 0.01: a 30 s create-backup lasts 0.3 s.
const charms = charmBackups('fault-matrix-ckf-db');
beforeEach(() => {
  ({ s3, sb, prefix } = charms);
});

const SCALED_UP = 'kfp-db: scaling from 1 to 2 units';
const TASK = /create-backup on kfp-db\/\d is task \d+/;

const cases: FaultCase<Sandbox>[] = [
  // juju
  { name: 'juju scale-application · slow (7 s, beyond its call timeout)', fault: 'slow', prepare: (s) => s.faults.slow(7000, 'scale-application') },
  { name: 'juju show-task · slow (7 s)', fault: 'slow', act: on(TASK, (s) => s.faults.slow(7000, 'show-task')) },
  { name: 'juju status · slow (7 s)', fault: 'slow', act: on(SCALED_UP, (s) => s.faults.slow(7000, 'status')) },
  { name: 'juju · fails once, at the first call', fault: 'fails once', prepare: (s) => s.faults.failNext(1) },
  { name: 'juju · fails once, after the scale up', fault: 'fails once', act: on(SCALED_UP, (s) => s.faults.failNext(1)) },
  { name: 'juju · fails once, while create-backup runs', fault: 'fails once', act: on(TASK, (s) => s.faults.failNext(1)) },
  { name: 'juju · fails always, from the start', fault: 'fails always', prepare: (s) => s.faults.unreachable() },
  { name: 'juju · fails always, once scaled up', fault: 'fails always', act: on(SCALED_UP, (s) => s.faults.unreachable()), putBackMs: 3000 },
  // the charm's actions
  {
    name: 'create-backup · fails (the charm says so, juju exits 0)',
    fault: 'fails always',
    prepare: (s) => s.faults.createBackupFails('Error backing up the database', { app: 'kfp-db' }),
  },
  {
    name: 'create-backup · slow (past action-timeout-minutes)',
    fault: 'slow',
    prepare: (s) => s.faults.backupNeverFinishes('kfp-db'),
    inputs: { 'action-timeout-minutes': '0.1' },
  },
  { name: 'list-backups · shows the backup failed', fault: 'fails always', prepare: (s) => s.faults.listBackups('*', 'failed') },
  // SIGTERM at each step boundary
  { name: 'SIGTERM · pre-flight', fault: 'SIGTERM', act: sigterm('kfp-db: mysql-k8s revision') },
  { name: 'SIGTERM · scaling up', fault: 'SIGTERM', act: sigterm(SCALED_UP) },
  {
    name: 'SIGTERM · create-backup running (it ends within the grace)',
    fault: 'SIGTERM',
    prepare: (s) => s.faults.slowAction('create-backup', 200_000),
    act: sigterm(TASK),
  },
  { name: 'SIGTERM · list-backups', fault: 'SIGTERM', act: sigterm('running list-backups on kfp-db/') },
  // The row counts read through juju ssh on the unit that took the backup, before the scale back.
  { name: 'SIGTERM · counting the rows after the backup', fault: 'SIGTERM', act: sigterm('juju ssh -m kubeflow --container mysql kfp-db/1') },
  { name: 'SIGTERM · scaling back', fault: 'SIGTERM', act: sigterm('scaling kfp-db in model kubeflow to 1 unit') },
];

describe('backup-ckf-db fault matrix', () => {
  test.each(cases)('$name', async (c) => {
    await c.prepare?.(sb);
    const d = driver(c, sb);
    const inputs = { 'backup-id': 'fm-set', 'poll-interval-seconds': '0.1', 'progress-interval-seconds': '1', 'scale-timeout-minutes': '0.5', ...c.inputs };
    const run = await runInProcess(backupCkfDbAction, inputs, {
      env: sb.env,
      timeoutMs: 120_000,
      putBackMs: c.putBackMs,
      onLine: d.onLine,
      clients: (config, context) => ({ juju: sandboxJuju(config.jujuModel, context) }),
    }).finally(d.stop);
    expect(d.state.acted).toBe(true);
    if (c.fault === 'SIGTERM') expect(Date.now() - d.state.at).toBeLessThan(10_000);
    if (process.env.FM_DEBUG) console.log(run.stdout);
    sb.faults.clear();

    expect(run.summary).toMatch(/backup-ckf-db: (succeeded|\d of 2 failed)/);
    // Every backup-id given out is one the charm wrote whole (its metadata, checksum and log) and lists as finished.
    const ids: Record<string, string> = JSON.parse(run.outputs['backup-ids'] ?? '{}');
    for (const [app, id] of Object.entries(ids)) {
      const keys = (await listObjects(s3, BUCKET, `${prefix}/${app}/`)).map((o: { Path: string }) => o.Path);
      expect(keys.filter((k: string) => k.startsWith(id)).sort()).toEqual([
        `${id}.backup.log`,
        `${id}.md5`,
        `${id}.metadata`,
        `${id}/ibdata1.00000000000000000000`,
      ]);
      const task = sb.tasks().find((t) => t.app === app && t.action === 'create-backup' && t.results?.['backup-id'] === id);
      expect(task?.phase).toBe('completed');
    }
    if (run.code === 0) {
      expect(c.fault === 'slow' || c.fault === 'fails once').toBe(true);
      expect(Object.keys(ids).sort()).toEqual([...DBS].sort());
      for (const app of DBS) expect(sb.scale(app)).toBe(1);
    } else {
      expect(run.stdout).toMatch(/::error::backup-ckf-db failed: /);
      expect(run.outputs.error).toBeTruthy();
      expect(run.summary).toMatch(/failed|interrupted/);
      for (const app of DBS) {
        // Put back, or named: the command that puts it back, in the error and the summary.
        if (sb.scale(app) !== 1) {
          expect(run.outputs.error).toContain(command(app));
          expect(run.summary).toContain(command(app));
        }
      }
    }
  });
});
