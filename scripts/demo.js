// The demo: starts the sandbox (real S3 server processes playing Charmed Kubeflow's MinIO and the
// backup bucket), seeds a realistic mlpipeline bucket, and runs each action's dist bundle exactly
// as the runner would (INPUT_* variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files).
import { deleteObject, readObject, runActionBundle, seedMlpipeline, startCkf, startSandbox, writeObject } from '../sandbox/index.js';
import { demoCkfBackup } from './demo-ckf-backup.js';
import { demoCmlUpgrade } from './demo-cml-upgrade.js';

const OBJECTS = Number(process.env.DEMO_OBJECTS ?? 600);

/** Prints a run; it must end with exit 0, or (refused: true) with the refusal it is shown for. */
function show(title, run, { refused = false } = {}) {
  console.log(`\n\x1b[1m=== ${title} (exit ${run.code}, ${run.seconds.toFixed(1)} s)\x1b[0m`);
  for (const line of run.stdout.split('\n')) {
    if (!line || line.startsWith('::add-mask::') || line.startsWith('::debug::') || line === '::endgroup::') continue;
    console.log(line.startsWith('::group::') ? `\n-- ${line.slice(9)}` : `   ${line}`);
  }
  if (run.stderr.trim()) console.log(run.stderr);
  console.log('\noutputs:', run.outputs);
  console.log(`\njob summary:\n${run.summary}`);
  if (refused ? run.code === 0 : run.code !== 0) throw new Error(`${title} ${refused ? 'was not refused' : 'failed'}`);
}

const sandbox = await startSandbox();
try {
  console.log(`sandbox: MinIO ${sandbox.minio.endpoint}, backup S3 ${sandbox.s3.endpoint}`);
  const seeded = await seedMlpipeline(sandbox.minio, 'mlpipeline', { objects: OBJECTS, large: 1 });
  console.log(`seeded minio:mlpipeline with ${seeded.objects} objects, ${(seeded.bytes / 2 ** 20).toFixed(1)} MiB (one large model, uploaded in parts)`);

  show('sync-minio: first backup', await runActionBundle('sync-minio', sandbox.syncMinioInputs({ 'progress-interval-seconds': '2' })));
  show('sync-minio: nothing changed', await runActionBundle('sync-minio', sandbox.syncMinioInputs()));

  const [gone, changed] = seeded.files.filter((f) => f.size < 100_000).map((f) => f.key);
  await deleteObject(sandbox.minio, 'mlpipeline', gone);
  await writeObject(sandbox.minio, 'mlpipeline', changed, Buffer.concat([await readObject(sandbox.minio, 'mlpipeline', changed), Buffer.from('\nrerun')]));
  console.log(`\nin MinIO: deleted ${gone}, changed ${changed}`);
  show('sync-minio: dry run', await runActionBundle('sync-minio', sandbox.syncMinioInputs({ 'dry-run': 'true' })));
  show('sync-minio: the old versions are archived, not destroyed', await runActionBundle('sync-minio', sandbox.syncMinioInputs()));
} finally {
  await sandbox.stop();
}

// backup-mlmd: a Kubernetes API emulator with the mlmd-0 pod holding a real MLMD database, the
// juju emulator with kfp-metadata-writer at 2 units, and the backup bucket.
const ckf = await startCkf({ writerScale: 2, dbBytes: 32 * 1024 * 1024 });
try {
  console.log(`\nCKF sandbox: Kubernetes API ${ckf.kube.server}, juju model kubeflow, MLMD database ${(ckf.db.bytes / 2 ** 20).toFixed(1)} MiB`);
  show('backup-mlmd: dry run', await runActionBundle('backup-mlmd', ckf.backupMlmdInputs({ 'dry-run': 'true' }), { env: ckf.env }));
  // A refusal: a pipeline running in a user's profile namespace, which the runbook says to stop first.
  ckf.kube.addObject('workflows', { name: 'train-demo-x7k2p', namespace: 'kubeflow-user-alice', phase: 'Running' });
  show(
    'backup-mlmd: refused while a pipeline runs in a profile namespace (nothing touched)',
    await runActionBundle('backup-mlmd', ckf.backupMlmdInputs(), { env: ckf.env }),
    { refused: true },
  );
  ckf.kube.setPhase('workflows', 'train-demo-x7k2p', 'Succeeded', 'kubeflow-user-alice');
  console.log('\nthe pipeline finished; the backup goes ahead');
  show('backup-mlmd: dump format', await runActionBundle('backup-mlmd', ckf.backupMlmdInputs({ 'progress-interval-seconds': '2' }), { env: ckf.env }));
  show(
    'backup-mlmd: sqlite format',
    await runActionBundle('backup-mlmd', ckf.backupMlmdInputs({ format: 'sqlite', 'backup-id': 'demo-sqlite' }), { env: ckf.env }),
  );
  console.log(`\nkfp-metadata-writer is back at scale ${ckf.juju.scale('kfp-metadata-writer')}`);
} finally {
  await ckf.stop();
}

// The whole control plane at once: the ckf-backup workflow's jobs, in needs order.
await demoCkfBackup();

// The CML upgrade, both clouds: the cml-upgrade workflow's jobs, in needs order, both gates approved by the demo.
await demoCmlUpgrade();
