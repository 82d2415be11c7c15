import { ActionError, errorMessage, prefixedLogger, durationSeconds, type ActionDefinition, type Status } from '@ml-backup-actions/core';
import { ScaleKeeper } from '@ml-backup-actions/juju';
import { describeWorkloads, runningNames } from '@ml-backup-actions/kube';
import { readBackups } from './backups.js';
import { restoreCkfDbClients, type RestoreCkfDbClients, type RestoreCkfDbRun } from './clients.js';
import { readConfig, type RestoreCkfDbConfig } from './config.js';
import { checkRowCounts } from './counts.js';
import { preflight } from './preflight.js';
import { newRestoreReport, type DbRestore, type RestoreCkfDbReport } from './report.js';
import { restoreDatabase } from './restore.js';
import { renderSummary } from './summary.js';

/**
 * Restore kfp-db and katib-db from a backup set: check everything first (the backups listed as
 * finished where the s3-integrators point, the charms' restore, no workloads running); then for
 * each database scale to 1 unit, restore backup-id, scale back; then compare the row counts.
 */
async function restoreCkfDb(run: RestoreCkfDbRun): Promise<Status | void> {
  const { config, clients, report, log, signal } = run;
  const timing = { waitMs: 5 * 60_000, intervalMs: config.pollIntervalSeconds * 1000, progressEveryMs: config.progressIntervalSeconds * 1000, signal };

  const { backups, source } = await readBackups(config, clients.bucket, log);
  report.source = source;
  log.info(
    `restoring from ${source}: ${Object.entries(backups)
      .map(([app, b]) => `${app} ${b.backupId}`)
      .join(', ')}`,
  );
  await noRunningWorkloads(run);
  const plans = await eachDatabase(report.databases, (db) =>
    preflight(clients.juju.with({ log: prefixedLogger(log, db.application) }), db, backups[db.application], timing),
  );
  for (const db of report.databases) for (const w of db.warnings) log.warning(`${db.application}: ${w}`);
  if (config.dryRun) {
    for (const db of report.databases) {
      log.info(
        `${db.application}: would scale from ${db.originalScale} to 1, run restore backup-id=${db.backupId} (restore declares ${db.restoreParams?.join(', ')}; restore-to-time is never passed), then scale back to ${db.originalScale}`,
      );
      db.status = 'checked';
    }
    return 'checked';
  }

  const keeper = new ScaleKeeper(clients.juju, log, true, run.grace);
  run.defer('scale the databases back', () => keeper.restoreAll());
  report.phase = 'restore';
  await eachDatabase(report.databases, (db) => {
    const appLog = prefixedLogger(log, db.application);
    const plan = plans.get(db.application);
    if (!plan) throw new ActionError(`no pre-flight plan for ${db.application}`);
    return restoreDatabase(db, plan, { config, juju: clients.juju.with({ log: appLog }), keeper, log: appLog, signal, grace: run.grace });
  });

  report.phase = 'row counts';
  await eachDatabase(report.databases, async (db) => {
    db.rowCountsMatch = await checkRowCounts(clients.juju, db, timing);
    if (db.rowCountsMatch === false) throw new ActionError(`row counts differ from the backup's: ${db.rowCountDiffs.join('; ')}`);
  });
  for (const db of report.databases) db.status = 'succeeded';
}

/**
 * Runs fn for every database at once; one failing never hides another. Throws once all ended,
 * naming each failure. Resolves with each one's result.
 */
async function eachDatabase<T>(dbs: DbRestore[], fn: (db: DbRestore) => Promise<T>): Promise<Map<string, T>> {
  const results = await Promise.allSettled(dbs.map(fn));
  const out = new Map<string, T>();
  const failed: string[] = [];
  results.forEach((r, i) => {
    const db = dbs[i];
    if (r.status === 'fulfilled') out.set(db.application, r.value);
    else {
      db.status = 'failed';
      db.error = errorMessage(r.reason);
      db.finishedAt = new Date();
      failed.push(`${db.application} failed during ${db.phase}: ${db.error}`);
    }
  });
  if (failed.length) throw new ActionError(failed.join('\n'));
  return out;
}

/** The runbook's "stop the pipelines first": nothing may write to the databases while they are replaced. */
async function noRunningWorkloads(run: RestoreCkfDbRun): Promise<void> {
  const { clients, log } = run;
  if (!clients.kube) {
    log.warning('ignore-running-workloads is true: Argo Workflows and Katib Experiments were not checked');
    return;
  }
  const workloads = await clients.kube.listRunningWorkloads();
  const running = runningNames(workloads);
  log.info(`running workloads: ${describeWorkloads(workloads)}`);
  if (running.length) {
    throw new ActionError(
      `${running.length} workload${running.length === 1 ? ' is' : 's are'} running (${running.join(', ')}); they write to kfp-db and katib-db and would be cut off mid-write: stop them (or set ignore-running-workloads: true)`,
    );
  }
}

export const restoreCkfDbAction: ActionDefinition<RestoreCkfDbConfig, RestoreCkfDbClients, RestoreCkfDbReport> = {
  name: 'restore-ckf-db',
  config: readConfig,
  report: (config, now) => newRestoreReport(config.applications, now),
  clients: restoreCkfDbClients,
  main: restoreCkfDb,
  summary: renderSummary,
  finalOutputs: (_config, report) => finalOutputs(report),
};

function finalOutputs(report: RestoreCkfDbReport) {
  // What the charms restored, whatever failed after: a later job must know which data was replaced.
  const done = report.databases.filter((d) => d.restoredAt);
  const compared = report.databases.map((d) => d.rowCountsMatch);
  return {
    restored: JSON.stringify(Object.fromEntries(done.map((d) => [d.application, d.backupId]))),
    'row-counts-match': compared.includes(false) ? 'false' : compared.every((c) => c === true) ? 'true' : 'unchecked',
    'duration-seconds': durationSeconds(report),
  };
}
