import { ActionError, type ActionDefinition, type Status } from '@ml-backup-actions/core';
import { syncMinioClients, type SyncMinioClients, type SyncMinioRun } from './clients.js';
import { readConfig, type SyncMinioConfig } from './config.js';
import type { Sync } from './listing.js';
import { mirror } from './mirror.js';
import { preflight } from './preflight.js';
import { remotesFor } from './remotes.js';
import { newSyncReport, type SyncReport } from './report.js';
import { reachMinio, throughForward } from './source.js';
import { destination, renderSummary, syncOutputs } from './summary.js';
import { verify } from './verify.js';

/**
 * Backup mlpipeline MinIO bucket: sync all files from MinIO to the shared S3 storage. Without
 * minio-endpoint and keys, first the runbook's manual steps: the keys from Juju, and a port-forward
 * to svc/minio (closed again however the run ends).
 */
async function syncMinio(run: SyncMinioRun): Promise<Status | void> {
  const { config, clients, report, step } = run;
  const minio = await step('connect', 'MinIO: keys and endpoint', () => reachMinio(run));
  report.minioVia = minio.via;
  report.minioKeysFrom = minio.keysFrom;
  const sides = remotesFor(config, minio);
  const sync: Sync = { config, sides, rclone: clients.rclone([sides.source, sides.target]), log: run.log, signal: run.signal };

  const survey = await step('pre-flight', 'Pre-flight: rclone, both sides listed, source not wiped', () =>
    throughForward(minio, () => preflight(sync, run.env.RUNNER_DEBUG === '1', report.startedAt)),
  );
  report.archivePrefix = survey.archivePrefix;
  // Set now: a sync that fails after archiving must still say where.
  run.setOutputs({ 'archive-prefix': survey.archivePrefix });

  const what = config.dryRun ? 'Plan (dry run)' : config.mode === 'sync' ? 'Sync' : 'Copy';
  const mirrored = await step(config.dryRun ? 'plan' : config.mode, `${what} minio:${config.minio.bucket} to ${destination(config)}`, () =>
    throughForward(minio, () => mirror(sync, survey, report.transfer)),
  );
  Object.assign(report, mirrored);

  if (config.verify && !config.dryRun) {
    const verified = await step('verify', 'Verify the target against the source', () => throughForward(minio, () => verify(sync, survey, report)));
    report.objectsChecked = verified.objectsChecked;
    report.differences = verified.differences;
    report.verified = verified.verified;
    report.bytesTransferred = verified.bytesTransferred ?? report.bytesTransferred;
    if (verified.problem) throw new ActionError(verified.problem);
  }

  run.setOutputs(syncOutputs(config, report));
  return config.dryRun ? 'checked' : 'succeeded';
}

export const syncMinioAction: ActionDefinition<SyncMinioConfig, SyncMinioClients, SyncReport> = {
  name: 'sync-minio',
  config: readConfig,
  report: (_config, now) => newSyncReport(now),
  clients: syncMinioClients,
  main: syncMinio,
  summary: renderSummary,
  deadline: (config) => ({ minutes: config.timeoutMinutes, stops: 'rclone was stopped' }),
};
