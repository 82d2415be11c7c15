import { ActionError, type Grace, type Logger, errorMessage } from '@ml-backup-actions/core';
import { ActionFailedError, ActionTimeoutError, type Juju, type ScaleKeeper, describeS3Location } from '@ml-backup-actions/juju';
import type { RestoreCkfDbConfig } from './config.js';
import type { Plan } from './preflight.js';
import type { Damage, DbRestore } from './report.js';

export interface DbRestoreContext {
  config: RestoreCkfDbConfig;
  /** A client whose log lines name the application. */
  juju: Juju;
  keeper: ScaleKeeper;
  log: Logger;
  signal: AbortSignal;
  grace: Grace;
}

/** The charm's own words for a failure that left the old data (backups.py: temp dirs removed, mysqld restarted). */
const OLD_DATA_KEPT = /^Failed to (retrieve|prepare) backup /;
/** Refusals of the charm's checks before it stops anything (ckf-restore.md 1.2). */
const REFUSED =
  /^(Missing relation with S3 integrator charm|Missing backup-id|Bad restore-to-time|Server running mysqld is not connectable|Unit is waiting to start or restart|Unit cannot restore backup as there are more than one units|Missing S3 parameters|Invalid backup-id)/;
/** Revision 254 and later, after a restore: writes to the old S3 path are blocked until the integrator points elsewhere. */
const MOVE_RESTORED = /Move restored cluster to another S3 repository/;

/**
 * One database, as the charm's restore asks: scale to one unit, restore backup-id (never
 * restore-to-time: a backup set is one point in time), followed to its end, then the original
 * scale back with every unit active.
 */
export async function restoreDatabase(db: DbRestore, plan: Plan, ctx: DbRestoreContext): Promise<void> {
  const { config, juju, keeper, log } = ctx;
  const app = db.application;
  const original = plan.status.scale;
  const wait = (n: number) =>
    juju.waitForUnits(app, n, {
      timeoutMs: config.scaleTimeoutMinutes * 60_000,
      progressEveryMs: config.progressIntervalSeconds * 1000,
      intervalMs: config.pollIntervalSeconds * 1000,
    });
  if (original > 1) {
    db.phase = 'scale to 1';
    await keeper.change(db, { from: original, to: 1 }, 'as the charm restores only into a single unit', () => wait(1).then(() => undefined));
  } else {
    db.scaleRestored = 'not needed';
  }
  const unit = Object.values((await wait(1)).units)[0]?.name ?? `${app}/0`;
  db.unit = unit;

  db.phase = 'restore';
  log.info(`running restore backup-id=${db.backupId} on ${db.unit}, from ${describeS3Location(db.location)}`);
  await runRestore(db, unit, ctx);
  db.restoredAt = new Date();

  db.phase = 'scale back';
  if (original > 1) {
    await keeper.restore(app);
    await wait(original);
  }
  const status = await juju.application(app);
  const blocked = status.applicationStatus;
  if (blocked.current === 'blocked' && MOVE_RESTORED.test(blocked.message ?? '')) {
    const integrator = db.location?.integrator ?? '<s3-integrator>';
    const fresh = `${db.location?.path ? `${db.location.path}-` : ''}restored-${db.backupId?.replace(/[-:]/g, '').toLowerCase() ?? 'new'}`;
    db.s3Block = { message: blocked.message ?? '', command: `juju config -m ${juju.model} ${integrator} path=${fresh}` };
    log.warning(
      `${app} is blocked on "${blocked.message}": revision ${db.charmRevision ?? '?'} stops writing backups to the path it restored from until its s3-integrator points at a new one; the restored data is served meanwhile. To clear it: ${db.s3Block.command}`,
    );
  }
}

/** restore with --background and show-task to its end; a failure says what it left. */
async function runRestore(db: DbRestore, unit: string, ctx: DbRestoreContext): Promise<void> {
  const { config, juju, log } = ctx;
  const watching = watchPhases(db, unit, ctx);
  try {
    const task = await juju.runAction(
      unit,
      'restore',
      { 'backup-id': db.backupId },
      {
        waitMs: config.actionTimeoutMinutes * 60_000,
        mode: 'background',
        intervalMs: config.pollIntervalSeconds * 1000,
        progressEveryMs: config.progressIntervalSeconds * 1000,
        signal: ctx.signal,
        onTask: (id) => (db.taskId = id),
      },
    );
    if (task.results.completed !== 'ok') {
      db.damage = 'still running';
      throw new ActionError(`restore on ${task.unit} completed (task ${task.id}) without {"completed": "ok"} in its results: ${JSON.stringify(task.results)}`);
    }
    log.debug(`restore results on ${task.unit}: ${JSON.stringify(task.results)}`);
  } catch (err) {
    throw explainFailure(err, db, ctx);
  } finally {
    watching.stop();
  }
}

/** What a failed restore left, and what to do: the scale stays where a working unit is not proven. */
function explainFailure(err: unknown, db: DbRestore, ctx: DbRestoreContext): unknown {
  const { juju, keeper } = ctx;
  const app = db.application;
  const follow = db.taskId ? `juju show-task -m ${juju.model} ${db.taskId}` : `juju operations -m ${juju.model} --units ${db.unit} --actions restore`;
  const leave = (damage: Damage, why: string, when: string) => {
    db.damage = damage;
    keeper.leave(app, why, 'scaling up now would add units to a database that is not known to work', when);
  };
  if (err instanceof ActionFailedError) {
    const said = err.task.message;
    if (REFUSED.test(said) || OLD_DATA_KEPT.test(said)) {
      db.damage = 'old data kept';
      const phase = REFUSED.test(said) ? 'its checks refused before anything was stopped' : 'it failed before the data directory was emptied';
      return new ActionError(`the charm's restore failed on ${db.unit}: "${said}". The old data is in place (${phase}); the original scale is put back`);
    }
    leave('unit blocked', `restore failed on ${db.unit} after the data directory was emptied: "${said}"`, 'once the unit is replaced');
    return new ActionError(
      `the charm's restore failed on ${db.unit} after it had emptied the data directory: "${said}". The unit is blocked with mysqld down and cannot restore again; stop writers to ${app} and restore the same backup into a new application (README: "Restore into a new application"). ${app} is left at 1 unit`,
    );
  }
  if (err instanceof ActionTimeoutError || ctx.signal.aborted) {
    const status = err instanceof ActionTimeoutError ? err.lastStatus : 'unknown';
    leave(
      'still running',
      `restore task ${db.taskId ?? '?'} on ${db.unit} was ${status} when the run ${ctx.signal.aborted ? 'stopped' : 'gave up waiting'}`,
      `once it has completed (${follow})`,
    );
    return new ActionError(`${errorMessage(err)}; the restore goes on on the unit: follow it with ${follow}`);
  }
  return err;
}

/** The unit's status while the charm works (Downloading backup..., Restoring backup...), logged as it changes. */
function watchPhases(db: DbRestore, unitName: string, ctx: DbRestoreContext): { stop: () => void } {
  let stopped = false;
  let wake = () => {};
  const everyMs = Math.max(200, Math.min(ctx.config.pollIntervalSeconds * 1000, 5000));
  const loop = async () => {
    while (!stopped && !ctx.signal.aborted) {
      try {
        const unit = (await ctx.juju.application(db.application)).units[unitName];
        // The charm's own words while it works; "Primary" before and after is not a phase.
        const message = unit?.workloadStatus.current === 'active' ? '' : (unit?.workloadStatus.message ?? '');
        if (message && db.phasesSeen.at(-1) !== message) {
          db.phasesSeen.push(message);
          ctx.log.info(`${unitName}: ${unit?.workloadStatus.current} "${message}"`);
        }
      } catch {
        // The task's own wait reports juju failures; this only watches.
      }
      await new Promise<void>((r) => {
        const timer = setTimeout(r, everyMs);
        wake = () => (clearTimeout(timer), r());
      });
    }
  };
  void loop();
  return {
    stop: () => {
      stopped = true;
      wake();
    },
  };
}
