import type { BackupClient } from '@aws-sdk/client-backup';
import { errorMessage, poll, type Logger } from '@ml-backup-actions/core';
import { describeJob, listVaultJobs } from '@ml-backup-actions/aws';
import { CdpWaitError, type MlApi, classifyBackupStatus } from '@ml-backup-actions/cdp';
import type { CmlReport } from './report.js';

export interface TrackOptions {
  timeoutMs: number;
  progressEveryMs: number;
  /** Between two describeWorkspaceBackup calls. */
  intervalMs: number;
  log: Logger;
  signal: AbortSignal;
  /** AWS: the vault's jobs are listed with every progress line. */
  aws?: { client: BackupClient; vault: string; since: Date };
}

/**
 * Follows the backup until CDP says it finished or failed: describeWorkspaceBackup is the source of
 * truth. Every progress interval the AWS Backup jobs of the vault are listed with their state,
 * percent and bytes (AWS's percentages are estimates).
 */
export async function trackBackup(ml: MlApi, backupCrn: string, report: CmlReport, options: TrackOptions): Promise<string> {
  const { log } = options;
  const seen = new Set<string>();
  let lastJobsAt = 0;
  if (options.aws) log.info('AWS Backup job percentages are AWS estimates; the backup is done when CDP says so');
  try {
    return await poll({
      label: `backup ${report.backupName ?? backupCrn}`,
      log,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      intervalMs: options.intervalMs,
      progressEveryMs: options.progressEveryMs,
      progress: () => `CDP status ${report.backupStatus ?? 'not read yet'}`,
      check: async () => {
        const backup = await ml.describeWorkspaceBackup({ backupCrn }, { signal: options.signal });
        const status = backup.backupStatus ?? 'unknown';
        if (status !== report.backupStatus) log.info(`backup status: ${status}`);
        report.backupStatus = status;
        const kind = classifyBackupStatus(status);
        if (kind === 'unknown' && !seen.has(status)) {
          seen.add(status);
          log.warning(`backup status "${status}" is not one this action knows; it keeps waiting for a finished or failed status`);
        }
        if (options.aws && Date.now() - lastJobsAt >= options.progressEveryMs) {
          lastJobsAt = Date.now();
          await listJobs(report, options);
        }
        if (kind === 'failed') throw new CdpWaitError(`the backup ended ${status} (CDP describeWorkspaceBackup ${backupCrn})`, status);
        return kind === 'ready' ? status : undefined;
      },
    });
  } finally {
    // The final state of every job for the summary (not after a cancel: the runner's grace is short).
    if (options.aws && !options.signal.aborted) await listJobs(report, { ...options, quiet: true }).catch(() => undefined);
  }
}

async function listJobs(report: CmlReport, options: TrackOptions & { quiet?: boolean }): Promise<void> {
  const aws = options.aws!;
  try {
    report.jobs = await listVaultJobs(aws.client, aws.vault, aws.since, options.signal);
  } catch (err) {
    options.log.warning(errorMessage(err));
    return;
  }
  if (options.quiet) return;
  if (!report.jobs.length) options.log.info(`AWS Backup: no job in vault ${aws.vault} yet`);
  for (const job of report.jobs) options.log.info(`AWS Backup job ${job.id}: ${describeJob(job)}`);
}

