// The ckf-backup workflow end to end: the harness reads .github/workflows/ckf-backup.yml, resolves
// needs, job outputs and expressions with GitHub's own evaluator, and runs each step's action bundle
// as the runner would, against the CKF sandbox (Kubernetes API and juju emulators, mysql-k8s
// create-backup writing to a real S3 server, a real MLMD database, MinIO behind a port-forward).
import { describe, expect, jest, test } from '@jest/globals';
import { listObjects, writeObject } from '../../sandbox/index.js';
import { settle } from '../support/settle.js';
import {
  ALL_SUCCEEDED,
  BUCKET,
  JOBS,
  expectScalesBack,
  jobResults,
  keys,
  logOf,
  manifestOf,
  sandbox,
  stopSandboxesAfterEach,
  validate,
  workflow,
} from '../support/ckf-workflow.js';

// A workflow run is several action bundles one after the other; a loaded machine needs the room.
jest.setTimeout(300_000);
stopSandboxesAfterEach();

describe('ckf-backup workflow', () => {
  test('a complete backup set: every job in order, one backup-id, a complete manifest that verify passes', async () => {
    const ckf = await sandbox();
    const run = await workflow(ckf);
    for (const [id, job] of Object.entries(run.jobs)) if (job.result === 'failure') console.log(id, logOf(run, id).slice(-3000));
    expect(jobResults(run)).toEqual(ALL_SUCCEEDED);
    expect(run.order).toEqual(JOBS);
    expect(run.jobs['retention-plan'].outputs.deleted).toBe('[]');

    const id = run.jobs.preflight.outputs['backup-id'];
    expect(id).toMatch(/^\d{8}T\d{6}Z$/);
    const m = await manifestOf(ckf, id);
    expect(validate(m) ? [] : validate.errors).toEqual([]);
    expect(m).toMatchObject({ backupId: id, status: 'complete', model: 'kubeflow', verification: { ok: true } });
    expect(m.run).toMatchObject({ repository: 'example/ml-backup-actions', runId: '4242' });
    // One backup-id across the components: in the MLMD object's name and the mirror's archive prefix.
    expect(m.components.mlmd.object.key).toBe(`mlmd/mlmd-${id}.dump.gz`);
    const inMinio = await listObjects(ckf.minio, 'mlpipeline', '');
    expect(m.components.mlpipeline).toMatchObject({
      status: 'complete',
      prefix: 'mlpipeline',
      objects: inMinio.length,
      archivePrefix: `mlpipeline.archive/${id}`,
    });
    for (const app of ['kfp-db', 'katib-db']) {
      const charm = m.components.databases.backups[app];
      expect(charm.backupId).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(await keys(ckf)).toContain(`mysql/${app}/${charm.backupId}.md5`);
      // Manifest version 2: what a restore is checked against.
      expect(charm).toMatchObject({ rowCounts: ckf.juju.mysql.counts(app), rowCountsExact: true, path: `mysql/${app}` });
      expect(charm.clusterName).toMatch(/^cluster-/);
      expect(charm.charmRevision).toEqual(expect.any(Number));
    }
    expect(m.manifestVersion).toBe(2);
    expect(m.verification.checks.map((c: { what: string }) => c.what).sort()).toEqual([
      'MLMD object',
      'MLMD sidecar',
      'katib-db charm backup',
      'kfp-db charm backup',
      'mlpipeline mirror',
      'set status',
    ]);
    expectScalesBack(ckf);

    // The summary shows the whole set in one table and the chain as a mermaid diagram.
    expect(run.summary).toMatch(/\| ML Metadata \| ✅ complete \|/);
    expect(run.summary).toContain('```mermaid');
    expect(run.summary).toMatch(/verify<br\/>passed/);
  });

  test('a database failing leaves the set incomplete, says which component and why, scales back, deletes nothing', async () => {
    const ckf = await sandbox();
    await writeObject(ckf.s3, BUCKET, 'manifests/20200101T000000Z.json', '{"kind":"someone else\'s"}');
    const before = await keys(ckf);
    ckf.juju.faults.createBackupFails('Error backing up the database', { app: 'kfp-db' });
    const run = await workflow(ckf);
    expect(jobResults(run)).toMatchObject({
      preflight: 'success',
      databases: 'failure',
      mlmd: 'success',
      mlpipeline: 'success',
      manifest: 'failure',
      verify: 'skipped',
      retention: 'skipped',
    });
    const id = run.jobs.preflight.outputs['backup-id'];
    const m = await manifestOf(ckf, id);
    expect(validate(m) ? [] : validate.errors).toEqual([]);
    expect(m.status).toBe('incomplete');
    expect(m.components.databases).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^kfp-db failed during create-backup: .*Error backing up the database/),
    });
    expect(logOf(run, 'manifest')).toMatch(/backup set \S+ is incomplete: databases failed \(kfp-db failed during create-backup/);
    expectScalesBack(ckf);
    const after = await keys(ckf);
    for (const key of before) expect(after).toContain(key);

    // "Re-run failed jobs" (same backup-id): kfp-db's backup is made; katib-db's, made by the first attempt, is reused.
    ckf.juju.faults.clear();
    const made = (app: string) => ckf.juju.tasks().filter((t) => t.app === app && t.action === 'create-backup' && t.phase === 'completed');
    expect(made('katib-db')).toHaveLength(1);
    const rerun = await workflow(ckf, { rerunFailedOf: run, github: { repository: 'example/ml-backup-actions', run_id: '4242', run_attempt: '2' } });
    expect(jobResults(rerun)).toEqual(ALL_SUCCEEDED);
    expect(rerun.jobs.preflight.notes).toContain('kept from the earlier attempt (Re-run failed jobs)');
    expect(logOf(rerun, 'databases')).toMatch(
      /katib-db: backup-id \S+, made by an earlier run of this backup set, is listed as finished in .*: reused, no new backup made/,
    );
    expect(made('katib-db')).toHaveLength(1);
    expect(made('kfp-db')).toHaveLength(1);
    const again = await manifestOf(ckf, id);
    expect(again.status).toBe('complete');
    expect(again.components.databases.backups['katib-db'].backupId).toBe(m.components.databases.backups['katib-db'].backupId);
    expect(again.components.databases.backups['kfp-db'].backupId).toBe(made('kfp-db')[0].results?.['backup-id']);
    expectScalesBack(ckf);
  });

  test("a pipeline running in a user's profile namespace stops the nightly run; the actions' settings reach them (a dry run)", async () => {
    const ckf = await sandbox();
    // Multi-user Kubeflow: the run is in the profile's namespace, not in the model's.
    ckf.kube.addObject('workflows', { name: 'nightly-abc12', namespace: 'kubeflow-user-alice', phase: 'Running' });
    const refused = await workflow(ckf);
    expect(jobResults(refused)).toMatchObject({ preflight: 'failure', databases: 'skipped', mlmd: 'skipped', mlpipeline: 'skipped' });
    expect(logOf(refused, 'preflight')).toContain(
      '::error::backup-mlmd failed: 1 workload is running (Argo Workflow kubeflow-user-alice/nightly-abc12; all namespaces checked: 1 running; workflows or experiments exist in kubeflow-user-alice)',
    );
    expect(await keys(ckf)).toEqual([]);
    const run = await workflow(ckf, {
      inputs: {
        's3-bucket': BUCKET,
        's3-endpoint': ckf.s3.endpoint,
        'dry-run': true,
        applications: 'kfp-db',
        force: 'true',
        'scale-up': 'false',
        'ignore-running-workloads': 'true',
      },
    });
    expect(run.jobs.preflight.result).toBe('success');
    const log = logOf(run, 'preflight');
    expect(log).toMatch(
      /::warning::backing up while 1 workload is running \(ignore-running-workloads is true\): Argo Workflow kubeflow-user-alice\/nightly-abc12/,
    );
    // force reached the action: this revision of the charm does not declare it, and the action says so.
    expect(log).toMatch(/force is not passed to create-backup: revision 210 of the charm does not declare it/);
    expect(log).toMatch(/kfp-db: would run create-backup on kfp-db\/0/);
    expect(log).not.toMatch(/katib-db: .*revision/);
    expect(log).not.toMatch(/kfp-db: would scale to 2/);
    expect(ckf.juju.scale('kfp-db')).toBe(1);
  });

  test('cancelled while MLMD is being taken: the writer is back, the set says incomplete, nothing deleted', async () => {
    const ckf = await sandbox();
    const before = await keys(ckf);
    const run = await workflow(ckf, { cancelWhen: { job: 'mlmd', step: 'backup', line: /scaling kfp-metadata-writer from 1 to 0/ } });
    expect(run.result).toBe('cancelled');
    expect(jobResults(run)).toMatchObject({
      preflight: 'success',
      databases: 'success',
      mlmd: 'cancelled',
      manifest: 'failure',
      verify: 'skipped',
      retention: 'skipped',
    });
    expect(['skipped', 'cancelled']).toContain(run.jobs.mlpipeline.result);
    const m = await manifestOf(ckf, run.jobs.preflight.outputs['backup-id']);
    expect(validate(m) ? [] : validate.errors).toEqual([]);
    expect(m).toMatchObject({ status: 'incomplete', components: { databases: { status: 'complete' }, mlmd: { status: 'cancelled' } } });
    expect(logOf(run, 'mlmd')).toMatch(/SIGINT received/);
    expectScalesBack(ckf);
    const after = await keys(ckf);
    for (const key of before) expect(after).toContain(key);
  });
  test('cancelled while mlpipeline is mirrored: the port-forward is closed, the set says incomplete, nothing deleted', async () => {
    const ckf = await sandbox();
    const before = await keys(ckf);
    const run = await workflow(ckf, { cancelWhen: { job: 'mlpipeline', step: 'sync', line: /port-forward open/ } });
    expect(run.result).toBe('cancelled');
    expect(jobResults(run)).toMatchObject({
      databases: 'success',
      mlmd: 'success',
      mlpipeline: 'cancelled',
      manifest: 'failure',
      verify: 'skipped',
      retention: 'skipped',
    });
    const m = await manifestOf(ckf, run.jobs.preflight.outputs['backup-id']);
    expect(m).toMatchObject({
      status: 'incomplete',
      components: { databases: { status: 'complete' }, mlmd: { status: 'complete' }, mlpipeline: { status: 'cancelled' } },
    });
    expect(await settle(() => ckf.kube.activePortForwards, 0)).toBe(0);
    expectScalesBack(ckf);
    const after = await keys(ckf);
    for (const key of before) expect(after).toContain(key);
  });
});
