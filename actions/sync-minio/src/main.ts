import { CancelledError, errorMessage, runAction, setErrorOutput, setOutputs, withDeadline, type RunContext } from '@ml-backup-actions/core';
import { Rclone } from '@ml-backup-actions/rclone';
import { readConfig, type SyncMinioConfig } from './config.js';
import { mirror } from './mirror.js';
import { preflight } from './preflight.js';
import { remotesFor } from './remotes.js';
import { newReport, type SyncReport } from './report.js';
import { reachMinio, throughForward } from './source.js';
import { destination, renderSummary } from './summary.js';
import { verify } from './verify.js';

/**
 * Backup mlpipeline MinIO bucket: sync all files from MinIO to the shared S3 storage. Without
 * minio-endpoint and keys, first the runbook's manual steps: the keys from Juju, and a port-forward
 * to svc/minio (closed again however the run ends).
 */
export async function syncMinio({ signal: cancelled, log, defer }: RunContext): Promise<void> {
  const config = readConfig();
  const report = newReport();
  const signal = withDeadline(cancelled, config.timeoutMinutes, defer, 'rclone was stopped');
  defer('job summary', (failure) => finish(config, report, failure, log));

  report.phase = 'connect';
  const minio = await log.group('MinIO: keys and endpoint', () => reachMinio(config, { log, signal, defer }));
  report.minioVia = minio.via;
  report.minioKeysFrom = minio.keysFrom;
  report.phase = 'pre-flight';

  const sides = remotesFor(config, minio);
  const rclone = new Rclone({ remotes: [sides.source, sides.target], log });

  const survey = await log.group('Pre-flight: rclone, both sides listed, source not wiped', () =>
    throughForward(minio, () => preflight(config, rclone, sides, log, signal)),
  );

  report.phase = config.dryRun ? 'plan' : config.mode;
  await log.group(`${config.dryRun ? 'Plan (dry run)' : config.mode === 'sync' ? 'Sync' : 'Copy'} minio:${config.minio.bucket} to ${destination(config)}`, () =>
    throughForward(minio, () => mirror(config, rclone, sides, survey, report, log, signal)),
  );

  if (config.verify && !config.dryRun) {
    report.phase = 'verify';
    await log.group('Verify the target against the source', () => throughForward(minio, () => verify(config, rclone, sides, survey, report, log, signal)));
  }

  report.status = config.dryRun ? 'planned' : 'succeeded';
  const plan = report.plan;
  setOutputs({
    'objects-transferred': plan ? plan.copy : report.objectsTransferred,
    'bytes-transferred': plan ? plan.copyBytes : report.bytesTransferred,
    'objects-archived': plan ? plan.replace + plan.remove : report.objectsArchived,
    'objects-checked': report.objectsChecked,
    verified: report.verified,
    destination: destination(config),
    'duration-seconds': Math.round((Date.now() - report.startedAt) / 1000),
  });
}

async function finish(config: SyncMinioConfig, report: SyncReport, failure: unknown, log: RunContext['log']): Promise<void> {
  if (failure) {
    report.status = failure instanceof CancelledError ? 'interrupted' : 'failed';
    report.error = errorMessage(failure);
  }
  setErrorOutput(failure);
  const summary = renderSummary(config, report);
  if (!(await summary.write())) log.debug(summary.text());
}

export const run = (): Promise<number> => runAction('sync-minio', syncMinio);
