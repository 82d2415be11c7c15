import { ActionError, CancelledError, type ActionDefinition, type Status } from '@ml-backup-actions/core';
import { followBackup } from './follow.js';
import { backupCmlClients, type BackupCmlClients, type BackupCmlRun } from './clients.js';
import { readConfig, type BackupCmlConfig } from './config.js';
import { preflight } from './preflight.js';
import { recordBackup, recordOriginal } from './record.js';
import { durationSeconds, newCmlReport, type CmlReport } from './report.js';
import { RunningBackup } from './running.js';
import { startBackup } from './start.js';
import { stopAwsJobs } from './stop.js';
import { renderSummary, workspaceOutputs } from './summary.js';
import { Suspension } from './suspend.js';

/** How far back AWS Backup jobs are looked for: CDP creates them after backupWorkspace returns. */
const JOBS_SINCE_SKEW_MS = 5 * 60_000;

/**
 * Step 1 of the upgrade runbook: back up the workspace. Check it is ready (and, on AWS, that AWS
 * Backup may back up EBS and EFS), suspend it on Azure, start the backup, follow it to the end.
 */
async function backupCml(run: BackupCmlRun): Promise<Status | void> {
  const { config, clients, report, step, log, signal } = run;
  const { plan, aws, workspace } = await preflight(run);
  run.setOutputs(workspaceOutputs(report.workspace));
  const record = workspace
    ? await step('record', 'Record the original workspace for the restore', () => recordOriginal(run, workspace, plan.kind === 'attach'))
    : undefined;
  if (config.dryRun) {
    log.info(plan.kind === 'start' ? `dry run: the backup would be ${plan.backupName}` : `dry run: ${plan.why ?? `would follow backup ${plan.backupCrn}`}`);
    return 'checked';
  }

  const progressEveryMs = config.progressIntervalMinutes * 60_000;
  const timing = { timeoutMs: config.backupTimeoutMinutes * 60_000, progressEveryMs, intervalMs: Math.max(200, Math.min(progressEveryMs, 60_000) / 4), signal };
  const w = report.workspace;
  const suspendIt = w?.platform === 'AZURE' ? config.suspend !== 'false' : config.suspend === 'true';
  const suspension = suspendIt && w ? new Suspension(clients.ml, w, log) : undefined;
  const current: { backup?: RunningBackup } = {};
  if (suspension) run.defer('resume the workspace', (failure) => (failure ? suspension.undo(current.backup?.running ?? false) : undefined));

  if (plan.kind === 'attach') {
    report.phase = 'attach';
    Object.assign(report.backup, { backupCrn: plan.backupCrn, vaultName: plan.vaultName, backupName: plan.backupName, earlier: plan.why });
    log.info(plan.why ?? `attaching to backup ${plan.backupCrn}: following it, not starting one`);
  } else {
    if (suspension) await step('suspend', 'Suspend the workspace (Azure)', () => suspension.suspend(timing, (s) => (report.suspend = s)));
    report.backup.backupName = plan.backupName;
    Object.assign(report.backup, await step('backup', `Start backup ${plan.backupName}`, () => startBackup(run, plan)));
  }
  const { backupCrn, vaultName } = report.backup;
  if (!backupCrn) throw new ActionError('no backup to follow: neither backup-crn nor CDP named one');
  if (record) recordBackup(run, record, { crn: backupCrn, name: report.backup.backupName, vaultName });
  const jobs = aws && vaultName ? { client: aws, vault: vaultName, since: new Date(config.startedAt.getTime() - JOBS_SINCE_SKEW_MS) } : undefined;
  const running = new RunningBackup(backupCrn, report.backup, jobs);
  current.backup = running;
  // Out at once, so that a next job can attach (backup-crn) if this one hits GitHub's 6-hour limit.
  run.setOutputs({ 'backup-crn': backupCrn, ...(vaultName ? { 'vault-name': vaultName } : {}) });
  if (!config.wait) {
    log.info('wait is false: the backup runs on; follow it with backup-crn in a later step');
    return 'started';
  }

  run.defer('stop the AWS Backup jobs', async (failure) => {
    if (failure instanceof CancelledError && running.running && config.cancelOnTimeout) await stopAwsJobs(running, 'the run was cancelled', log);
  });
  const followed = await step('wait', `Follow backup ${report.backup.backupName ?? backupCrn}`, () => followBackup(run, running, timing));
  suspension?.keep();
  if (followed === 'handed over') return 'started';
}

export const backupCmlAction: ActionDefinition<BackupCmlConfig, BackupCmlClients, CmlReport> = {
  name: 'backup-cml',
  config: readConfig,
  report: (config) => newCmlReport(config.startedAt),
  clients: (config, context) => backupCmlClients(config, context),
  main: backupCml,
  summary: renderSummary,
  finalOutputs: (_config, report) => ({
    'backup-status': report.backup.backupStatus ?? report.status,
    'still-running': String(report.status === 'started'),
    'duration-seconds': durationSeconds(report),
  }),
};
