// restore-ckf-db end to end, in-process (juju in-process too), against the juju emulator's
// mysql-k8s: a backup made by backup-ckf-db and recorded in a version 2 manifest on a real S3
// server, rows changed, then restored: scale to one unit, restore backup-id followed to its end,
// scale back, row counts compared. And what the charm does to a restore that fails: the old data
// kept (download, prepare), a unit blocked (after the data directory was emptied), revision 254's
// block on the S3 path, and a SIGTERM at each step.
import { beforeEach, describe, expect, test } from '@jest/globals';
import { writeObject } from '../../sandbox/index.js';
import { backupCkfDbAction } from '../../actions/backup-ckf-db/src/main.js';
import { restoreCkfDbAction } from '../../actions/restore-ckf-db/src/main.js';
import { runInProcess, sandboxJuju, type InProcessChild } from '../support/in-process.js';
import { CHARM_BUCKET, charmBackups, type CharmS3, type CharmSandbox } from '../support/charm-backups.js';
import { validate } from '../support/manifests.js';
import { must } from '../support/must.js';
import { BackupBucket } from '../../packages/ckf-set/src/index.js';

const DBS = ['kfp-db', 'katib-db'];
const MANIFEST_KEY = 'manifests/set-1.json';
let s3: CharmS3;
let sb: CharmSandbox;
let prefix: string;
const charms = charmBackups('restore-ckf-db');
beforeEach(() => {
  ({ s3, sb, prefix } = charms);
});

const FAST = { 'poll-interval-seconds': '0.1', 'progress-interval-seconds': '1', 'scale-timeout-minutes': '0.5' };
const clients = (config: { jujuModel: string }, context: Parameters<typeof sandboxJuju>[1]) => ({ juju: sandboxJuju(config.jujuModel, context) });

/** Backs both databases up and records the set's manifest (version 2) as backup-set would. */
async function backupSet(): Promise<Record<string, { backupId: string; rowCounts: Record<string, Record<string, number>> }>> {
  const run = await runInProcess(backupCkfDbAction, { 'backup-id': 'set-1', ...FAST }, { env: sb.env, clients });
  if (run.code !== 0) console.log(run.stdout.slice(-4000));
  expect(run.code).toBe(0);
  const databases = JSON.parse(run.outputs.databases);
  await writeManifest(databases);
  return databases;
}

/** The set's manifest (version 2, schema-valid) with these charm backups. */
async function writeManifest(backups: Record<string, unknown>) {
  const manifest = {
    manifestVersion: 2,
    kind: 'ckf-backup-set',
    backupId: 'set-1',
    status: 'complete',
    model: 'kubeflow',
    target: { bucket: CHARM_BUCKET, endpoint: s3.endpoint },
    startedAt: new Date().toISOString(),
    tools: {},
    components: { databases: { status: 'complete', backups }, mlmd: { status: 'pending' }, mlpipeline: { status: 'pending' } },
  };
  expect(validate(manifest) ? [] : validate.errors).toEqual([]);
  await writeObject(s3, CHARM_BUCKET, MANIFEST_KEY, JSON.stringify(manifest));
}

async function restore(inputs: Record<string, string> = {}, onLine?: (line: string, child: InProcessChild) => void) {
  const all = {
    manifest: MANIFEST_KEY,
    's3-bucket': CHARM_BUCKET,
    's3-endpoint': s3.endpoint,
    's3-access-key-id': s3.accessKey,
    's3-secret-access-key': s3.secretKey,
    ...FAST,
    'ignore-running-workloads': 'true',
    ...inputs,
  };
  const run = await runInProcess(restoreCkfDbAction, all, {
    env: sb.env,
    clients: (config, context) => ({ ...clients(config, context), bucket: config.s3 && new BackupBucket(config.s3, context) }),
    timeoutMs: 90_000,
    putBackMs: 20_000,
    onLine,
  });
  if (process.env.RESTORE_DEBUG) console.log(run.stdout);
  return run;
}

const restoreTasks = (app?: string) => sb.tasks().filter((t) => t.action === 'restore' && (!app || t.app === app));
const scaleCalls = (app: string, from = 0) =>
  sb
    .calls()
    .slice(from)
    .filter((c) => c.argv[0] === 'scale-application' && c.argv.includes(app))
    .map((c) => c.argv.at(-1));

async function settled(app: string, scale: number) {
  const deadline = Date.now() + 10_000;
  while (sb.units(app).length !== scale && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(sb.scale(app)).toBe(scale);
  expect(sb.units(app)).toHaveLength(scale);
}

describe('restore-ckf-db', () => {
  test('a round trip: rows changed after the backup come back as the set recorded them, kfp-db from 3 units to 1 and back', async () => {
    const backed = await backupSet();
    const before = Object.fromEntries(DBS.map((app) => [app, sb.mysql.counts(app)]));
    sb.mysql.changeRows('kfp-db', { 'mlpipeline.run_details': 5, 'mlpipeline.tasks': -7 });
    sb.mysql.changeRows('katib-db', { 'katib.observation_logs': 9 });
    await sb.run(['scale-application', 'kfp-db', '3']);
    await settled('kfp-db', 3);
    const from = sb.calls().length;
    sb.faults.slowAction('restore', 300_000); // 3 s: long enough to see the charm's phases

    const run = await restore();
    if (run.code !== 0) console.log(run.stdout.slice(-4000));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.outputs.restored)).toEqual(Object.fromEntries(DBS.map((app) => [app, backed[app].backupId])));
    expect(run.outputs['row-counts-match']).toBe('true');
    for (const app of DBS) expect(sb.mysql.counts(app)).toEqual(before[app]);
    await settled('kfp-db', 3);
    await settled('katib-db', 1);
    expect(scaleCalls('kfp-db', from)).toEqual(['1', '3']);
    expect(scaleCalls('katib-db', from)).toEqual([]);
    // restore backup-id=<id> only: a backup set is one point in time, never restore-to-time.
    for (const app of DBS) {
      const tasks = restoreTasks(app);
      expect(tasks).toHaveLength(1);
      expect(tasks[0].params).toEqual({ 'backup-id': backed[app].backupId });
      expect(tasks[0].phase).toBe('completed');
    }
    const runs = sb.calls().filter((c) => c.argv[0] === 'run' && c.argv.includes('restore'));
    for (const c of runs) expect(c.argv).toContain('--background');
    const seen = [...run.stdout.matchAll(/\[kfp-db\] kfp-db\/0: maintenance "([^"]+)"/g)].map((m) => m[1]);
    expect(seen.length).toBeGreaterThanOrEqual(1);
    for (const phase of seen) {
      expect([
        'Running pre-restore operations',
        'Downloading backup...',
        'Preparing for restore backup...',
        'Restoring backup...',
        'Running post-restore operations',
      ]).toContain(phase);
    }
    expect(run.summary).toMatch(/\| kfp-db \| succeeded \| .* \| kfp-db\/0 \| 3 → 1, back to 3 \| match \|/);
    expect(run.summary).toMatch(/\| katib-db \| succeeded \| .* \| 1 \| match \|/);
  });

  test('dry-run: the checks only, nothing scaled or restored', async () => {
    await backupSet();
    await sb.run(['scale-application', 'kfp-db', '2']);
    await settled('kfp-db', 2);
    const calls = sb.calls().length;
    const run = await restore({ 'dry-run': 'true' });
    expect(run.code).toBe(0);
    expect(restoreTasks()).toEqual([]);
    expect(
      sb
        .calls()
        .slice(calls)
        .filter((c) => c.argv[0] === 'scale-application'),
    ).toEqual([]);
    expect(run.stdout).toMatch(
      /kfp-db: would scale from 2 to 1, run restore backup-id=\S+ \(restore declares backup-id; restore-to-time is never passed\), then scale back to 2/,
    );
    expect(run.outputs['row-counts-match']).toBe('unchecked');
  });

  test('an s3-integrator pointing elsewhere is refused, saying where it points and what the set recorded; nothing changes', async () => {
    await backupSet();
    await sb.run(['config', 's3-katib', `path=${prefix}/elsewhere`]);
    const run = await restore();
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`s3-katib points at s3://${CHARM_BUCKET}/${prefix}/elsewhere/`);
    expect(run.stdout).toContain(`was written to s3://${CHARM_BUCKET}/${prefix}/katib-db/`);
    expect(run.stdout).toContain(`juju config -m kubeflow s3-katib bucket=${CHARM_BUCKET} path=${prefix}/katib-db`);
    expect(restoreTasks()).toEqual([]);
  });

  test('a backup-id that list-backups does not show finished is refused before anything changes', async () => {
    await backupSet();
    const run = await restore({ manifest: '', 'backup-ids': JSON.stringify({ 'kfp-db': '2020-01-01T00:00:00Z', 'katib-db': '2020-01-01T00:00:00Z' }) });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/backup 2020-01-01T00:00:00Z is not listed by list-backups in s3:\/\//);
    expect(restoreTasks()).toEqual([]);
  });

  test('row counts that differ from the manifest fail the run, naming the table', async () => {
    const backed = await backupSet();
    await writeManifest({ ...backed, 'katib-db': { ...backed['katib-db'], rowCounts: { katib: { observation_logs: 41 } }, rowCountsExact: true } });
    const run = await restore({ applications: 'katib-db' });
    expect(run.code).toBe(1);
    expect(run.outputs['row-counts-match']).toBe('false');
    expect(run.stdout).toContain("katib-db failed during row counts: row counts differ from the backup's: katib.observation_logs: 41 -> 40");
  });

  test('a failure while downloading leaves the old data, and the scale goes back', async () => {
    await backupSet();
    sb.mysql.changeRows('kfp-db', { 'mlpipeline.run_details': 4 });
    const changed = sb.mysql.counts('kfp-db');
    await sb.run(['scale-application', 'kfp-db', '2']);
    await settled('kfp-db', 2);
    sb.faults.restoreFails('kfp-db', 'download');
    const run = await restore({ applications: 'kfp-db' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/the charm's restore failed on kfp-db\/0: "Failed to retrieve backup \S+"\. The old data is in place/);
    expect(sb.mysql.counts('kfp-db')).toEqual(changed);
    await settled('kfp-db', 2);
    expect(run.summary).toContain('kfp-db: the old data is in place');
  });

  test('a failure after the data directory was emptied: stop, leave the unit, and say how to restore into a new application', async () => {
    await backupSet();
    await sb.run(['scale-application', 'kfp-db', '2']);
    await settled('kfp-db', 2);
    sb.faults.restoreFails('kfp-db', 'move-back');
    const run = await restore({ applications: 'kfp-db' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/after it had emptied the data directory: "Failed to restore backup \S+"\. The unit is blocked with mysqld down/);
    expect(run.stdout).toContain('restore the same backup into a new application');
    expect(run.stdout).toContain('NOT PUT BACK');
    expect(run.stdout).toContain('juju scale-application -m kubeflow kfp-db 2');
    await settled('kfp-db', 1);
    expect(run.summary).toContain('left at 1, NOT back to 2');
    // A second restore is refused by the pre-flight, not by the charm.
    sb.faults.restoreFails('kfp-db', null);
    const again = await restore({ applications: 'kfp-db' });
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/has units that are not active and idle \(kfp-db\/0 blocked/);
    expect(restoreTasks('kfp-db')).toHaveLength(1);
  });

  test('revision 255: the application is blocked on the S3 path after the restore; the summary gives the command, and it clears it', async () => {
    await backupSet();
    sb.mysql.revision('kfp-db', 255);
    const run = await restore({ applications: 'kfp-db' });
    expect(run.code).toBe(0);
    const command = must(/`(juju config -m kubeflow s3-kfp path=\S+)`/.exec(run.summary)?.[1], 'the command in the summary');
    expect(run.summary).toContain('"Move restored cluster to another S3 repository"');
    await sb.run(command.split(' ').slice(1));
    const status = JSON.parse((await sb.run(['status', 'kfp-db', '--format', 'json'])).stdout);
    expect(status.applications['kfp-db']['application-status'].current).toBe('active');
  });

  test('SIGTERM while scaling down: the scale is put back', async () => {
    await backupSet();
    await sb.run(['scale-application', 'kfp-db', '3']);
    await settled('kfp-db', 3);
    let sent = false;
    const run = await restore({ applications: 'kfp-db' }, (line, child) => {
      if (!sent && line.includes('scaling from 3 to 1 units')) {
        sent = true;
        child.kill('SIGTERM');
      }
    });
    expect(sent).toBe(true);
    expect(run.code).toBe(1);
    expect(restoreTasks()).toEqual([]);
    await settled('kfp-db', 3);
  });

  test.each([
    { phase: 'in the pre-flight', marker: /running list-backups on kfp-db\/0/, restored: {}, scaledDown: false },
    { phase: 'while scaling back', marker: /scaling kfp-db in model kubeflow to 3 units/, restored: { 'kfp-db': true }, scaledDown: true },
    { phase: 'while the rows are counted', marker: /running get-password on kfp-db\/0/, restored: { 'kfp-db': true }, scaledDown: true },
  ])('SIGTERM $phase: the scale is back at 3, row counts unchecked, the summary says what was done', async ({ marker, restored, scaledDown }) => {
    const backups = await backupSet();
    await sb.run(['scale-application', 'kfp-db', '3']);
    await settled('kfp-db', 3);
    const calls = sb.calls().length;
    let sent = false;
    const run = await restore({ applications: 'kfp-db' }, (line, child) => {
      if (!sent && marker.test(line)) {
        sent = true;
        child.kill('SIGTERM');
      }
    });
    expect(sent).toBe(true);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/SIGTERM received/);
    expect(scaleCalls('kfp-db', calls)).toEqual(scaledDown ? ['1', '3'] : []);
    expect(restoreTasks('kfp-db')).toHaveLength(scaledDown ? 1 : 0);
    await settled('kfp-db', 3);
    // put back within the grace; the units then settle on their own
    const deadline = Date.now() + 15_000;
    while (sb.units('kfp-db').some((u) => u.workload.current !== 'active') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(sb.units('kfp-db').map((u) => u.workload.current)).toEqual(['active', 'active', 'active']);
    expect(JSON.parse(run.outputs.restored)).toEqual(Object.fromEntries(Object.keys(restored).map((app) => [app, backups[app].backupId])));
    expect(run.outputs['row-counts-match']).toBe('unchecked');
    expect(run.summary).toMatch(/^## restore-ckf-db: interrupted \(1 of 1 failed\)/m);
  });

  test('SIGTERM while the charm restores: the restore goes on, the scale stays at 1 and the run says how to follow and finish', async () => {
    await backupSet();
    await sb.run(['scale-application', 'kfp-db', '2']);
    await settled('kfp-db', 2);
    sb.faults.slowAction('restore', 60_000);
    let sent = false;
    const run = await restore({ applications: 'kfp-db' }, (line, child) => {
      if (!sent && /restore on kfp-db\/0 is task/.test(line)) {
        sent = true;
        child.kill('SIGTERM');
      }
    });
    expect(sent).toBe(true);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/follow it with juju show-task -m kubeflow \d+/);
    expect(run.stdout).toContain('juju scale-application -m kubeflow kfp-db 2');
    expect(sb.scale('kfp-db')).toBe(1);
    expect(run.outputs.restored).toBe('{}');
  });
});
