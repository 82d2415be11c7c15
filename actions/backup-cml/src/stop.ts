import type { Logger } from '@ml-backup-actions/core';
import { stopJobs } from '@ml-backup-actions/aws';
import type { RunningBackup } from './running.js';

/**
 * cancel-on-timeout: asks AWS Backup to stop the backup's jobs that still run. The backup counts as
 * running on only while a job could not be stopped.
 */
export async function stopAwsJobs(backup: RunningBackup, why: string, log: Logger): Promise<void> {
  if (!backup.aws) return;
  const { stopped, failed } = await stopJobs(backup.aws.client, backup.state.jobs);
  backup.state.stoppedJobs = stopped;
  backup.running = failed.length > 0;
  log.warning(
    `${why}: stopped ${stopped.length} AWS Backup job${stopped.length === 1 ? '' : 's'} of this backup (cancel-on-timeout)${failed.length ? `; could not stop: ${failed.join('; ')}` : ''}`,
  );
}
