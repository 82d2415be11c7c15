import { durationSeconds, type ActionDefinition, type Status } from '@ml-backup-actions/core';
import { ScaleKeeper } from '@ml-backup-actions/juju';
import { restoreMlmdClients, type RestoreMlmdClients, type RestoreMlmdRun } from './clients.js';
import { readConfig, safetyNames, type RestoreMlmdConfig } from './config.js';
import { preflight } from './preflight.js';
import { prepareRestore } from './prepare.js';
import { newRestoreReport, pausedSeconds, type RestoreReport } from './report.js';
import { renderSummary } from './summary.js';
import { SERVICE, Swap } from './swap.js';

/**
 * Restore ML Metadata: check everything first (the backup's sha256 and size, a fresh database
 * built from it passing integrity_check with the live database's schema version and the recorded
 * row counts); then scale the writer to 0, stop mlmd, keep the live file as a safety copy in the
 * bucket, push the restored file atomically, start mlmd and read the file back; writer back.
 */
async function restoreMlmd(run: RestoreMlmdRun): Promise<Status | void> {
  const { config, clients, report, step, log, signal } = run;
  const app = config.writerApplication;
  run.defer('remove the downloads', () => clients.bucket.dispose());
  const found = await step('pre-flight', 'Pre-flight: pod, container, pebble and the mlmd service, live database, writer, the backup and its sidecar', () =>
    preflight(run),
  );
  report.writer.originalScale = found.writerScale;
  const work = run.workDir();
  const prepared = await step(
    'check',
    `Check the backup on the runner: sha256, size, build (${found.source.format}), integrity, schema version, row counts`,
    async () => {
      const built = await prepareRestore(found.source, found.liveSchemaVersion, clients.bucket, work, { log, signal });
      report.restored = { bytes: built.bytes, sha256: built.sha256, integrity: built.integrity, rows: built.rows, tables: built.tables };
      return built;
    },
  );
  if (config.dryRun) {
    log.info(
      `would scale ${app} from ${found.writerScale} to 0, stop ${SERVICE}, store the live database at s3://${config.s3.bucket}/${safetyNames(config).object}, push the restored file (sha256 ${prepared.sha256}), start ${SERVICE}, and scale ${app} back`,
    );
    return 'checked';
  }

  const keeper = new ScaleKeeper(clients.juju, log, true, run.grace);
  const writerBack = () => keeper.restoreAll();
  run.defer(`scale ${app} back`, async () => {
    await writerBack();
    if (report.writer.pausedAt && report.writer.scaleRestored === 'restored') report.writer.resumedAt ??= new Date();
  });
  const wait = (n: number) => () =>
    clients.juju
      .waitForUnits(app, n, {
        timeoutMs: Math.min(config.timeoutMinutes * 60_000, 10 * 60_000),
        progressEveryMs: config.progressIntervalSeconds * 1000,
        intervalMs: 250,
      })
      .then(() => undefined);
  const swap = new Swap(run, found.pebble, found.owner, writerBack);
  await step('swap', `Writer to 0, stop ${SERVICE}, safety copy, push, start ${SERVICE}, read back`, async () => {
    if (found.writerScale > 0) {
      report.writer.pausedAt = new Date();
      await keeper.change(report.writer, { from: found.writerScale, to: 0 }, 'so that nothing writes to MLMD while its database is replaced', wait(0));
    } else {
      log.warning(`${app} is already at scale 0; it is left there`);
    }
    await swap.swap(prepared);
  });
  run.setOutputs({ 'restored-sha256': prepared.sha256, 'pre-restore-url': report.safety?.url ?? '' });

  if (found.writerScale > 0) {
    await step('writer back', `Scale ${app} back to ${found.writerScale}`, async () => {
      await keeper.restore(app);
      report.writer.resumedAt = new Date();
      await wait(found.writerScale)();
    });
  }
}

export const restoreMlmdAction: ActionDefinition<RestoreMlmdConfig, RestoreMlmdClients, RestoreReport> = {
  name: 'restore-mlmd',
  config: readConfig,
  report: (config, now) => newRestoreReport(config.writerApplication, now),
  clients: restoreMlmdClients,
  main: restoreMlmd,
  summary: renderSummary,
  finalOutputs: (_config, report) => ({
    ...(report.swap === 'restored' && report.restored ? { 'restored-sha256': report.restored.sha256 } : {}),
    'pre-restore-url': report.safety?.url ?? '',
    'writer-paused-seconds': pausedSeconds(report),
    'duration-seconds': durationSeconds(report),
  }),
  deadline: (config) => ({
    minutes: config.timeoutMinutes,
    stops: `the old database was put back if it had been replaced, ${SERVICE} started, and the writer put back to its scale`,
  }),
};
