import { ActionError, CancelledError, errorMessage, prefixedLogger, type ActionDefinition, type Logger, type Status } from '@ml-backup-actions/core';
import { type Juju, ScaleKeeper, describeUnits, isActive, isDying } from '@ml-backup-actions/juju';
import { backupDatabase } from './backup.js';
import { backupCkfDbClients, type BackupCkfDbClients, type BackupCkfDbRun } from './clients.js';
import { backupIdOutput, readConfig, type BackupCkfDbConfig } from './config.js';
import { newCkfDbReport, type CkfDbReport, type DbReport } from './report.js';
import { renderSummary } from './summary.js';

/**
 * Backup kfp-db and katib-db: for each database at once, scale to 2 units, find the primary, run
 * create-backup on a secondary, confirm the backup with list-backups, scale back.
 */
async function backupCkfDb(run: BackupCkfDbRun): Promise<Status | void> {
  const { config, clients, report, log, signal } = run;
  const keeper = new ScaleKeeper(clients.juju, log, config.restoreScale, run.grace);
  run.defer('scale the databases back', () => keeper.restoreAll());

  report.phase = config.dryRun ? 'pre-flight' : 'backup';
  const results = await Promise.allSettled(
    report.databases.map((db) => {
      const appLog = prefixedLogger(log, db.application);
      return backupDatabase(db, { config, juju: clients.juju.with({ log: appLog }), keeper, log: appLog, signal, grace: run.grace });
    }),
  );
  results.forEach((result, i) => {
    const db = report.databases[i];
    db.finishedAt = new Date();
    if (result.status === 'rejected') {
      db.status = result.reason instanceof CancelledError || signal.aborted ? 'interrupted' : 'failed';
      db.error = errorMessage(result.reason);
    }
  });
  if (!config.dryRun && !signal.aborted) await reportUnitsNotActive(clients.juju, report.databases, log);

  const done = report.databases.filter((r) => r.status === 'succeeded');
  run.setOutputs({
    'backup-ids': JSON.stringify(Object.fromEntries(done.map((r) => [r.application, r.backupId]))),
    ...Object.fromEntries(done.map((r) => [backupIdOutput(r.application), r.backupId ?? ''])),
    's3-locations': JSON.stringify(Object.fromEntries(report.databases.filter((r) => r.location).map((r) => [r.application, r.location]))),
    databases: JSON.stringify(Object.fromEntries(done.map((r) => [r.application, restoreFacts(r)]))),
    'backup-id': config.backupId,
    'duration-seconds': Math.round((Date.now() - report.startedAt.getTime()) / 1000),
  });

  const failed = report.databases.filter((r) => r.status === 'failed' || r.status === 'interrupted');
  if (failed.length) {
    const ok = done.map((r) => `${r.application} succeeded (backup-id ${r.backupId})`);
    const left = (r: DbReport) => (r.scaleRestored === 'left up' ? `; ${r.application} ${r.scaleRestoreError}` : '');
    throw new ActionError([...failed.map((r) => `${r.application} ${r.status} during ${r.phase}: ${r.error}${left(r)}`), ...ok].join('\n'));
  }
  return config.dryRun ? 'checked' : 'succeeded';
}

/** What a restore of the backup is checked against: the backup set records it in its manifest. */
function restoreFacts(r: DbReport) {
  return {
    backupId: r.backupId,
    ...(r.clusterName ? { clusterName: r.clusterName } : {}),
    ...(r.charmRevision !== undefined ? { charmRevision: r.charmRevision } : {}),
    ...(r.location ?? {}),
    ...(r.rowCounts ? { rowCounts: r.rowCounts, rowCountsExact: r.rowCountsExact ?? false, countedAt: r.countedAt?.toISOString() } : {}),
    ...(r.unit ? { unit: r.unit } : {}),
  };
}

/** The runbook leaves this out: a failed backup can leave a unit blocked or hidden. */
async function reportUnitsNotActive(juju: Juju, databases: DbReport[], log: Logger): Promise<void> {
  try {
    const status = await juju.status();
    for (const db of databases) {
      const app = status.applications[db.application];
      if (!app) continue;
      const bad = Object.values(app.units).filter((u) => !isDying(u) && !isActive(u));
      if (!bad.length) continue;
      db.unitsNotActive = bad.map((u) => `${u.name} ${u.workloadStatus.current}${u.workloadStatus.message ? ` (${u.workloadStatus.message})` : ''}`);
      log.warning(
        `${db.application} has units that are not active after the backup: ${describeUnits(app)}; see juju status -m ${juju.model} ${db.application}`,
      );
    }
  } catch (err) {
    log.warning(`could not read juju status after the backup: ${errorMessage(err)}`);
  }
}

export const backupCkfDbAction: ActionDefinition<BackupCkfDbConfig, BackupCkfDbClients, CkfDbReport> = {
  name: 'backup-ckf-db',
  config: readConfig,
  report: (config, now) => newCkfDbReport(config.applications, now),
  clients: backupCkfDbClients,
  main: backupCkfDb,
  summary: renderSummary,
};
