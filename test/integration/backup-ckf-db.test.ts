// backup-ckf-db end to end, in-process through its main (juju run in-process too) and, for a real
// SIGTERM and bad inputs, as its dist bundle run as the runner runs it, against the juju emulator's
// mysql-k8s (primary and secondaries, create-backup writing the charm's objects to a real S3 server
// through the real rclone, list-backups) and its refusals: the primary, juju's 60 s default wait, a
// failed task that juju reports with exit 0, a backup already in progress.
import { beforeEach, describe, expect, test } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { listObjects, runActionBundle } from '../../sandbox/index.js';
import { backupCkfDbAction } from '../../actions/backup-ckf-db/src/main.js';
import { runInProcess, sandboxJuju, type InProcessChild } from '../support/in-process.js';
import { CHARM_BUCKET, charmBackups, type CharmS3, type CharmSandbox } from '../support/charm-backups.js';
import { must } from '../support/must.js';

const BUCKET = CHARM_BUCKET;
const ID = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const DBS = ['kfp-db', 'katib-db'];

let s3: CharmS3;
let sb: CharmSandbox;
let prefix: string;

// Model time x 0.01: juju's 60 s default wait lasts 0.6 s, a 30 s create-backup 0.3 s.
const charms = charmBackups('backup-ckf-db');
beforeEach(() => {
  ({ s3, sb, prefix } = charms);
});

/** In-process, or the bundle with bundle: true. */
function backup(inputs: Record<string, string> = {}, onLine?: (line: string, child: ChildProcess | InProcessChild) => void, bundle = false) {
  const all = { 'backup-id': 'set-1', 'poll-interval-seconds': '0.1', 'progress-interval-seconds': '1', 'scale-timeout-minutes': '0.5', ...inputs };
  const options = { env: sb.env, timeoutMs: 60_000, onLine };
  return bundle
    ? runActionBundle('backup-ckf-db', all, options)
    : runInProcess(backupCkfDbAction, all, { ...options, clients: (config, context) => ({ juju: sandboxJuju(config.jujuModel, context) }) });
}

const backupTasks = (app: string) => sb.tasks().filter((t) => t.action === 'create-backup' && t.app === app);
const runCalls = () => sb.calls().filter((c) => c.argv[0] === 'run');
const scaleCalls = () => sb.calls().filter((c) => c.argv[0] === 'scale-application');

async function expectScale(app: string, scale: number) {
  expect(sb.scale(app)).toBe(scale);
  const deadline = Date.now() + 5000;
  while (sb.units(app).length !== scale && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(sb.units(app)).toHaveLength(scale);
}

async function charmObjects(app: string, id: string) {
  const keys = (await listObjects(s3, BUCKET, `${prefix}/${app}/`)).map((o: { Path: string }) => `${prefix}/${app}/${o.Path}`);
  return keys.filter((k: string) => k.includes(id)).sort();
}

describe('backup-ckf-db', () => {
  test('both databases: scaled to 2, backed up on the secondary past juju 60 s default wait, confirmed, scaled back', async () => {
    sb.faults.slowAction('create-backup', 90_000); // beyond juju run's 60 s default wait
    const result = await backup();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    const ids = JSON.parse(result.outputs['backup-ids']);
    expect(Object.keys(ids).sort()).toEqual([...DBS].sort());
    for (const app of DBS) {
      expect(ids[app]).toMatch(ID);
      expect(result.outputs[`${app}-backup-id`]).toBe(ids[app]);
      const tasks = backupTasks(app);
      expect(tasks).toHaveLength(1);
      expect(tasks[0]).toMatchObject({ unit: `${app}/1`, phase: 'completed', results: { 'backup-id': ids[app] } });
      expect(await charmObjects(app, ids[app])).toEqual([
        `${prefix}/${app}/${ids[app]}.backup.log`,
        `${prefix}/${app}/${ids[app]}.md5`,
        `${prefix}/${app}/${ids[app]}.metadata`,
        `${prefix}/${app}/${ids[app]}/ibdata1.00000000000000000000`,
      ]);
      await expectScale(app, 1);
      expect(
        scaleCalls()
          .filter((c) => c.argv.includes(app))
          .map((c) => c.argv.slice(-1)[0]),
      ).toEqual(['2', '1']);
    }
    expect(JSON.parse(result.outputs['s3-locations'])).toMatchObject({
      'kfp-db': { integrator: 's3-kfp', bucket: BUCKET, path: `${prefix}/kfp-db`, endpoint: s3.endpoint },
    });
    expect(result.outputs['backup-id']).toBe('set-1');
    // Every create-backup went through --background and show-task, never juju run's default wait.
    const creates = runCalls().filter((c) => c.argv.includes('create-backup'));
    expect(creates).toHaveLength(2);
    for (const c of creates) expect(c.argv).toContain('--background');
    expect(result.stdout).toMatch(/\[kfp-db\] .*create-backup on kfp-db\/1 is task \d+/);
    expect(result.summary).toMatch(/\| kfp-db \| succeeded \|/);
    expect(result.summary).toMatch(/\| katib-db \| succeeded \|/);
    expect(result.summary).toContain('1 → 2, back to 1');

    // What a restore is checked against: cluster name, revision and COUNT(*) per table, read as
    // serverconfig on the unit that took the backup; its password masked and never on argv.
    const facts = JSON.parse(result.outputs.databases);
    for (const app of DBS) {
      const status = JSON.parse((await sb.run(['status', app, '--format', 'json'])).stdout);
      expect(facts[app]).toMatchObject({
        backupId: ids[app],
        charmRevision: status.applications[app]['charm-rev'],
        bucket: BUCKET,
        path: `${prefix}/${app}`,
        rowCounts: sb.mysql.counts(app),
        rowCountsExact: true,
        unit: `${app}/1`,
      });
      expect(facts[app].clusterName).toMatch(/^cluster-[0-9a-f]+$/);
      expect(Date.parse(facts[app].countedAt)).toBeGreaterThan(0);
      const password = sb.mysql.password(app, 'serverconfig');
      expect(result.stdout).toContain(`::add-mask::${password}`);
      expect(result.stdout.split(`::add-mask::${password}`).join('')).not.toContain(password);
      expect(sb.calls().some((c) => c.argv.join(' ').includes(password))).toBe(false);
    }
    expect(facts['kfp-db'].rowCounts.mlpipeline.run_details).toBe(12);
    expect(facts['katib-db'].rowCounts.katib.observation_logs).toBe(40);
  });

  test('rows written while the backup runs: the counts after it are recorded, not as exact, with a warning', async () => {
    sb.faults.slowAction('create-backup', 3_000);
    const pending = backup({ applications: 'kfp-db' });
    while (!backupTasks('kfp-db').length) await new Promise((r) => setTimeout(r, 50));
    sb.mysql.changeRows('kfp-db', { 'mlpipeline.run_details': 2 });
    const result = await pending;
    expect(result.code).toBe(0);
    const facts = JSON.parse(result.outputs.databases)['kfp-db'];
    expect(facts.rowCountsExact).toBe(false);
    expect(facts.rowCounts.mlpipeline.run_details).toBe(14);
    expect(result.stdout).toMatch(/::warning::\[kfp-db\] rows changed while the backup ran \(mlpipeline\.run_details: 12 -> 14\)/);
  });

  test('rows that cannot be counted are a warning, and the backup still stands', async () => {
    sb.faults.sshFails('katib-db');
    const result = await backup({ applications: 'katib-db' });
    expect(result.code).toBe(0);
    const facts = JSON.parse(result.outputs.databases)['katib-db'];
    expect(facts.backupId).toMatch(ID);
    expect(facts.rowCounts).toBeUndefined();
    expect(result.stdout).toMatch(
      /::warning::\[katib-db\] could not count rows as serverconfig on katib-db\/\d: .*a restore of this backup cannot check its row counts/,
    );
  });

  test('with three units nothing is scaled, and the backup runs on a secondary, not the primary', async () => {
    for (const app of DBS) {
      await sb.run(['scale-application', app, '3']);
    }
    await new Promise((r) => setTimeout(r, 800));
    sb.mysql.setPrimary('kfp-db/1');
    const before = scaleCalls().length;
    const result = await backup();
    expect(result.code).toBe(0);
    expect(scaleCalls()).toHaveLength(before);
    expect(backupTasks('kfp-db').map((t) => t.unit)).toEqual(['kfp-db/0']);
    expect(backupTasks('katib-db').map((t) => t.unit)).toEqual(['katib-db/1']);
  });

  test('the charm refuses the primary (a switchover after the unit was chosen): another unit is chosen, nothing run twice on the same unit', async () => {
    sb.faults.switchoverOnBackup('kfp-db');
    const result = await backup({ applications: 'kfp-db' });
    expect(result.code).toBe(0);
    const tasks = backupTasks('kfp-db');
    expect(tasks.map((t) => [t.unit, t.phase])).toEqual([
      ['kfp-db/1', 'failed'],
      ['kfp-db/0', 'completed'],
    ]);
    expect(tasks[0].message).toBe('Unit cannot perform backups as it is the cluster primary');
    expect(JSON.parse(result.outputs['backup-ids'])).toEqual({ 'kfp-db': must(tasks[1]?.results, "the second create-backup's results")['backup-id'] });
    expect(result.stdout).toMatch(/kfp-db\/1 became the primary before create-backup started/);
    await expectScale('kfp-db', 1);
  });

  test("a failed task (status failed, juju exits 0) fails that database with the charm's message; the other still succeeds", async () => {
    sb.faults.createBackupFails('Error backing up the database', { app: 'kfp-db' });
    const result = await backup();
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/kfp-db failed during create-backup: create-backup on kfp-db\/1 ended failed \(task \d+\): Error backing up the database/);
    expect(result.stdout).toMatch(/katib-db succeeded \(backup-id \d{4}-/);
    const ids = JSON.parse(result.outputs['backup-ids']);
    expect(Object.keys(ids)).toEqual(['katib-db']);
    expect(result.outputs['katib-db-backup-id']).toBe(ids['katib-db']);
    expect(result.outputs['kfp-db-backup-id']).toBeUndefined();
    expect(result.outputs.error).toMatch(/^kfp-db failed during create-backup: .*Error backing up the database/);
    expect(backupTasks('kfp-db')).toHaveLength(1);
    for (const app of DBS) await expectScale(app, 1);
    expect(result.summary).toMatch(/\| kfp-db \| failed during create-backup: .*Error backing up the database/);
  });

  test('a backup already in progress is never joined by a second one', async () => {
    sb.faults.backupNeverFinishes('katib-db/0');
    const started = await sb.run(['run', 'katib-db/0', 'create-backup', '--background']);
    expect(started.code).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    const result = await backup();
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/katib-db failed during pre-flight: a create-backup is already running on katib-db\/0/);
    expect(backupTasks('katib-db')).toHaveLength(1);
    expect(scaleCalls().filter((c) => c.argv.includes('katib-db'))).toHaveLength(0);
    expect(JSON.parse(result.outputs['backup-ids'])).toEqual({ 'kfp-db': expect.stringMatching(ID) });
  });

  test('a create-backup that outlasts action-timeout-minutes is polled, not run again, and the scale stays up while it runs, with the command', async () => {
    sb.faults.backupNeverFinishes('kfp-db');
    const result = await backup({ applications: 'kfp-db', 'action-timeout-minutes': '0.1' });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /the task was not cancelled and may still be running: check "juju show-task -m kubeflow \d+", and do not start create-backup again/,
    );
    expect(backupTasks('kfp-db')).toHaveLength(1);
    expect(sb.calls().filter((c) => c.argv[0] === 'show-task').length).toBeGreaterThan(3);
    // Scaling down could remove the unit that writes the backup: kfp-db stays at 2, and says how to go back.
    await expectScale('kfp-db', 2);
    expect(result.outputs.error).toMatch(/NOT PUT BACK; once the task has ended, run: juju scale-application -m kubeflow kfp-db 1/);
    expect(result.summary).toMatch(/left there, NOT back to 1/);
    expect(result.summary).toMatch(
      /Charm backups not confirmed: kfp-db: create-backup is still running: task \d+ on kfp-db\/\d was running when the run stopped, so a charm backup may be half-written in s3:\/\/charm-backups\/run\d+\/kfp-db\//,
    );
  });

  test('list-backups showing the id failed is not a success', async () => {
    sb.faults.listBackups('*', 'failed');
    const result = await backup({ applications: 'kfp-db' });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/kfp-db failed during list-backups: create-backup reported success but list-backups shows backup \S+ as failed/);
    expect(result.outputs['backup-ids']).toBe('{}');
    await expectScale('kfp-db', 1);
  });

  test('a rerun with earlier-backup-ids reuses a backup listed finished, makes a new one for one failed or not listed, refuses one in progress', async () => {
    const first = await backup();
    expect(first.code).toBe(0);
    const ids = JSON.parse(first.outputs['backup-ids']);
    const gone = '2020-01-01T00:00:00Z';
    const second = await backup({ 'earlier-backup-ids': JSON.stringify({ 'kfp-db': ids['kfp-db'], 'katib-db': gone }) });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(
      `kfp-db: backup-id ${ids['kfp-db']}, made by an earlier run of this backup set, is listed as finished in s3://${BUCKET}/${prefix}/kfp-db/ at ${s3.endpoint} (through s3-kfp): reused, no new backup made`,
    );
    expect(second.stdout).toContain(`katib-db: backup-id ${gone} from an earlier run of this backup set is not listed in s3://${BUCKET}/${prefix}/katib-db/`);
    expect(second.stdout).toContain('not reused, a new backup is made');
    expect(backupTasks('kfp-db')).toHaveLength(1);
    expect(backupTasks('katib-db')).toHaveLength(2);
    expect(JSON.parse(second.outputs['backup-ids'])).toEqual({ 'kfp-db': ids['kfp-db'], 'katib-db': backupTasks('katib-db')[1].results?.['backup-id'] });
    expect(second.summary).toMatch(/\| kfp-db \| succeeded \| \S+ \(finished\), reused from an earlier run of the set \|/);
    // The reused database is not scaled: its two scale calls are the first run's.
    expect(scaleCalls().filter((c) => c.argv.includes('kfp-db'))).toHaveLength(2);

    const only = { applications: 'kfp-db', 'earlier-backup-ids': JSON.stringify({ 'kfp-db': ids['kfp-db'] }) };
    sb.faults.listBackups(ids['kfp-db'], 'in progress');
    const refused = await backup(only);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/backup-id \S+, made by an earlier run of this backup set, is listed as in progress in .*: wait for it to end/);
    expect(backupTasks('kfp-db')).toHaveLength(1);
    sb.faults.listBackups(ids['kfp-db'], 'failed');
    const remade = await backup(only);
    expect(remade.stdout).toContain(`kfp-db: backup-id ${ids['kfp-db']} from an earlier run of this backup set is listed as failed`);
    expect(backupTasks('kfp-db')).toHaveLength(2);
  });

  test('SIGTERM during a create-backup that does not end within the grace: both scales stay up, named with the command, before exit', async () => {
    sb.faults.slowAction('create-backup', 2_000_000);
    let signalled = 0;
    let tasks = 0;
    const bundle = true;
    const result = await backup(
      {},
      (line, child) => {
        // Once both tasks are known: until juju gives its id, a task may not have been scheduled.
        if (/create-backup on \S+ is task/.test(line)) tasks++;
        if (!signalled && tasks === 2) {
          signalled = Date.now();
          child.kill('SIGTERM');
        }
      },
      bundle,
    );
    expect(signalled).toBeGreaterThan(0);
    expect(result.code).toBe(1);
    expect(Date.now() - signalled).toBeLessThan(7500);
    for (const app of DBS) expect(sb.scale(app)).toBe(2);
    expect(result.summary).toMatch(/interrupted/);
    expect(result.stdout).toMatch(/SIGTERM received/);
    for (const app of DBS) {
      expect(result.stdout).toContain(`NOT PUT BACK; once the task has ended, run: juju scale-application -m kubeflow ${app} 1`);
      expect(result.summary).toMatch(
        new RegExp(`${app}: create-backup is still running: task \\d+ on ${app}/\\d was running when the run stopped, so a charm backup may be half-written`),
      );
    }
  });

  test('SIGTERM during a create-backup that ends within the grace: it is waited for, both scales go back, the backup is named unconfirmed', async () => {
    // 1.5 s of real time: within the 4.5 s (half of the 9 s grace) the run gives it.
    sb.faults.slowAction('create-backup', 150_000);
    let signalled = 0;
    const result = await backup({}, (line, child) => {
      if (!signalled && /create-backup on \S+ is task/.test(line)) {
        signalled = Date.now();
        child.kill('SIGTERM');
      }
    });
    expect(signalled).toBeGreaterThan(0);
    expect(result.code).toBe(1);
    expect(Date.now() - signalled).toBeLessThan(7500);
    for (const app of DBS) await expectScale(app, 1);
    expect(result.summary).toMatch(/interrupted/);
    expect(result.summary).toMatch(
      /create-backup task \d+ on \S+ completed after the run stopped; its backup-id \d{4}-\S+Z in s3:\/\/charm-backups\/\S+ at \S+ \(through s3-\w+\) was not confirmed with list-backups/,
    );
    expect(result.outputs['backup-ids']).toBe('{}');
  });

  test('SIGTERM while list-backups has not shown the backup: the scale goes back at once (the task has ended), and the summary says which backup-id to check', async () => {
    sb.faults.listBackups('*', 'omit');
    let signalled = 0;
    const result = await backup({ applications: 'kfp-db' }, (line, child) => {
      if (!signalled && /returned backup-id/.test(line)) {
        signalled = Date.now();
        child.kill('SIGTERM');
      }
    });
    expect(signalled).toBeGreaterThan(0);
    expect(result.code).toBe(1);
    await expectScale('kfp-db', 1);
    expect(result.summary).toMatch(
      /kfp-db: create-backup completed with backup-id \d{4}-\S+Z, but list-backups had not shown it finished in s3:\/\/charm-backups\/run\d+\/kfp-db\/ .*\(check: juju run -m kubeflow kfp-db\/leader list-backups\)/,
    );
  });

  test('a scale-back that takes 7 s to answer is waited for, not cut short: both databases back at 1', async () => {
    let slowed = false;
    const result = await backup({}, (line) => {
      if (!slowed && /create-backup on \S+ is task/.test(line)) {
        slowed = true;
        sb.faults.slow(7000, 'scale-application');
      }
    });
    expect(slowed).toBe(true);
    expect(result.code).toBe(0);
    for (const app of DBS) await expectScale(app, 1);
    expect(
      scaleCalls()
        .map((c) => c.argv.slice(-2).join(' '))
        .sort(),
    ).toEqual(['katib-db 1', 'katib-db 2', 'kfp-db 1', 'kfp-db 2']);
  });

  test('a scale-back that always fails: the other database goes back, the error names the command for the one that did not', async () => {
    let failing = false;
    const result = await runInProcess(
      backupCkfDbAction,
      { 'backup-id': 'set-1', 'poll-interval-seconds': '0.1', 'progress-interval-seconds': '1', 'scale-timeout-minutes': '0.5' },
      {
        env: sb.env,
        timeoutMs: 60_000,
        putBackMs: 3000,
        clients: (config, context) => ({ juju: sandboxJuju(config.jujuModel, context) }),
        onLine: (line) => {
          if (!failing && /create-backup on \S+ is task/.test(line)) {
            failing = true;
            sb.faults.failScale('kfp-db', 'the controller refused');
          }
        },
      },
    );
    expect(result.code).toBe(1);
    await expectScale('katib-db', 1);
    expect(sb.scale('kfp-db')).toBe(2);
    expect(result.stdout).toMatch(/NOT PUT BACK; run: juju scale-application -m \S+ kfp-db 1/);
    expect(result.outputs.error).toMatch(/juju scale-application -m \S+ kfp-db 1/);
    expect(result.summary).toMatch(/NOT back to 1/);
  });

  test('force is passed only where the charm declares it', async () => {
    sb.mysql.declareForce('kfp-db');
    const dry = await backup({ force: 'true', 'dry-run': 'true' });
    expect(dry.stdout).toMatch(/\[kfp-db\] kfp-db: would scale to 2, run create-backup with force=true on/);
    expect(dry.stdout).toMatch(/\[katib-db\] katib-db: would scale to 2, run create-backup on/);
    const result = await backup({ force: 'true' });
    expect(result.code).toBe(0);
    const creates = runCalls().filter((c) => c.argv.includes('create-backup'));
    expect(
      must(
        creates.find((c) => c.argv.includes('kfp-db/1')),
        'the create-backup call on kfp-db/1',
      ).argv,
    ).toContain('force=true');
    expect(
      must(
        creates.find((c) => c.argv.includes('katib-db/1')),
        'the create-backup call on katib-db/1',
      ).argv,
    ).not.toContain('force=true');
    expect(result.stdout).toMatch(/::warning::\[katib-db\] force is not passed to create-backup: revision \d+ of the charm does not declare it/);
  });

  test('an unhealthy cluster refusal explains what to do', async () => {
    sb.mysql.declareForce('kfp-db');
    const result = await backup({ applications: 'kfp-db' });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /Cluster is not in a healthy state; see .*\. The charm checks cluster health before a backup; with 2 units MySQL reports OK_NO_TOLERANCE/,
    );
    await expectScale('kfp-db', 1);
  });

  test('dry run: every check, the unit that would be used, and no change', async () => {
    const result = await backup({ 'dry-run': 'true' });
    expect(result.code).toBe(0);
    expect(scaleCalls()).toHaveLength(0);
    expect(runCalls().filter((c) => c.argv.includes('create-backup'))).toHaveLength(0);
    expect(result.stdout).toMatch(
      /\[kfp-db\] kfp-db: would scale to 2, run create-backup on an ONLINE secondary \(primary now: kfp-db\/0\), then scale back to 1/,
    );
    expect(result.outputs['backup-ids']).toBe('{}');
  });

  test('a database without its s3-integrator relation is refused before anything changes', async () => {
    sb.s3.unrelate('katib-db');
    const result = await backup({ 'dry-run': 'true' });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/katib-db failed during pre-flight: "katib-db" in model "kubeflow" has no relation on s3-parameters/);
  });

  test('bad inputs are named before juju is called', async () => {
    const result = await backup(
      { applications: 'kfp-db,,KFP_DB,kfp-db', 'action-timeout-minutes': '0', force: 'yes', 'earlier-backup-ids': '{"kfp-db":"yesterday"}' },
      undefined,
      true,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("Input 'applications' must be a comma- or newline-separated list of mysql-k8s applications");
    expect(result.stdout).toContain('not valid: "KFP_DB"');
    expect(result.stdout).toContain("Input 'action-timeout-minutes' must be a number from 0.1 to 1440");
    expect(result.stdout).toContain("Input 'force' must be true or false");
    expect(result.stdout).toContain(`Input 'earlier-backup-ids' must be a JSON object of application to the charm's backup-id`);
    expect(result.stdout).toContain('not valid: "kfp-db": "yesterday"');
    expect(sb.calls()).toHaveLength(0);
  });
});
