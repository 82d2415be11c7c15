// The demo's last part: the ckf-backup workflow, run by the test harness exactly as the runner would
// run its jobs, against the CKF sandbox: a complete backup set is made, recorded and verified;
// then kfp-db, katib-db and MLMD are changed and restored from that set with restore-ckf-db and
// restore-mlmd.
import { execFileSync } from 'node:child_process';
import { listObjects, mlmdRowCounts, readObject, repoRoot, runActionBundle, seedMlpipeline, startCkf } from '../sandbox/index.js';
import { loadHarness } from './harness.js';

const BUCKET = 'ckf-backups';

export async function demoCkfBackup() {
  const { runWorkflow } = await loadHarness();
  const ckf = await startCkf({ dbBytes: 16 * 1024 * 1024, charmBackups: true, timeScale: 0.02 });
  try {
    const seeded = await seedMlpipeline(ckf.minio, 'mlpipeline', { objects: 200 });
    console.log(
      `\n\x1b[1m=== ckf-backup workflow\x1b[0m: kfp-db and katib-db (mysql-k8s), MLMD ${(ckf.db.bytes / 2 ** 20).toFixed(1)} MiB, mlpipeline ${seeded.objects} objects in MinIO` +
        '\n(time is scaled: the emulated charms and units take 50 times less time than real ones to back up, scale and settle)',
    );
    let last = '';
    const run = await runWorkflow({
      workflow: '.github/workflows/ckf-backup.yml',
      repoRoot,
      event: 'workflow_call',
      ...ckf.workflowOptions(),
      github: { repository: 'example/ml-backup-actions', run_id: '1', run_attempt: '1' },
      onLog: ({ job, stepName, stream, line }) => {
        if (stream !== 'stdout' || /^::(debug|add-mask|endgroup)/.test(line) || !line.trim()) return;
        const where = `${job} / ${stepName}`;
        if (where !== last) console.log(`\n-- ${where}`);
        last = where;
        console.log(`   ${line.startsWith('::group::') ? line.slice(9) : line}`);
      },
    });
    console.log('\njobs:', Object.fromEntries(Object.entries(run.jobs).map(([id, j]) => [id, j.result])));
    console.log(`\njob summaries:\n${run.summary}`);
    const id = run.jobs.preflight?.outputs['backup-id'];
    if (run.result !== 'success' || !id) throw new Error(`the ckf-backup workflow ended ${run.result}`);
    const manifest = JSON.parse(String(await readObject(ckf.s3, BUCKET, `manifests/${id}.json`)));
    console.log(`manifest s3://${BUCKET}/manifests/${id}.json: status ${manifest.status}, verification ${manifest.verification?.ok ? 'passed' : 'FAILED'}`);
    const stored = await listObjects(ckf.s3, BUCKET, '');
    console.log(`backup bucket now holds ${stored.length} objects: ${[...new Set(stored.map((o) => o.Path.split('/')[0]))].join(', ')}`);
    await demoRestoreDatabases(ckf, id);
    await demoRestoreMlmd(ckf, id);
  } finally {
    await ckf.stop();
  }
}

/** Rows added and deleted after the backup, then the set's databases restored: the counts come back. */
async function demoRestoreDatabases(ckf, id) {
  const before = { 'kfp-db': ckf.juju.mysql.counts('kfp-db'), 'katib-db': ckf.juju.mysql.counts('katib-db') };
  ckf.juju.mysql.changeRows('kfp-db', { 'mlpipeline.run_details': 6, 'mlpipeline.tasks': -4 });
  ckf.juju.mysql.changeRows('katib-db', { 'katib.observation_logs': 25 });
  console.log(
    `\n\x1b[1m=== restore-ckf-db\x1b[0m: rows changed since set ${id} (kfp-db run_details +6, tasks -4; katib-db observation_logs +25); restoring the set's databases`,
  );
  const run = await runActionBundle(
    'restore-ckf-db',
    {
      manifest: `manifests/${id}.json`,
      's3-bucket': BUCKET,
      's3-endpoint': ckf.s3.endpoint,
      's3-access-key-id': ckf.s3.accessKey,
      's3-secret-access-key': ckf.s3.secretKey,
      kubeconfig: ckf.kube.kubeconfig,
      'poll-interval-seconds': '0.2',
      'progress-interval-seconds': '2',
    },
    { env: ckf.env },
  );
  printRun(run);
  const back = ['kfp-db', 'katib-db'].every((app) => JSON.stringify(ckf.juju.mysql.counts(app)) === JSON.stringify(before[app]));
  console.log(
    `\nrestore-ckf-db exit ${run.code}: restored ${run.outputs.restored}, row-counts-match ${run.outputs['row-counts-match']}; the rows are ${back ? 'as the set recorded them' : 'NOT as the set recorded them'}`,
  );
  if (run.code !== 0 || !back) throw new Error('restore-ckf-db did not bring the set back');
}

/** MLMD rows deleted after the backup, then the set's MLMD database restored through pebble: the rows come back. */
async function demoRestoreMlmd(ckf, id) {
  const before = await mlmdRowCounts(ckf.db.hostPath);
  execFileSync('sqlite3', [ckf.db.hostPath, 'DELETE FROM Artifact WHERE id IN (SELECT id FROM Artifact ORDER BY id DESC LIMIT 9);']);
  console.log(`\n\x1b[1m=== restore-mlmd\x1b[0m: 9 artifacts deleted from MLMD since set ${id}; restoring the set's MLMD database`);
  const run = await runActionBundle(
    'restore-mlmd',
    ckf.backupMlmdInputs({ manifest: `manifests/${id}.json`, 'restore-id': `demo-${id}`, 'progress-interval-seconds': '2' }),
    { env: ckf.env },
  );
  printRun(run);
  const back = JSON.stringify(await mlmdRowCounts(ckf.db.hostPath)) === JSON.stringify(before);
  console.log(
    `\nrestore-mlmd exit ${run.code}: restored sha256 ${run.outputs['restored-sha256']}, writer paused ${run.outputs['writer-paused-seconds']} s, ` +
      `the live database kept at ${run.outputs['pre-restore-url']}; the rows are ${back ? 'as the set recorded them' : 'NOT as the set recorded them'}`,
  );
  if (run.code !== 0 || !back) throw new Error('restore-mlmd did not bring the set back');
}

/** An action's log, without the runner's debug, mask and group-end lines. */
function printRun(run) {
  for (const line of run.stdout.split('\n')) if (line.trim() && !/^::(debug|add-mask|endgroup)/.test(line)) console.log(`   ${line.replace(/^::group::/, '')}`);
}
