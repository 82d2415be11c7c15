import type { BackupClient } from '@aws-sdk/client-backup';
import { ActionError, CancelledError, TimeoutError, errorMessage, runAction, setErrorOutput, setOutputs, withDeadline, type Logger, type RunContext } from '@ml-backup-actions/core';
import { stopJobs } from '@ml-backup-actions/aws';
import { connectCdp, type MlApi, type Workspace } from '@ml-backup-actions/cdp';
import { backupClient, checkOptIns } from './aws.js';
import { defaultBackupName, readConfig, type BackupCmlConfig } from './config.js';
import { durationSeconds, newReport, type CmlReport } from './report.js';
import { renderSummary } from './summary.js';
import { Suspension } from './suspend.js';
import { trackBackup } from './track.js';
import { checkWorkspace } from './workspace.js';

/** The pre-flight only reads (and tags disks): minutes, not hours, even with retries. */
const PREFLIGHT_MINUTES = 10;
/** How far back AWS Backup jobs are looked for: CDP creates them after backupWorkspace returns. */
const JOBS_SINCE_SKEW_MS = 5 * 60_000;

/**
 * Step 1 of the upgrade runbook: back up the workspace. Check it is ready (and, on AWS, that AWS
 * Backup may back up EBS and EFS), suspend it on Azure, start the backup, follow it to the end.
 */
export async function backupCml({ signal, log, defer }: RunContext): Promise<void> {
  const config = readConfig();
  const report = newReport(config.startedAt);
  defer('job summary', (failure) => finish(config, report, failure, log));

  const { ml } = connectCdp(config.cdp, { log });
  const { workspace, aws } = await preflight(ml, config, report, log, withDeadline(signal, PREFLIGHT_MINUTES, defer, 'no backup was started (with tag-disks, the summary lists the disks tagged so far)', 'the pre-flight\'s limit'));
  const platform = report.workspace?.platform;
  setWorkspaceOutputs(report);
  if (config.dryRun) {
    report.status = 'checked';
    log.info(`dry run: the backup would be ${config.backupName || defaultBackupName(workspace?.instanceName ?? 'workspace', config.startedAt)}`);
    return;
  }

  const waitMs = config.backupTimeoutMinutes * 60_000;
  const progressEveryMs = config.progressIntervalMinutes * 60_000;
  const intervalMs = Math.max(200, Math.min(progressEveryMs, 60_000) / 4);
  const suspendIt = platform === 'AZURE' ? config.suspend !== 'false' : config.suspend === 'true';
  let backupRunning = false;
  const suspension = suspendIt && workspace ? new Suspension(ml, workspace.crn!, report, log) : undefined;
  if (suspension) defer('resume the workspace', (failure) => (failure ? suspension.undo(backupRunning) : undefined));

  if (config.backupCrn) {
    report.phase = 'attach';
    report.backupCrn = config.backupCrn;
    report.vaultName = workspace?.backupMetadata?.backupVaultName;
    log.info(`attaching to backup ${config.backupCrn}: following it, not starting one`);
  } else {
    if (suspension) {
      report.phase = 'suspend';
      await log.group('Suspend the workspace (Azure)', () => suspension.suspend({ timeoutMs: waitMs, progressEveryMs, intervalMs, signal }));
    }
    report.phase = 'backup';
    report.backupName = config.backupName || defaultBackupName(workspace!.instanceName, config.startedAt);
    // Not retried: a backup CDP started after a lost answer must not be started twice.
    const started = await ml.backupWorkspace({ workspaceCrn: workspace!.crn!, backupName: report.backupName, backupJobTimeoutMinutes: Math.max(1, Math.ceil(config.backupTimeoutMinutes)) }, { signal, attempts: 1 });
    report.backupCrn = started.backupCrn;
    report.vaultName = started.vaultName;
    for (const w of started.warnings ?? []) log.warning(`CDP: ${w}`);
    log.info(`backup ${report.backupName} started: ${report.backupCrn}${report.vaultName ? `, AWS Backup vault ${report.vaultName}` : ''}`);
  }
  backupRunning = true;
  // Out at once, so that a next job can attach (backup-crn) if this one hits GitHub's 6-hour limit.
  setOutputs({ 'backup-crn': report.backupCrn!, ...(report.vaultName ? { 'vault-name': report.vaultName } : {}) });
  report.status = 'started';
  if (!config.wait) {
    log.info('wait is false: the backup runs on; follow it with backup-crn in a later step');
    return;
  }

  report.phase = 'wait';
  const jobs = aws && report.vaultName ? { client: aws, vault: report.vaultName, since: new Date(config.startedAt.getTime() - JOBS_SINCE_SKEW_MS) } : undefined;
  const stopJobsOnWayOut = async (why: string) => {
    if (!config.cancelOnTimeout || !jobs) return;
    const running = report.jobs.length ? report.jobs : [];
    const { stopped, failed } = await stopJobs(jobs.client, running);
    report.stoppedJobs = stopped;
    backupRunning = failed.length > 0;
    log.warning(`${why}: stopped ${stopped.length} AWS Backup job${stopped.length === 1 ? '' : 's'} of this backup (cancel-on-timeout)${failed.length ? `; could not stop: ${failed.join('; ')}` : ''}`);
  };
  defer('stop the AWS Backup jobs', async (failure) => {
    if (failure instanceof CancelledError && backupRunning) await stopJobsOnWayOut('the run was cancelled');
  });
  try {
    await log.group(`Follow backup ${report.backupName ?? report.backupCrn}`, () =>
      trackBackup(ml, report.backupCrn!, report, { timeoutMs: waitMs, progressEveryMs, intervalMs, log, signal, aws: jobs }),
    );
  } catch (err) {
    if (err instanceof TimeoutError) {
      report.status = 'timed out';
      await stopJobsOnWayOut(`backup-timeout-minutes (${config.backupTimeoutMinutes}) passed`);
      throw new ActionError(
        `the backup did not finish within backup-timeout-minutes (${config.backupTimeoutMinutes}); CDP status ${report.backupStatus ?? 'unknown'}. ` +
          (config.cancelOnTimeout ? 'Its AWS Backup jobs were asked to stop.' : `It keeps running: follow it with backup-crn: ${report.backupCrn}`),
      );
    }
    if (!(err instanceof CancelledError)) backupRunning = false; // it failed: nothing is running any more
    throw err;
  }
  backupRunning = false;
  report.status = 'succeeded';
  report.finishedAt = new Date();
  if (report.suspend) report.suspend.outcome = 'left suspended';
}

/**
 * The checks before anything changes, all that dry-run does: the workspace is ready; on AWS, AWS
 * Backup may back up EBS and EFS; on Azure, the snapshot resource group exists; the disks carry
 * their garbage-collection tag (or get it, with tag-disks).
 */
async function preflight(ml: MlApi, config: BackupCmlConfig, report: CmlReport, log: Logger, signal: AbortSignal): Promise<{ workspace?: Workspace; aws?: BackupClient }> {
  const workspace = await log.group('Pre-flight: the workspace', () => checkWorkspace(ml, config, report, log, signal));
  const platform = report.workspace?.platform;
  // The cloud SDKs are loaded here only: each would double the start-up of every run.
  if (platform === 'AWS') {
    const aws = backupClient(config.awsRegion);
    const { checkAwsDisks } = await import('./aws-disks.js');
    await log.group('Pre-flight: AWS Backup opt-in, EBS volume tags', async () => {
      await checkOptIns(aws, config.awsRegion);
      await checkAwsDisks(config, report, log, signal);
    });
    return { workspace, aws };
  }
  if (platform === 'AZURE') {
    const { checkAzure } = await import('./azure.js');
    await log.group('Pre-flight: Azure snapshot resource group, disk tags', () => checkAzure(config, report, log, signal));
  }
  return { workspace };
}

function setWorkspaceOutputs(report: CmlReport): void {
  const w = report.workspace;
  if (!w) return;
  setOutputs({
    'workspace-crn': w.crn,
    'workspace-name': w.name,
    'environment-name': w.environment,
    'cloud-platform': w.platform,
    'filesystem-id': w.filesystemId,
    // On Azure the workspace's NFS is not in the backup: the restore needs it back as existingNFS.
    'existing-nfs': w.platform === 'AZURE' ? w.filesystemId : '',
    'nfs-version': w.nfsVersion,
  });
}

async function finish(config: BackupCmlConfig, report: CmlReport, failure: unknown, log: RunContext['log']): Promise<void> {
  report.finishedAt ??= new Date();
  if (failure) {
    if (report.status !== 'timed out') report.status = failure instanceof CancelledError ? 'interrupted' : 'failed';
    report.error = errorMessage(failure);
    setErrorOutput(failure);
  }
  setOutputs({ 'backup-status': report.backupStatus ?? report.status, 'duration-seconds': durationSeconds(report) });
  const summary = renderSummary(config, report);
  if (!(await summary.write())) log.debug(summary.text());
}

export const run = (): Promise<number> => runAction('backup-cml', backupCml);
