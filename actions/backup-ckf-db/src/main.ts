import { ActionError, CancelledError, errorMessage, prefixedLogger, runAction, setErrorOutput, setOutputs, type Logger, type RunContext } from '@ml-backup-actions/core';
import { Juju, describeUnits, isActive, isDying } from '@ml-backup-actions/juju';
import { backupDatabase } from './backup.js';
import { backupIdOutput, readConfig, type BackupCkfDbConfig } from './config.js';
import { newDbReport, type DbReport } from './report.js';
import { ScaleKeeper } from './scale.js';
import { renderSummary } from './summary.js';

/**
 * Backup kfp-db and katib-db: for each database at once, scale to 2 units, find the primary, run
 * create-backup on a secondary, confirm the backup with list-backups, scale back.
 */
export async function backupCkfDb({ signal, log, defer }: RunContext): Promise<void> {
  const started = Date.now();
  const config = readConfig();
  const reports = config.applications.map((app) => newDbReport(app));
  const juju = new Juju({ model: config.jujuModel, log, signal });
  const keeper = new ScaleKeeper(juju, log, config.restoreScale);
  defer('job summary', (failure) => finish(config, reports, failure, log));
  defer('scale the databases back', () => keeper.restoreAll());

  const results = await Promise.allSettled(
    reports.map((report) => {
      const appLog = prefixedLogger(log, report.application);
      return backupDatabase(report, { config, juju: juju.with({ log: appLog }), keeper, log: appLog, signal });
    }),
  );
  results.forEach((result, i) => {
    const report = reports[i]!;
    report.finishedAt = new Date();
    if (result.status === 'rejected') {
      report.status = result.reason instanceof CancelledError || signal.aborted ? 'interrupted' : 'failed';
      report.error = errorMessage(result.reason);
    }
  });
  if (!config.dryRun && !signal.aborted) await reportUnitsNotActive(juju, reports, log);

  const done = reports.filter((r) => r.status === 'succeeded');
  setOutputs({
    'backup-ids': JSON.stringify(Object.fromEntries(done.map((r) => [r.application, r.backupId]))),
    ...Object.fromEntries(done.map((r) => [backupIdOutput(r.application), r.backupId!])),
    's3-locations': JSON.stringify(Object.fromEntries(reports.filter((r) => r.location).map((r) => [r.application, r.location]))),
    'backup-id': config.backupId,
    'duration-seconds': Math.round((Date.now() - started) / 1000),
  });

  const failed = reports.filter((r) => r.status === 'failed' || r.status === 'interrupted');
  if (failed.length) {
    const ok = done.map((r) => `${r.application} succeeded (backup-id ${r.backupId})`);
    throw new ActionError([...failed.map((r) => `${r.application} ${r.status} during ${r.phase}: ${r.error}`), ...ok].join('\n'));
  }
}

/** The runbook leaves this out: a failed backup can leave a unit blocked or hidden. */
async function reportUnitsNotActive(juju: Juju, reports: DbReport[], log: Logger): Promise<void> {
  try {
    const status = await juju.status();
    for (const report of reports) {
      const app = status.applications[report.application];
      if (!app) continue;
      const bad = Object.values(app.units).filter((u) => !isDying(u) && !isActive(u));
      if (!bad.length) continue;
      report.unitsNotActive = bad.map((u) => `${u.name} ${u.workloadStatus.current}${u.workloadStatus.message ? ` (${u.workloadStatus.message})` : ''}`);
      log.warning(`${report.application} has units that are not active after the backup: ${describeUnits(app)}; see juju status -m ${juju.model} ${report.application}`);
    }
  } catch (err) {
    log.warning(`could not read juju status after the backup: ${errorMessage(err)}`);
  }
}

async function finish(config: BackupCkfDbConfig, reports: DbReport[], failure: unknown, log: Logger): Promise<void> {
  for (const r of reports) {
    r.finishedAt ??= new Date();
    if (failure && r.status === 'pending') {
      r.status = failure instanceof CancelledError ? 'interrupted' : 'failed';
      r.error ??= errorMessage(failure);
    }
  }
  setErrorOutput(failure);
  const summary = renderSummary(config, reports);
  if (!(await summary.write())) log.debug(summary.text());
}

export const run = (): Promise<number> => runAction('backup-ckf-db', backupCkfDb);
