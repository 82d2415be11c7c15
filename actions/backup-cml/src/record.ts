import { errorMessage } from '@ml-backup-actions/core';
import type { Workspace } from '@ml-backup-actions/cdp';
import { RECORD_VERSION, takeInventory, writeRecord, type UpgradeRecord } from '@ml-backup-actions/cml';
import type { BackupCmlRun } from './clients.js';

/**
 * The upgrade record, before anything changes: the original as describeWorkspace gives it and, with
 * cml-api-key, its projects. The restore derives its request from it and the validation compares
 * against it, when the original is suspended or gone.
 */
export async function recordOriginal(run: BackupCmlRun, workspace: Workspace): Promise<UpgradeRecord> {
  const { config, clients, log, signal } = run;
  const platform = (workspace.cloudPlatform ?? '').toUpperCase() === 'AZURE' ? 'AZURE' : 'AWS';
  const record: UpgradeRecord = {
    recordVersion: RECORD_VERSION,
    kind: 'cml-upgrade-record',
    writtenAt: new Date().toISOString(),
    cloud: platform,
    original: {
      crn: workspace.crn,
      name: workspace.instanceName,
      environmentName: workspace.environmentName,
      instanceUrl: workspace.instanceUrl,
      version: workspace.version,
      filesystemId: workspace.filesystemID ?? '',
      ...(workspace.nfsVersion ? { nfsVersion: workspace.nfsVersion } : {}),
    },
    describeWorkspace: workspace,
  };
  if (config.cmlApiKey) {
    // No inventory, no validation later: a failure here stops the run before the workspace changes.
    record.inventory = await takeInventory(clients.cml(workspace.instanceUrl), workspace.instanceUrl, { log, signal });
  } else {
    record.inventoryMissing = 'no cml-api-key was given to backup-cml: validate-cml cannot compare the projects';
    log.warning(`${record.inventoryMissing}; give an MLAdmin's CML API v2 key of ${workspace.instanceName} as cml-api-key`);
  }
  save(run, record);
  return record;
}

/** The backup's CRN, once CDP has named it. */
export function recordBackup(run: BackupCmlRun, record: UpgradeRecord, backup: { crn: string; name?: string; vaultName?: string }): void {
  record.backup = { crn: backup.crn, ...(backup.name ? { name: backup.name } : {}), ...(backup.vaultName ? { vaultName: backup.vaultName } : {}) };
  record.writtenAt = new Date().toISOString();
  try {
    save(run, record);
  } catch (err) {
    run.log.warning(`the upgrade record could not be updated with the backup CRN: ${errorMessage(err)}; give backup-crn to restore-cml`);
  }
}

function save(run: BackupCmlRun, record: UpgradeRecord): void {
  writeRecord(run.config.recordFile, record);
  run.setOutputs({ 'record-file': run.config.recordFile });
  run.log.info(
    `upgrade record: ${run.config.recordFile}${record.inventory ? ` (${record.inventory.projects.length} projects)` : ''}${record.backup ? `, backup ${record.backup.crn}` : ''}`,
  );
}
