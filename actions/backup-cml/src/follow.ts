import { ActionError, CancelledError, TimeoutError } from '@ml-backup-actions/core';
import type { BackupCmlRun } from './clients.js';
import type { RunningBackup } from './running.js';
import { stopAwsJobs } from './stop.js';
import { trackBackup } from './track.js';

/**
 * Follows the backup to its end, or until hand-over-minutes, when it hands over (returns
 * 'handed over' with the backup running on, for a next job to follow with backup-crn). Past
 * backup-timeout-minutes the run ends timed out: with cancel-on-timeout the backup's AWS jobs are
 * asked to stop, otherwise it runs on and the error says how to follow it. A backup that failed is
 * no longer running; a cancelled run's is.
 */
export async function followBackup(
  run: BackupCmlRun,
  backup: RunningBackup,
  timing: { timeoutMs: number; progressEveryMs: number; intervalMs: number },
): Promise<'finished' | 'handed over'> {
  const { config, clients, log, signal } = run;
  // Counted from the step's start: it is the job's time limit that the hand-over keeps clear of.
  const handOverMs = config.handOverMinutes ? Math.max(1, config.startedAt.getTime() + config.handOverMinutes * 60_000 - Date.now()) : 0;
  const handsOver = handOverMs > 0 && handOverMs < timing.timeoutMs;
  try {
    await trackBackup(clients.ml, backup, { ...timing, timeoutMs: handsOver ? handOverMs : timing.timeoutMs, log, signal });
    backup.running = false;
    return 'finished';
  } catch (err) {
    if (!(err instanceof TimeoutError)) {
      if (!(err instanceof CancelledError)) backup.running = false;
      throw err;
    }
    if (handsOver) {
      log.info(
        `hand-over-minutes (${config.handOverMinutes}) passed with the backup running (CDP status ${backup.state.backupStatus ?? 'unknown'}): ` +
          `handing over; a next step follows it with backup-crn: ${backup.crn}`,
      );
      return 'handed over';
    }
    if (config.cancelOnTimeout) await stopAwsJobs(backup, `backup-timeout-minutes (${config.backupTimeoutMinutes}) passed`, log);
    throw new ActionError(
      `the backup did not finish within backup-timeout-minutes (${config.backupTimeoutMinutes}); CDP status ${backup.state.backupStatus ?? 'unknown'}. ` +
        (config.cancelOnTimeout ? 'Its AWS Backup jobs were asked to stop.' : `It keeps running: follow it with backup-crn: ${backup.crn}`),
      { ended: 'timed out' },
    );
  }
}
