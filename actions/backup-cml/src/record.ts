import { existsSync } from 'node:fs';
import { errorMessage } from '@ml-backup-actions/core';
import type { Workspace } from '@ml-backup-actions/cdp';
import { readRecord, recordOf, takeInventory, writeRecord, type UpgradeRecord } from '@ml-backup-actions/cml';
import type { BackupCmlRun } from './clients.js';

/**
 * The upgrade record, before anything changes: the original as describeWorkspace gives it and, with
 * cml-api-key, its projects. The restore derives its request from it and the validation compares
 * against it, when the original is suspended or gone.
 */
export async function recordOriginal(run: BackupCmlRun, workspace: Workspace, attaching: boolean): Promise<UpgradeRecord> {
  const { config, clients, log, signal } = run;
  // A job that attaches finds the workspace as the backup left it (suspended, on Azure): the record
  // the starting job wrote, before anything changed, is the one to keep.
  const earlier = attaching ? earlierRecord(run, workspace) : undefined;
  if (earlier) {
    log.info(`upgrade record: keeping ${config.recordFile}, written ${earlier.writtenAt} before the backup started`);
    run.setOutputs({ 'record-file': config.recordFile });
    return earlier;
  }
  const record = recordOf(workspace);
  if (config.cmlApiKey && attaching) {
    // The backup has already changed the workspace: an inventory it cannot answer is no reason to stop following it.
    try {
      record.inventory = await takeInventory(clients.cml(workspace.instanceUrl), workspace.instanceUrl, { log, signal });
    } catch (err) {
      record.inventoryMissing = `backup-cml attached to a running backup and could not list the projects: ${errorMessage(err)}`;
      log.warning(`${record.inventoryMissing}; the record of the job that started the backup has them`);
    }
  } else if (config.cmlApiKey) {
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

function earlierRecord(run: BackupCmlRun, workspace: Workspace): UpgradeRecord | undefined {
  const file = run.config.recordFile;
  if (!existsSync(file)) return undefined;
  try {
    const record = readRecord(file);
    if (record.original.crn === workspace.crn) return record;
    run.log.warning(`${file} records ${record.original.crn}, not ${workspace.crn}: it is replaced`);
  } catch (err) {
    run.log.warning(`${errorMessage(err)} It is replaced.`);
  }
  return undefined;
}

function save(run: BackupCmlRun, record: UpgradeRecord): void {
  writeRecord(run.config.recordFile, record);
  run.setOutputs({ 'record-file': run.config.recordFile });
  run.log.info(
    `upgrade record: ${run.config.recordFile}${record.inventory ? ` (${record.inventory.projects.length} projects)` : ''}${record.backup ? `, backup ${record.backup.crn}` : ''}`,
  );
}
