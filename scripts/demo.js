// The demo: starts the sandbox (real S3 server processes playing Charmed Kubeflow's MinIO and the
// backup bucket), seeds a realistic mlpipeline bucket, and runs each action's dist bundle exactly
// as the runner would (INPUT_* variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  deleteObject,
  readObject,
  runActionBundle,
  seedMlpipeline,
  startAzureForCml,
  startCdp,
  startCkf,
  startSandbox,
  writeObject,
} from '../sandbox/index.js';
import { demoCkfBackup } from './demo-ckf-backup.js';

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

// backup-cml: the CDP control-plane emulator (a 10-hour backup takes about 4 s here) and its AWS
// Backup endpoint, reached by the action's own CDP client and the AWS SDK.
const cdp = await startCdp({ timeScale: 10_000 });
console.log(
  '\n\x1b[1mtime is scaled from here on\x1b[0m: the CDP and AWS Backup emulators run 10,000 times faster than real, so a 10-hour backup takes about 4 s and "minutes" in the logs are real-world minutes',
);
const azure = await startAzureForCml(cdp.workspace('ml-azure').crn);
const recordDir = mkdtempSync(path.join(os.tmpdir(), 'demo-cml-'));
try {
  const cdpInputs = {
    'cdp-access-key-id': cdp.keys.ed25519.accessKeyId,
    'cdp-private-key': cdp.keys.ed25519.privateKey,
    'cdp-endpoint-url': cdp.endpoint,
  };
  const cml = (action, inputs, env = {}) =>
    runActionBundle(action, { ...cdpInputs, ...inputs }, { env: { ...cdp.awsEnv, HOME: '/nonexistent', RUNNER_TEMP: recordDir, ...env } });
  console.log(`\nCDP emulator ${cdp.endpoint}, AWS Backup ${cdp.awsBackup.endpoint}, EC2 ${cdp.ec2.endpoint}, Azure ARM ${azure.azure.endpoint}`);
  console.log(`CML API v2 of every workspace under ${cdp.cmlApi.endpoint}; upgrade records in ${recordDir}`);
  // The upgrade's first steps on each cloud: back up (recording the original and its projects),
  // restore into an interim workspace, validate it against the record.
  for (const [cloud, ws, side, title] of [
    [
      'aws',
      { 'environment-name': 'cdp-aws-env', 'workspace-name': 'ml-prod', 'tag-disks': 'true' },
      { inputs: {}, env: {} },
      'AWS workspace (tag-disks adds the cluster tag a volume lacks)',
    ],
    [
      'azure',
      { 'environment-name': 'cdp-azure-env', 'workspace-name': 'ml-azure' },
      azure,
      'Azure workspace (snapshot resource group checked, suspended first; the NFS is not in the backup)',
    ],
  ]) {
    const record = path.join(recordDir, `${cloud}-record.json`);
    const apiKey = cdp.cmlApiKey(ws['workspace-name']);
    show(
      `backup-cml: ${title}`,
      await cml('backup-cml', { ...ws, ...side.inputs, 'record-file': record, 'cml-api-key': apiKey, 'progress-interval-minutes': '0.02' }, side.env),
    );
    const restored = await cml('restore-cml', {
      'record-file': record,
      'workspace-name': 'ml-interim',
      'workspace-parameters': '{"usePublicLoadBalancer": false}',
      'progress-interval-minutes': '0.02',
    });
    show(
      `restore-cml: ${cloud === 'aws' ? 'AWS' : 'Azure'}, the backup into the interim workspace ml-interim${cloud === 'azure' ? " (on the original's NFS)" : ''}`,
      restored,
    );
    show(
      `validate-cml: ml-interim against the record (read only; the original's key, which the restore carried over)`,
      await cml('validate-cml', {
        'workspace-crn': restored.outputs['workspace-crn'],
        'record-file': record,
        'expect-url': 'different',
        'original-cml-api-key': apiKey,
      }),
    );
  }
} finally {
  await azure.stop();
  await cdp.stop();
  rmSync(recordDir, { recursive: true, force: true });
}
