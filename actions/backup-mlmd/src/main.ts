import path from 'node:path';
import { allOrNothing, type ActionDefinition, type Status } from '@ml-backup-actions/core';
import { checkCopy, foldWal } from './check.js';
import { backupMlmdClients, type BackupMlmdClients, type BackupMlmdRun } from './clients.js';
import { compress } from './compress.js';
import { objectNames, readConfig, type BackupMlmdConfig } from './config.js';
import { preflight } from './preflight.js';
import { newBackupReport, pausedSeconds, type BackupReport } from './report.js';
import { sidecar } from './sidecar.js';
import { takeSnapshot } from './snapshot.js';
import { mlmdOutputs, renderSummary } from './summary.js';
import { uploadBackup } from './upload.js';
import { WriterPause } from './writer.js';

/**
 * Backup ML Metadata: scale kfp-metadata-writer to 0, take mlmd.db out of the mlmd pod, scale the
 * writer back, then check, compress and upload the copy with a sidecar that says what it is.
 */
async function backupMlmd(run: BackupMlmdRun): Promise<Status | void> {
  const { config, clients, report, step, log, signal } = run;
  const app = config.writerApplication;
  const found = await step('pre-flight', 'Pre-flight: pod, container, database file, writer, running workloads, backup target', () => preflight(run));
  Object.assign(report, { pod: found.pod.name, container: found.container });
  const writer = new WriterPause(clients.juju, { ...report.writer, originalScale: found.writerScale }, log, run.grace);
  report.writer = writer.state;
  if (config.dryRun) {
    run.setOutputs({ format: config.format, 'backup-id': config.backupId, 'writer-paused-seconds': 0 });
    return 'checked';
  }

  const progressEveryMs = config.progressIntervalSeconds * 1000;
  const work = run.workDir();
  run.defer(`scale ${app} back`, () => writer.resume());
  report.files = await step('snapshot', `Pause ${app}, take ${config.dbPath}, resume`, async () => {
    try {
      await writer.pause({ timeoutMs: config.timeoutMinutes * 60_000, progressEveryMs });
      return await takeSnapshot(clients.kube, { namespace: config.namespace, pod: found.pod.name, container: found.container }, found.files, work, {
        log,
        signal,
        progressEveryMs,
      });
    } finally {
      await writer.resume();
    }
  });
  log.info(`${app} was paused for ${pausedSeconds(report)} s`);

  const copy = path.join(work, path.posix.basename(config.dbPath));
  const compressed = path.join(work, path.posix.basename(objectNames(config).object));
  const packed = await step('check', `Check the copy (integrity, schema version, row counts) while compressing it (${config.format})`, async () => {
    await foldWal(copy, log, signal);
    // Both only read the copy; whichever fails first stops the other. Nothing is uploaded unchecked.
    const [check, packing] = await allOrNothing(signal, (both) => [checkCopy(copy, log, both), compress(copy, config.format, compressed, both)] as const);
    report.check = check;
    return { path: compressed, ...packing };
  });

  await step('upload', `Compressed copy: upload to s3://${config.s3.bucket}/${objectNames(config).object}`, async () => {
    const stored = await uploadBackup(run, packed, (object) => sidecar(config, { ...report, object }, objectNames(config).object));
    Object.assign(report, stored);
  });
  run.setOutputs(mlmdOutputs(config, report));

  const scale = writer.state.originalScale;
  if (scale > 0) {
    await step('writer back', `Wait for ${app} to be back at ${scale}`, () =>
      clients.juju.waitForUnits(app, scale, { timeoutMs: Math.min(config.timeoutMinutes * 60_000, 10 * 60_000), progressEveryMs, intervalMs: 1000 }),
    );
  }
}

export const backupMlmdAction: ActionDefinition<BackupMlmdConfig, BackupMlmdClients, BackupReport> = {
  name: 'backup-mlmd',
  config: readConfig,
  report: (config, now) => newBackupReport(config.writerApplication, now),
  clients: backupMlmdClients,
  main: backupMlmd,
  summary: renderSummary,
  deadline: (config) => ({ minutes: config.timeoutMinutes, stops: 'the writer was put back to its scale' }),
};
