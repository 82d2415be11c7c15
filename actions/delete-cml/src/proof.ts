import { ActionError } from '@ml-backup-actions/core';
import { CdpError, classifyBackupStatus, type Workspace } from '@ml-backup-actions/cdp';
import { RESTORED_FROM_TAG, failedChecks, validateRestored, type UpgradeRecord } from '@ml-backup-actions/cml';
import type { DeleteCmlRun } from './clients.js';

const restoredFrom = (w: Workspace): string | undefined => (w.tags ?? []).find((t) => t.key === RESTORED_FROM_TAG)?.value;

/** The workspace to delete as CDP has it now; undefined when it is NOT_FOUND (an earlier run deleted it). */
export async function findTarget({ clients, config, signal }: DeleteCmlRun): Promise<Workspace | undefined> {
  try {
    return (await clients.ml.describeWorkspace({ workspaceCrn: config.workspaceCrn }, { signal })).workspace;
  } catch (err) {
    if (err instanceof CdpError && err.code === 'NOT_FOUND') return undefined;
    throw err;
  }
}

/** What the inputs ask that the record already rules out, before any CDP call. */
export function refuseUnsafeInputs(run: DeleteCmlRun, record: UpgradeRecord): void {
  const { config } = run;
  if (!record.backup?.crn) throw refusal(run, `the record ${config.recordFile} names no backup: without one, nothing proves the data is safe`);
  if (config.role === 'original' && config.workspaceCrn !== record.original.crn) {
    throw refusal(
      run,
      `role: original deletes the workspace the record was written of, ${record.original.name} (${record.original.crn}); workspace-crn is ${config.workspaceCrn}`,
    );
  }
  if (config.role === 'interim' && config.workspaceCrn === record.original.crn) {
    throw refusal(run, `role: interim deletes the interim workspace; workspace-crn is the original ${record.original.name}: give role: original`);
  }
  if (config.removeStorage && record.cloud === 'AZURE') {
    throw refusal(
      run,
      'remove-storage: true is refused on Azure: the original, the interim and the final workspace share one NFS, and removing the storage may delete the files the final workspace runs on',
    );
  }
}

/**
 * Right before the delete, proven again whatever an earlier job said (reference/cml-restore.md §3):
 * the backup is this workspace's and finished; the proof was restored from it, is where the role
 * says (the interim at a URL of its own, the final one at the original's) and passes every check
 * of validate-cml against the record; the storage to remove is not the proof's.
 */
export async function proveDataSafe(run: DeleteCmlRun, record: UpgradeRecord, target: Workspace | undefined): Promise<Workspace> {
  const { config, clients, log, signal, report } = run;
  const state = report.delete;
  const backupCrn = record.backup?.crn ?? '';
  if (config.role === 'original') {
    const { backups } = await clients.ml.listWorkspaceBackups({ workspaceCrn: config.workspaceCrn }, { signal });
    if (!(backups ?? []).some((b) => b.backupCrn === backupCrn)) {
      throw refusal(run, `${backupCrn} is not a backup of ${record.original.name}: listWorkspaceBackups of ${config.workspaceCrn} does not have it`);
    }
    const backup = await clients.ml.describeWorkspaceBackup({ backupCrn }, { signal });
    if (classifyBackupStatus(backup.backupStatus ?? '') !== 'ready') throw refusal(run, `the backup ${backupCrn} is ${backup.backupStatus}, not finished`);
  } else if (target && restoredFrom(target) !== backupCrn) {
    throw refusal(run, `${target.instanceName} was not restored from the record's backup ${backupCrn}: role: interim deletes only the interim workspace`);
  }

  const proofRole = config.role === 'original' ? 'the interim' : 'the final workspace';
  const validation = await validateRestored(clients, record, config.proofWorkspaceCrn, {
    expectUrl: config.role === 'original' ? 'different' : 'same',
    keys: [{ input: 'cml-api-key', key: config.cmlApiKey }],
    log,
    signal,
  });
  const proof = validation.workspace;
  Object.assign(state, { proofName: proof.instanceName, proofChecks: validation.checks });
  if (restoredFrom(proof) !== backupCrn) throw refusal(run, `the proof ${proof.instanceName} was not restored from the record's backup ${backupCrn}`);
  const failed = failedChecks(validation.checks);
  if (failed.length) {
    throw refusal(run, `the proof ${proof.instanceName} (${proofRole}) fails ${failed.map((c) => `${c.name}: ${c.found}, expected ${c.expected}`).join('; ')}`);
  }
  for (const c of validation.checks) if (c.result === 'warn') log.warning(`proof ${proof.instanceName}: ${c.name}: ${c.found} (expected ${c.expected})`);
  log.info(
    `proof: ${proof.instanceName} (${proofRole}) passes all ${validation.checks.length} checks against the record, ${validation.projectsFound} projects`,
  );

  if (config.removeStorage) {
    const storage = target?.filesystemID || (config.role === 'original' ? record.original.filesystemId : '');
    if (!storage || storage === proof.filesystemID) {
      throw refusal(
        run,
        `remove-storage: true would remove ${storage || 'a file system this run cannot name'}, ${storage ? `which the proof ${proof.instanceName} runs on` : 'so it is kept'}`,
      );
    }
  }
  if (config.force && target && target.instanceStatus !== 'deprovision:failed') {
    throw refusal(
      run,
      `force: true is only for a delete that failed (deprovision:failed); ${target.instanceName} is ${target.instanceStatus}: run without force first`,
    );
  }
  return proof;
}

function refusal(run: DeleteCmlRun, why: string): ActionError {
  run.report.delete.refused = why;
  return new ActionError(`refused to delete ${run.config.workspaceCrn} (nothing was deleted): ${why}`);
}
