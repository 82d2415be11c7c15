import {
  type BackupClient,
  type BackupJob,
  DescribeBackupJobCommand,
  DescribeRegionSettingsCommand,
  StopBackupJobCommand,
  paginateListBackupJobs,
} from '@aws-sdk/client-backup';
import { ActionError, errorMessage, formatBytes } from '@ml-backup-actions/core';
import { parsePercentDone } from './percent.js';

/** States after which a job changes no more. */
export const TERMINAL_STATES = new Set(['COMPLETED', 'ABORTED', 'FAILED', 'EXPIRED', 'PARTIAL']);

export interface JobView {
  id: string;
  resourceType: string;
  resource: string;
  state: string;
  percent?: number;
  bytesTransferred?: number;
  message?: string;
}

export function viewOf(job: BackupJob): JobView {
  return {
    id: job.BackupJobId ?? '?',
    resourceType: job.ResourceType ?? '?',
    resource: job.ResourceName || job.ResourceArn || '?',
    state: job.State ?? 'UNKNOWN',
    percent: parsePercentDone(job.PercentDone),
    bytesTransferred: job.BytesTransferred,
    ...(job.StatusMessage ? { message: job.StatusMessage } : {}),
  };
}

/** "EBS vol-0abc RUNNING 12.3% (4.5 GiB)" for progress lines. */
export function describeJob(j: JobView): string {
  const pct = j.percent === undefined ? 'progress unknown' : `${j.percent.toFixed(1)}%`;
  const bytes = j.bytesTransferred ? `, ${formatBytes(j.bytesTransferred)} transferred` : '';
  return `${j.resourceType} ${j.resource} ${j.state} ${pct}${bytes}${j.message ? ` (${j.message})` : ''}`;
}

/** Every backup job in the vault created since `since` (all pages). */
export async function listVaultJobs(client: BackupClient, vault: string, since: Date, signal?: AbortSignal): Promise<JobView[]> {
  const jobs: JobView[] = [];
  try {
    for await (const page of paginateListBackupJobs({ client, pageSize: 100 }, { ByBackupVaultName: vault, ByCreatedAfter: since }, { abortSignal: signal })) {
      for (const job of page.BackupJobs ?? []) jobs.push(viewOf(job));
    }
  } catch (err) {
    throw new ActionError(`listing AWS Backup jobs in vault ${vault} failed: ${errorMessage(err)}; the role needs backup:ListBackupJobs`);
  }
  return jobs;
}

/**
 * Stops the jobs that are still running; a job that ended meanwhile is not an error (its state is
 * read again to tell). Returns what was asked to stop and what could not be.
 */
export async function stopJobs(client: BackupClient, jobs: readonly JobView[]): Promise<{ stopped: string[]; failed: string[] }> {
  const running = jobs.filter((j) => !TERMINAL_STATES.has(j.state) && j.state !== 'ABORTING');
  const stopped: string[] = [];
  const failed: string[] = [];
  await Promise.all(
    running.map(async (j) => {
      try {
        await client.send(new StopBackupJobCommand({ BackupJobId: j.id }));
        stopped.push(j.id);
      } catch (err) {
        const now = await client.send(new DescribeBackupJobCommand({ BackupJobId: j.id })).catch(() => undefined);
        if (now?.State && (TERMINAL_STATES.has(now.State) || now.State === 'ABORTING')) return;
        failed.push(`${j.id}: ${errorMessage(err)}`);
      }
    }),
  );
  return { stopped, failed };
}

/** DescribeRegionSettings: the resource types CML backups need that are not opted in. */
export async function missingOptIns(client: BackupClient, needed: readonly string[] = ['EBS', 'EFS']): Promise<string[]> {
  const settings = await client.send(new DescribeRegionSettingsCommand({}));
  const prefs = settings.ResourceTypeOptInPreference ?? {};
  return needed.filter((t) => prefs[t] !== true);
}
