import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CancelledError, allOrNothing, errorMessage, runAction, setErrorOutput, setOutputs, withDeadline, type RunContext } from '@ml-backup-actions/core';
import { Juju } from '@ml-backup-actions/juju';
import { KubeClient } from '@ml-backup-actions/kube';
import { Rclone, s3TargetRemote, uploadFile } from '@ml-backup-actions/rclone';
import { checkCopy, foldWal } from './check.js';
import { compress } from './compress.js';
import { objectNames, readConfig, type BackupMlmdConfig } from './config.js';
import { preflight } from './preflight.js';
import { newReport, pausedSeconds, type BackupReport } from './report.js';
import { sidecar } from './sidecar.js';
import { takeSnapshot } from './snapshot.js';
import { renderSummary } from './summary.js';
import { WriterPause } from './writer.js';

/**
 * Backup ML Metadata: scale kfp-metadata-writer to 0, take mlmd.db out of the mlmd pod, scale the
 * writer back, then check, compress and upload the copy with a sidecar that says what it is.
 */
export async function backupMlmd({ signal: cancelled, log, defer }: RunContext): Promise<void> {
  const config = readConfig();
  const report = newReport(config.writerApplication);
  const signal = withDeadline(cancelled, config.timeoutMinutes, defer, 'the writer was put back to its scale');
  defer('job summary', (failure) => finish(config, report, failure, log));

  const kube = KubeClient.fromConfig({ kubeconfig: config.kubeconfig || undefined }, log);
  const juju = new Juju({ model: config.jujuModel, log, signal });
  const target = s3TargetRemote(config.s3);
  const rclone = new Rclone({ remotes: [target], log });
  const work = mkdtempSync(path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'backup-mlmd-'));
  defer('remove the local copy', () => rmSync(work, { recursive: true, force: true }));
  const progressEveryMs = config.progressIntervalSeconds * 1000;
  const timeoutMs = config.timeoutMinutes * 60_000;

  const located = await log.group('Pre-flight: pod, container, database file, writer, running workloads, backup target', () =>
    preflight(config, { kube, juju, rclone, target }, report, log, signal),
  );
  if (config.dryRun) {
    report.status = 'checked';
    setOutputs({ format: config.format, 'backup-id': config.backupId, 'writer-paused-seconds': 0 });
    return;
  }

  const writer = new WriterPause(juju, config.writerApplication, report, log);
  defer(`scale ${config.writerApplication} back`, () => writer.resume());
  report.phase = 'snapshot';
  report.files = await log.group(`Pause ${config.writerApplication}, take ${config.dbPath}, resume`, async () => {
    try {
      await writer.pause({ timeoutMs, progressEveryMs });
      const snapshotTarget = { namespace: config.namespace, pod: located.pod.name, container: located.container };
      return await takeSnapshot(kube, snapshotTarget, located.files, work, { log, signal, progressEveryMs });
    } finally {
      await writer.resume();
    }
  });
  log.info(`${config.writerApplication} was paused for ${pausedSeconds(report)} s`);

  const localDb = path.join(work, path.posix.basename(config.dbPath));
  const { object, sidecar: sidecarKey } = objectNames(config);
  const compressed = path.join(work, path.posix.basename(object));
  report.phase = 'check';
  const packed = await log.group(`Check the copy (integrity, schema version, row counts) while compressing it (${config.format})`, async () => {
    await foldWal(localDb, log, signal);
    // Both only read the copy; whichever fails first stops the other. Nothing is uploaded unchecked.
    const [check, packing] = await allOrNothing(signal, (both) => [checkCopy(localDb, log, both), compress(localDb, config.format, compressed, both)] as const);
    report.check = check;
    return packing;
  });

  report.phase = 'upload';
  const upload = { bandwidthLimit: config.bandwidthLimit, statsSeconds: config.progressIntervalSeconds, log, signal };
  await log.group(`Compressed copy: upload to s3://${config.s3.bucket}/${object}`, async () => {
    const url = await uploadFile(rclone, target, config.s3.bucket, object, { path: compressed, ...packed }, upload);
    report.object = { url, ...packed };
    report.finishedAt = new Date();
    const sidecarFile = path.join(work, path.posix.basename(sidecarKey));
    const json = `${JSON.stringify(sidecar(config, report, object), null, 2)}\n`;
    writeFileSync(sidecarFile, json, { mode: 0o600 });
    report.sidecarUrl = await uploadFile(rclone, target, config.s3.bucket, sidecarKey, { path: sidecarFile, bytes: Buffer.byteLength(json) }, upload);
  });

  report.status = 'succeeded';
  setOutputs({
    'object-url': report.object!.url,
    'sidecar-url': report.sidecarUrl!,
    sha256: report.object!.sha256,
    'size-bytes': report.object!.bytes,
    'db-size-bytes': report.files[0]!.bytes,
    format: config.format,
    'writer-paused-seconds': pausedSeconds(report),
    'backup-id': config.backupId,
  });

  const scale = report.writer.originalScale ?? 0;
  if (scale > 0) {
    report.phase = 'writer back';
    await log.group(`Wait for ${config.writerApplication} to be back at ${scale}`, () =>
      juju.waitForUnits(config.writerApplication, scale, { timeoutMs: Math.min(timeoutMs, 10 * 60_000), progressEveryMs, intervalMs: 1000 }),
    );
  }
}

async function finish(config: BackupMlmdConfig, report: BackupReport, failure: unknown, log: RunContext['log']): Promise<void> {
  if (failure) {
    report.status = failure instanceof CancelledError ? 'interrupted' : 'failed';
    report.error = errorMessage(failure);
  }
  setErrorOutput(failure);
  const summary = renderSummary(config, report);
  if (!(await summary.write())) log.debug(summary.text());
}

export const run = (): Promise<number> => runAction('backup-mlmd', backupMlmd);
