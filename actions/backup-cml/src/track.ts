import { errorMessage, poll, type Logger } from '@ml-backup-actions/core';
import { describeJob, listVaultJobs } from '@ml-backup-actions/aws';
import { CdpWaitError, type MlApi, classifyBackupStatus } from '@ml-backup-actions/cdp';
import type { AwsJobs, RunningBackup } from './running.js';

export interface TrackOptions {
  timeoutMs: number;
  progressEveryMs: number;
  /** Between two describeWorkspaceBackup calls. */
  intervalMs: number;
  log: Logger;
  signal: AbortSignal;
}

/**
 * Follows the backup until CDP says it finished or failed: describeWorkspaceBackup is the source of
 * truth. Every progress interval the AWS Backup jobs of the vault are listed with their state,
 * percent and bytes (AWS's percentages are estimates).
 */
export async function trackBackup(ml: MlApi, backup: RunningBackup, options: TrackOptions): Promise<string> {
  const { log } = options;
  const { state, aws } = backup;
  const seen = new Set<string>();
  let lastJobsAt = 0;
  if (aws) log.info('AWS Backup job percentages are AWS estimates; the backup is done when CDP says so');
  try {
    return await poll({
      label: `backup ${state.backupName ?? backup.crn}`,
      log,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      intervalMs: options.intervalMs,
      progressEveryMs: options.progressEveryMs,
      progress: () => `CDP status ${state.backupStatus ?? 'not read yet'}`,
      check: async () => {
        const described = await ml.describeWorkspaceBackup({ backupCrn: backup.crn }, { signal: options.signal });
        const status = described.backupStatus ?? 'unknown';
        if (status !== state.backupStatus) log.info(`backup status: ${status}`);
        state.backupStatus = status;
        const kind = classifyBackupStatus(status);
        if (kind === 'unknown' && !seen.has(status)) {
          seen.add(status);
          log.warning(`backup status "${status}" is not one this action knows; it keeps waiting for a finished or failed status`);
        }
        if (aws && Date.now() - lastJobsAt >= options.progressEveryMs) {
          lastJobsAt = Date.now();
          await listJobs(backup, aws, options);
        }
        if (kind === 'failed') throw new CdpWaitError(`the backup ended ${status} (CDP describeWorkspaceBackup ${backup.crn})`, status);
        return kind === 'ready' ? status : undefined;
      },
    });
  } finally {
    // The final state of every job for the summary (not after a cancel: the runner's grace is short).
    if (aws && !options.signal.aborted) await listJobs(backup, aws, { ...options, quiet: true }).catch(() => undefined);
  }
}

async function listJobs(backup: RunningBackup, aws: AwsJobs, options: TrackOptions & { quiet?: boolean }): Promise<void> {
  try {
    backup.state.jobs = await listVaultJobs(aws.client, aws.vault, aws.since, options.signal);
  } catch (err) {
    options.log.warning(errorMessage(err));
    return;
  }
  if (options.quiet) return;
  if (!backup.state.jobs.length) options.log.info(`AWS Backup: no job in vault ${aws.vault} yet`);
  for (const job of backup.state.jobs) options.log.info(`AWS Backup job ${job.id}: ${describeJob(job)}`);
}
