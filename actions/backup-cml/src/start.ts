import { ActionError } from '@ml-backup-actions/core';
import type { BackupCmlRun } from './clients.js';
import type { Plan } from './preflight.js';

/** backupWorkspace: the backup's CRN and the AWS Backup vault CDP uses for it. */
export async function startBackup(
  { config, clients, log, signal }: BackupCmlRun,
  plan: Extract<Plan, { kind: 'start' }>,
): Promise<{ backupCrn: string; vaultName?: string }> {
  // Not retried: a backup CDP started after a lost answer must not be started twice.
  const started = await clients.ml.backupWorkspace(
    { workspaceCrn: plan.workspaceCrn, backupName: plan.backupName, backupJobTimeoutMinutes: Math.max(1, Math.ceil(config.backupTimeoutMinutes)) },
    { signal, attempts: 1 },
  );
  for (const w of started.warnings ?? []) log.warning(`CDP: ${w}`);
  if (!started.backupCrn)
    throw new ActionError(
      `CDP backupWorkspace answered without a backup CRN for ${plan.backupName}; look for the backup with cdp ml list-workspace-backups before running again`,
    );
  log.info(`backup ${plan.backupName} started: ${started.backupCrn}${started.vaultName ? `, AWS Backup vault ${started.vaultName}` : ''}`);
  return { backupCrn: started.backupCrn, vaultName: started.vaultName };
}
