import { ActionError, type Logger } from '@ml-backup-actions/core';
import { type MlApi, type Workspace, classifyWorkspaceStatus } from '@ml-backup-actions/cdp';
import type { BackupCmlConfig } from './config.js';
import type { WorkspaceView } from './report.js';

/** describeWorkspace: it must exist and be ready (installation:finished or modify:finished). */
export async function checkWorkspace(
  ml: MlApi,
  config: BackupCmlConfig,
  log: Logger,
  signal: AbortSignal,
): Promise<{ workspace: Workspace; view: WorkspaceView } | undefined> {
  if (!config.workspace) {
    log.info('no workspace named: following the backup by its CRN only (no AWS Backup job details)');
    return undefined;
  }
  const { workspace } = await ml.describeWorkspace(config.workspace, { signal });
  const status = workspace.instanceStatus ?? 'unknown';
  const view: WorkspaceView = {
    crn: workspace.crn ?? '',
    name: workspace.instanceName,
    environment: workspace.environmentName ?? '',
    platform: (workspace.cloudPlatform ?? '').toUpperCase(),
    status,
    filesystemId: workspace.filesystemID ?? '',
    nfsVersion: workspace.nfsVersion ?? '',
  };
  log.info(`workspace ${workspace.instanceName} (${view.crn}) in ${view.environment}, ${view.platform}, status ${status}, version ${workspace.version ?? '?'}`);
  if (!['AWS', 'AZURE'].includes(view.platform))
    throw new ActionError(`workspace ${workspace.instanceName} runs on ${view.platform || 'an unknown cloud'}; backup-cml supports AWS and Azure`);
  return { workspace, view };
}

/** Only a backup to start needs it: while one runs (attached to), an Azure workspace is suspended. */
export function mustBeReady(view: WorkspaceView): void {
  if (classifyWorkspaceStatus(view.status) !== 'ready') {
    throw new ActionError(`workspace ${view.name} is ${view.status}, not ready (installation:finished or modify:finished): a backup needs a ready workspace`);
  }
}
