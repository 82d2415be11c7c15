import type { ActionDefinition, Status } from '@ml-backup-actions/core';
import { readRecord } from '@ml-backup-actions/cml';
import { deleteCmlClients, type DeleteCmlClients, type DeleteCmlRun } from './clients.js';
import { readConfig, type DeleteCmlConfig } from './config.js';
import { findTarget, proveDataSafe, refuseUnsafeInputs } from './proof.js';
import { sendDelete, waitUntilDeleted } from './remove.js';
import { newDeleteReport, type DeleteReport } from './report.js';
import { durationSeconds, renderSummary } from './summary.js';

/**
 * Steps 3 and 5 of the upgrade runbook: delete the original (once the interim holds its data) or
 * the interim (once the final workspace does). Right before it deletes, it proves again that the
 * data is safe; the storage is kept unless removing it provably loses nothing.
 */
async function deleteCml(run: DeleteCmlRun): Promise<Status | void> {
  const { config, report, step, log } = run;
  const state = report.delete;
  const record = readRecord(config.recordFile);
  state.cloud = record.cloud;
  refuseUnsafeInputs(run, record);

  const target = await step('proof', 'Prove the data is safe: the backup, the proof workspace, the storage', async () => {
    const found = await findTarget(run);
    Object.assign(state, { workspaceName: found?.instanceName, foundStatus: found?.instanceStatus ?? 'NOT_FOUND', filesystemId: found?.filesystemID });
    await proveDataSafe(run, record, found);
    return found;
  });
  const name = target?.instanceName ?? (config.role === 'original' ? record.original.name : config.workspaceCrn);
  if (config.dryRun) {
    log.info(
      `dry run: ${target ? `deleteWorkspace would be sent for ${name} (force ${config.force}, removeStorage ${config.removeStorage})` : `${name} is already gone`}`,
    );
    return 'checked';
  }
  if (!target) log.info(`${name} is NOT_FOUND: an earlier run deleted it; confirming`);
  else if (target.instanceStatus === 'deprovision:started') log.info(`${name} is being deleted already: following it, not sending the delete again`);
  else await step('delete', `Delete ${name}`, () => sendDelete(run, target));
  if (!config.wait && target) {
    log.info('wait is false: the delete runs on; run again to confirm it');
    return 'started';
  }
  await step('wait', `Wait until ${name} is gone`, () => waitUntilDeleted(run, name));
  state.deleted = true;
  const kept = record.cloud === 'AZURE' ? `; the shared NFS ${state.filesystemId ?? ''} is kept` : `; its file system ${state.filesystemId ?? ''} is kept`;
  log.info(`${name} is deleted (NOT_FOUND twice, not listed)${config.removeStorage ? '' : kept}`);
}

export const deleteCmlAction: ActionDefinition<DeleteCmlConfig, DeleteCmlClients, DeleteReport> = {
  name: 'delete-cml',
  config: readConfig,
  report: (_config, now) => newDeleteReport(now),
  clients: deleteCmlClients,
  main: deleteCml,
  summary: renderSummary,
  finalOutputs: (config, report) => {
    const d = report.delete;
    const removed = d.deleted && config.removeStorage;
    return {
      deleted: String(d.deleted),
      'storage-removed': String(removed),
      'kept-filesystem-id': removed ? '' : (d.filesystemId ?? ''),
      'duration-seconds': durationSeconds(report),
    };
  },
};
