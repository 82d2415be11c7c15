import type { BackupClient } from '@aws-sdk/client-backup';
import { withDeadline } from '@ml-backup-actions/core';
import type { Workspace } from '@ml-backup-actions/cdp';
import { checkOptIns } from './aws.js';
import type { BackupCmlRun } from './clients.js';
import { defaultBackupName } from './config.js';
import { describeEarlier, findEarlier } from './earlier.js';
import { checkWorkspace, mustBeReady } from './workspace.js';

/** The pre-flight only reads (and tags disks): minutes, not hours, even with retries. */
const PREFLIGHT_MINUTES = 10;

/** What the run does once the checks have passed: follow a backup already started, or start one. */
export type Plan =
  { kind: 'attach'; backupCrn: string; vaultName?: string; backupName?: string; why?: string } | { kind: 'start'; workspaceCrn: string; backupName: string };

export interface Checked {
  plan: Plan;
  /** AWS: the AWS Backup client, for the jobs of the backup. */
  aws?: BackupClient;
  /** describeWorkspace's answer, for the upgrade record. */
  workspace?: Workspace;
}

/**
 * The checks before anything changes, all that dry-run does: the workspace is ready; on AWS, AWS
 * Backup may back up EBS and EFS; on Azure, the snapshot resource group exists; the disks carry
 * their garbage-collection tag (or get it, with tag-disks).
 */
export async function preflight(run: BackupCmlRun): Promise<Checked> {
  const { config, clients, report, step } = run;
  const stops = 'no backup was started (with tag-disks, the summary lists the disks tagged so far)';
  const signal = withDeadline(run.signal, PREFLIGHT_MINUTES, run.defer, stops, "the pre-flight's limit");
  const checks = { ...run, signal };
  const found = await step('pre-flight', 'Pre-flight: the workspace', () => checkWorkspace(clients.ml, config, run.log, signal));
  report.workspace = found?.view;
  const vaultName = found?.workspace.backupMetadata?.backupVaultName;
  let plan: Plan = config.backupCrn
    ? { kind: 'attach', backupCrn: config.backupCrn, vaultName }
    : {
        kind: 'start',
        workspaceCrn: found?.workspace.crn ?? '',
        backupName: config.backupName || defaultBackupName(found?.workspace.instanceName ?? 'workspace', config.startedAt),
      };
  if (plan.kind === 'start' && config.backupName) {
    const { backupName, workspaceCrn } = plan;
    const earlier = await step('pre-flight', `Pre-flight: no backup named ${backupName} yet`, () => findEarlier(clients.ml, workspaceCrn, backupName, signal));
    if (earlier) plan = { kind: 'attach', backupCrn: earlier.backupCrn, vaultName, backupName, why: describeEarlier(backupName, earlier) };
  }
  if (plan.kind === 'start' && found) mustBeReady(found.view);
  // The cloud SDKs are loaded here only: each would double the start-up of every run.
  if (found?.view.platform === 'AWS') {
    const aws = await clients.backup(config.awsRegion);
    const { checkAwsDisks } = await import('./aws-disks.js');
    await step('pre-flight', 'Pre-flight: AWS Backup opt-in, EBS volume tags', async () => {
      await checkOptIns(aws, config.awsRegion);
      await checkAwsDisks(checks);
    });
    return { plan, aws, workspace: found.workspace };
  }
  if (found?.view.platform === 'AZURE') {
    const { checkAzure } = await import('./azure.js');
    await step('pre-flight', 'Pre-flight: Azure snapshot resource group, disk tags', () => checkAzure(checks));
  }
  return { plan, workspace: found?.workspace };
}
