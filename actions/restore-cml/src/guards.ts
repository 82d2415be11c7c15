import { ActionError } from '@ml-backup-actions/core';
import { CdpError, classifyBackupStatus, whyNotGone, type MlApi, type Workspace } from '@ml-backup-actions/cdp';
import { RESTORED_FROM_TAG } from '@ml-backup-actions/cml';
import type { RestoreCmlRun } from './clients.js';

/** The backup is there and finished: a restore from a running or failed one is refused. */
export async function backupFinished({ clients, log, signal }: RestoreCmlRun, backupCrn: string): Promise<void> {
  const backup = await clients.ml.describeWorkspaceBackup({ backupCrn }, { signal });
  const status = backup.backupStatus ?? 'unknown';
  log.info(`backup ${backup.backupName ?? backupCrn}: ${status}, taken of version ${backup.workspaceVersionAtBackup ?? '?'}`);
  if (classifyBackupStatus(status) !== 'ready') {
    throw new ActionError(`backup ${backupCrn} is ${status}, not finished: only a backup that finished can be restored`);
  }
}

/** A workspace of that name in the environment, described (its tags say what it was restored from). */
export async function workspaceNamed(ml: MlApi, environmentName: string, workspaceName: string, signal: AbortSignal): Promise<Workspace | undefined> {
  try {
    return (await ml.describeWorkspace({ environmentName, workspaceName }, { signal })).workspace;
  } catch (err) {
    if (err instanceof CdpError && err.code === 'NOT_FOUND') return undefined;
    throw err;
  }
}

export const restoredFrom = (w: Workspace): string | undefined => (w.tags ?? []).find((t) => t.key === RESTORED_FROM_TAG)?.value;

/**
 * Before a restore is sent: a workspace of that name already restored from this backup is the
 * restore to follow (a rerun); one that was not is refused, never replaced.
 */
export async function earlierRestore(run: RestoreCmlRun, environmentName: string, workspaceName: string, backupCrn: string): Promise<Workspace | undefined> {
  const found = await workspaceNamed(run.clients.ml, environmentName, workspaceName, run.signal);
  if (!found) return undefined;
  const from = restoredFrom(found);
  if (from === backupCrn) return found;
  throw new ActionError(
    `a workspace named ${workspaceName} already exists in ${environmentName} (${found.crn}, ${found.instanceStatus}) and was ${from ? `restored from another backup (${from})` : 'not restored from this backup'}: ` +
      'it is never replaced; give another workspace-name, or workspace-crn to follow it',
  );
}

/**
 * use-static-subdomain takes the original's URL, so the original must be gone: describe says
 * NOT_FOUND twice, some time apart, and listWorkspaces no longer has it.
 */
export async function originalGone(run: RestoreCmlRun, original: { crn: string; name: string; instanceUrl: string }): Promise<void> {
  const { clients, log, signal } = run;
  const why = await whyNotGone(clients.ml, original, { gapMs: clients.goneConfirmMs, log, signal, label: `the original ${original.name}` });
  if (why) {
    throw new ActionError(
      `use-static-subdomain: true takes the original's URL (${original.instanceUrl}), so ${original.name} (${original.crn}) must be deleted first: ${why}`,
    );
  }
  log.info(`the original ${original.name} is gone (NOT_FOUND twice, not listed): its subdomain can be taken`);
}
