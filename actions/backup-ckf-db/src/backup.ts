import { ActionError, TimeoutError, errorMessage, poll, type Grace, type Logger } from '@ml-backup-actions/core';
import {
  ActionFailedError,
  ActionTimeoutError,
  CHECK_USER,
  compareRowCounts,
  type ActionTask,
  type Juju,
  JujuError,
  pickBackupUnit,
  type RowCounts,
  type ScaleKeeper,
  describeS3Location,
} from '@ml-backup-actions/juju';
import { BACKUP_SCALE, CHARM_BACKUP_ID, type BackupCkfDbConfig } from './config.js';
import { type Inspected, inspect } from './preflight.js';
import type { DbReport } from './report.js';

export interface DbBackupContext {
  config: BackupCkfDbConfig;
  /** A client whose log lines name the application. */
  juju: Juju;
  keeper: ScaleKeeper;
  log: Logger;
  signal: AbortSignal;
  /** What is left for putting back once the run is stopping. */
  grace: Grace;
}

/** How long list-backups may take to show a completed backup as finished (S3 listings lag). */
const LISTED_WITHIN_MS = 2 * 60_000;
/** A switchover between choosing the unit and the action starting: choose again, at most this often. */
const PRIMARY_REFUSALS = 2;

/**
 * One database, as the runbook does it and what it leaves out: check, scale up so that a
 * secondary exists, find the primary, run create-backup on an ONLINE secondary, confirm the id
 * with list-backups, put the scale back.
 */
export async function backupDatabase(report: DbReport, ctx: DbBackupContext): Promise<void> {
  const { config, juju, keeper, log } = ctx;
  const app = report.application;
  // What the charm is, recorded before the checks that may refuse it.
  const inspected = await inspect(juju, app, (status) =>
    Object.assign(report, { charm: status.charmName, charmRevision: status.charmRev, originalScale: status.scale }),
  );
  report.forceDeclared = inspected.forceDeclared;
  report.location = inspected.location;
  if (config.force && !inspected.forceDeclared) {
    log.warning(
      `force is not passed to create-backup: revision ${report.charmRevision ?? '?'} of the charm does not declare it (juju actions ${app} --schema)`,
    );
  }
  const original = inspected.status.scale;
  const target = config.scaleUp ? Math.max(original, BACKUP_SCALE) : original;
  log.info(`${app}: ${report.charm} revision ${report.charmRevision ?? '?'}, scale ${original}, backups go to ${describeLocation(report)}`);

  const earlier = config.earlierBackupIds[app];
  if (earlier && (await reuseEarlier(report, inspected.leader, earlier, ctx))) return;

  if (config.dryRun) {
    const cluster = await juju.clusterStatus(inspected.leader, timing(config, ctx.signal));
    report.primary = cluster.primary;
    report.clusterName = cluster.clusterName;
    const counted = await countRows(report, inspected.leader, ctx);
    if (counted) log.info(`row counts read as ${CHECK_USER} on ${inspected.leader}: ${describeCounts(counted)}`);
    const where = target > 1 ? `an ONLINE secondary (primary now: ${cluster.primary ?? 'none'})` : `${cluster.members[0]?.unit ?? 'its only unit'}`;
    const force = config.force && inspected.forceDeclared ? ' with force=true' : '';
    log.info(
      `${app}: would ${target > original ? `scale to ${target}, ` : ''}run create-backup${force} on ${where}${target > original && config.restoreScale ? `, then scale back to ${original}` : ''}`,
    );
    report.status = 'checked';
    return;
  }

  let done = false;
  try {
    if (target > original) {
      report.phase = 'scale up';
      report.backupScale = target;
      await keeper.change(report, { from: original, to: target }, 'so that a secondary can take the backup', (a, n) =>
        waitForScale(juju, a, n, config).then(() => undefined),
      );
    } else {
      report.backupScale = original;
      report.scaleRestored = 'not needed';
    }
    report.phase = 'count rows';
    const before = await countRows(report, inspected.leader, ctx);
    report.phase = 'create-backup';
    const task = await createBackup(report, inspected, ctx);
    const id = task.results['backup-id'];
    if (typeof id !== 'string' || !CHARM_BACKUP_ID.test(id)) {
      throw new JujuError(
        'unexpected-output',
        `create-backup on ${task.unit} completed (task ${task.id}) without a backup-id in the charm's format: ${JSON.stringify(id ?? null)}`,
      );
    }
    report.backupId = id;
    log.info(`${app}: create-backup on ${task.unit} returned backup-id ${id}`);
    report.phase = 'list-backups';
    report.listed = await confirmFinished(juju, inspected.leader, id, report, ctx);
    done = true;
    report.phase = 'count rows';
    await recordRowCounts(report, before, ctx);
  } finally {
    const unfinished = done ? undefined : await unconfirmed(report, ctx);
    report.unfinished = unfinished?.note;
    if (report.backupScale !== undefined && report.backupScale > original && unfinished?.stillRunning) {
      keeper.leave(app, unfinished.note, 'scaling down could remove the unit that writes the backup', 'once the task has ended');
    } else if (report.backupScale !== undefined && report.backupScale > original) {
      // After a failure the phase it failed in stays the one reported; the scale goes back anyway.
      if (done) report.phase = 'scale back';
      await keeper.restore(app);
      if (config.restoreScale && !ctx.signal.aborted) {
        await waitForScale(juju, app, original, config).catch((err) => {
          if (done) throw err;
          log.warning(`${app} was scaled back to ${original} but did not settle: ${errorMessage(err)}`);
        });
      }
    }
  }
  report.phase = 'done';
  report.status = 'succeeded';
}

/**
 * COUNT(*) per table as serverconfig, through the charm's mysql client on the unit. A backup whose
 * rows could not be counted is still a backup: the run warns and records why, and a restore of it
 * cannot compare row counts.
 */
async function countRows(report: DbReport, unit: string, ctx: DbBackupContext): Promise<RowCounts | undefined> {
  if (ctx.signal.aborted) return undefined;
  try {
    const password = await ctx.juju.checkPassword(unit, timing(ctx.config, ctx.signal));
    return await ctx.juju.countRows(unit, password);
  } catch (err) {
    if (ctx.signal.aborted) return undefined;
    report.countError = `could not count rows as ${CHECK_USER} on ${unit}: ${errorMessage(err)}`;
    ctx.log.warning(`${report.countError}; a restore of this backup cannot check its row counts`);
    return undefined;
  }
}

/** The counts on the unit that took the backup, right after it; exact when they equal those right before. */
async function recordRowCounts(report: DbReport, before: RowCounts | undefined, ctx: DbBackupContext): Promise<void> {
  const after = await countRows(report, report.unit ?? '', ctx);
  if (!after) return;
  report.countError = undefined;
  report.rowCounts = after;
  report.countedAt = new Date();
  const moved = before ? compareRowCounts(before, after) : ['not counted before'];
  report.rowCountsExact = moved.length === 0;
  ctx.log.info(`row counts on ${report.unit}: ${describeCounts(after)}`);
  if (moved.length) {
    ctx.log.warning(
      `rows changed while the backup ran (${moved.slice(0, 5).join('; ')}${moved.length > 5 ? '; …' : ''}): the counts recorded are those right after it, and a restore reports differences from them as warnings, not failures`,
    );
  }
}

const describeCounts = (counts: RowCounts): string =>
  Object.entries(counts)
    .map(([schema, tables]) => `${schema} ${Object.keys(tables).length} tables, ${Object.values(tables).reduce((a, b) => a + b, 0)} rows`)
    .join('; ') || 'no application tables';

/**
 * A rerun of the set's databases job (earlier-backup-ids): a backup the first run made and the
 * charm lists as finished is the set's backup, and no second one is made. One the charm lists as
 * failed or not at all (another S3 path) is not reused, and a new one is made; one still in
 * progress is refused, since the charm runs one backup at a time.
 */
async function reuseEarlier(report: DbReport, leader: string, id: string, ctx: DbBackupContext): Promise<boolean> {
  const { juju, log, config } = ctx;
  const where = describeLocation(report);
  report.phase = 'list-backups';
  const entry = (await juju.listBackups(leader, timing(config, ctx.signal))).find((b) => b.id === id);
  if (entry?.status === 'finished') {
    Object.assign(report, { backupId: id, listed: entry.status, reused: true, scaleRestored: 'not needed', phase: 'done' });
    report.status = config.dryRun ? 'checked' : 'succeeded';
    log.info(
      `${report.application}: backup-id ${id}, made by an earlier run of this backup set, is listed as finished in ${where}: reused, no new backup made`,
    );
    return true;
  }
  if (entry && entry.status !== 'failed') {
    throw new ActionError(
      `backup-id ${id}, made by an earlier run of this backup set, is listed as ${entry.status} in ${where}: wait for it to end (juju run -m ${juju.model} ${report.application}/leader list-backups), then run again`,
    );
  }
  log.warning(
    `${report.application}: backup-id ${id} from an earlier run of this backup set is ${entry ? `listed as ${entry.status}` : 'not listed'} in ${where}: not reused, a new backup is made`,
  );
  report.phase = 'pre-flight';
  return false;
}

/**
 * When the run stops before the backup is confirmed: what the charm may have left in S3. After a
 * cancel, a create-backup task that has not ended is given half of what the grace leaves to end
 * (the other half is for scaling back); if it is still running then, it says so, and the scale
 * stays: on Juju the unit removed by scaling down can be the one writing the backup.
 */
async function unconfirmed(report: DbReport, ctx: DbBackupContext): Promise<{ note: string; stillRunning?: boolean } | undefined> {
  const where = describeLocation(report);
  const { unit, taskId } = report;
  if (report.phase === 'list-backups' && report.backupId) {
    const note = `create-backup completed with backup-id ${report.backupId}, but list-backups had not shown it finished in ${where} (check: juju run -m ${ctx.juju.model} ${report.application}/leader list-backups)`;
    return { note };
  }
  // The charm failed the task (ActionFailedError): it has ended, and a failed backup is not listed.
  if (report.phase !== 'create-backup' || !unit || report.taskEnded) return undefined;
  if (!taskId) {
    return {
      note: `create-backup on ${unit} may have been scheduled as the run stopped (juju had not yet given a task id); check: juju operations -m ${ctx.juju.model} --units ${unit} --actions create-backup`,
    };
  }
  // A run that is stopping waits a little; one that gave up on the task (action-timeout-minutes) looks once.
  const waitMs = ctx.signal.aborted ? Math.floor(Math.min(5 * 60_000, ctx.grace.left() / 2)) : 0;
  try {
    // A run that is stopping has only its grace; one that gave up gives the look a busy controller's time.
    const callTimeoutMs = ctx.signal.aborted ? Math.max(2000, waitMs) : 30_000;
    const juju = ctx.juju.with({ signal: ctx.grace.budget(waitMs + callTimeoutMs), callTimeoutMs });
    const task = await juju.waitForTask(taskId, { waitMs, intervalMs: Math.min(1000, ctx.config.pollIntervalSeconds * 1000) });
    // A task the charm failed has written no backup that it lists.
    if (task.status !== 'completed') return undefined;
    return {
      note: `create-backup task ${taskId} on ${unit} completed after the run stopped; its backup-id ${String(task.results['backup-id'] ?? '?')} in ${where} was not confirmed with list-backups`,
    };
  } catch (err) {
    const status = err instanceof ActionTimeoutError ? err.lastStatus : `unknown (${errorMessage(err)})`;
    return {
      note: `create-backup is still running: task ${taskId} on ${unit} was ${status} when the run stopped, so a charm backup may be half-written in ${where} (follow it: juju show-task -m ${ctx.juju.model} ${taskId})`,
      stillRunning: true,
    };
  }
}

/** Runs create-backup on an eligible unit; if a switchover made it the primary meanwhile, chooses again. */
async function createBackup(report: DbReport, inspected: Inspected, ctx: DbBackupContext): Promise<ActionTask> {
  const { config, juju, log } = ctx;
  const params = config.force && inspected.forceDeclared ? { force: true } : {};
  for (let refusals = 0; ; refusals++) {
    const unit = await chooseUnit(report, inspected.leader, ctx);
    report.unit = unit;
    report.taskEnded = false;
    try {
      return await juju.runAction(unit, 'create-backup', params, {
        waitMs: config.actionTimeoutMinutes * 60_000,
        mode: 'background',
        intervalMs: config.pollIntervalSeconds * 1000,
        progressEveryMs: config.progressIntervalSeconds * 1000,
        onTask: (id) => (report.taskId = id),
      });
    } catch (err) {
      if (err instanceof ActionFailedError) report.taskEnded = true;
      if (err instanceof ActionFailedError && /as it is the cluster primary/.test(err.task.message) && refusals < PRIMARY_REFUSALS) {
        log.warning(
          `${unit} became the primary before create-backup started (a switchover); the charm refused and backed nothing up, so another unit is chosen`,
        );
        continue;
      }
      throw explain(err, report, juju.model);
    }
  }
}

/** An ONLINE secondary (or the only unit), waiting while a new unit is still joining the cluster. */
async function chooseUnit(report: DbReport, leader: string, ctx: DbBackupContext): Promise<string> {
  const { config, juju } = ctx;
  let last: unknown;
  try {
    return await poll({
      label: `an ONLINE secondary of ${report.application}`,
      log: juju.log,
      signal: ctx.signal,
      timeoutMs: config.scaleTimeoutMinutes * 60_000,
      intervalMs: config.pollIntervalSeconds * 1000,
      progressEveryMs: config.progressIntervalSeconds * 1000,
      progress: () => (last ? errorMessage(last) : 'no cluster status read yet'),
      check: async () => {
        const cluster = await juju.clusterStatus(leader, timing(config, ctx.signal));
        report.primary = cluster.primary;
        report.clusterName = cluster.clusterName;
        try {
          return pickBackupUnit(cluster, report.backupScale ?? report.originalScale ?? 1);
        } catch (err) {
          last = err;
          return undefined;
        }
      },
    });
  } catch (err) {
    if (err instanceof TimeoutError && last) throw new ActionError(`${errorMessage(last)} (waited ${config.scaleTimeoutMinutes} min)`);
    throw err;
  }
}

/** Success only once list-backups shows the id finished; failed or never listed is an error. */
async function confirmFinished(juju: Juju, leader: string, id: string, report: DbReport, ctx: DbBackupContext): Promise<string> {
  let seen = 'not listed';
  const where = describeLocation(report);
  try {
    return await poll({
      label: `backup ${id} of ${report.application} listed as finished`,
      log: juju.log,
      signal: ctx.signal,
      timeoutMs: LISTED_WITHIN_MS,
      intervalMs: ctx.config.pollIntervalSeconds * 1000,
      progressEveryMs: ctx.config.progressIntervalSeconds * 1000,
      progress: () => `list-backups shows it ${seen}`,
      check: async () => {
        const entry = (await juju.listBackups(leader, timing(ctx.config, ctx.signal))).find((b) => b.id === id);
        seen = entry ? `as ${entry.status}` : 'not listed';
        if (entry?.status === 'failed') {
          throw new ActionError(`create-backup reported success but list-backups shows backup ${id} as failed in ${where}; read its ${id}.backup.log there`);
        }
        return entry?.status === 'finished' ? entry.status : undefined;
      },
    });
  } catch (err) {
    if (err instanceof TimeoutError) {
      throw new ActionError(
        `create-backup returned backup-id ${id}, but list-backups still shows it ${seen} in ${where} after ${LISTED_WITHIN_MS / 60_000} min, so it is not counted as a backup`,
      );
    }
    throw err;
  }
}

/** The charm's refusal with what to do about it. */
function explain(err: unknown, report: DbReport, model: string): unknown {
  if (!(err instanceof ActionFailedError)) return err;
  const said = err.task.message;
  const hints: [RegExp, string][] = [
    [
      /not in a healthy state|Cluster status unknown/,
      'The charm checks cluster health before a backup; with 2 units MySQL reports OK_NO_TOLERANCE. Scale to 3 units, or pass force: true if a backup that may be taken from stale data is acceptable',
    ],
    [/Backup already in progress/, 'Another create-backup is running on this cluster (not started by this run); this run does not start a second one'],
    [
      /blocked for write|Move restored cluster/,
      `After a restore the charm no longer writes to the same S3 location: give ${report.location?.integrator ?? 'its s3-integrator'} a new path (juju config -m ${model} ${report.location?.integrator ?? '<s3-integrator>'} path=...)`,
    ],
    [
      /Missing S3 parameters|Missing relation/,
      `Configure the s3-integrator (bucket, access-key and secret-key through its sync-s3-credentials action) and relate it to ${report.application}`,
    ],
  ];
  const hint = hints.find(([re]) => re.test(said))?.[1];
  return hint ? new ActionFailedError(`${err.message}. ${hint}`, err.task, err.action) : err;
}

function waitForScale(juju: Juju, app: string, count: number, config: BackupCkfDbConfig) {
  return juju.waitForUnits(app, count, {
    timeoutMs: config.scaleTimeoutMinutes * 60_000,
    progressEveryMs: config.progressIntervalSeconds * 1000,
    intervalMs: config.pollIntervalSeconds * 1000,
  });
}

const timing = (config: BackupCkfDbConfig, signal: AbortSignal) => ({
  waitMs: 5 * 60_000,
  intervalMs: config.pollIntervalSeconds * 1000,
  progressEveryMs: config.progressIntervalSeconds * 1000,
  signal,
});

export const describeLocation = (report: DbReport): string => describeS3Location(report.location);
