import { ActionError } from '@ml-backup-actions/core';
import { type BackupDetail, type MlApi, classifyBackupStatus } from '@ml-backup-actions/cdp';

/** A backup-name given again (a rerun): the backup the first run made, and what this run does with it. */
export interface Earlier {
  backupCrn: string;
  status: string;
  /** follow: still running, followed to its end; reuse: finished, nothing started. */
  use: 'follow' | 'reuse';
}

/**
 * A rerun with the same backup-name must not start a second backup: listWorkspaceBackups is asked
 * for one of this workspace with that name. A running one is followed, a finished one reused, and a
 * failed one refused (a new backup needs a new name, so that the two are never confused).
 */
export async function findEarlier(ml: MlApi, workspaceCrn: string, name: string, signal: AbortSignal): Promise<Earlier | undefined> {
  const { backups = [] } = await ml.listWorkspaceBackups({ workspaceCrn }, { signal });
  const same = backups.filter((b) => b.backupName === name && b.backupCrn).sort(byCreated);
  if (!same.length) return undefined;
  const kind = (b: BackupDetail) => classifyBackupStatus(b.backupStatus ?? 'unknown');
  const running = same.find((b) => kind(b) !== 'ready' && kind(b) !== 'failed');
  const finished = same.find((b) => kind(b) === 'ready');
  const chosen = running ?? finished;
  if (chosen) {
    return { backupCrn: chosen.backupCrn ?? '', status: chosen.backupStatus ?? 'unknown', use: chosen === running ? 'follow' : 'reuse' };
  }
  const failed = same[0];
  throw new ActionError(
    `backup-name ${name} is taken: this workspace's backup ${failed.backupCrn} of that name ended ${failed.backupStatus ?? 'unknown'}. ` +
      'A failed backup is not reused and a second backup of the same name is not started; give another backup-name (empty makes one from the time)',
  );
}

/** Newest first. */
const byCreated = (a: BackupDetail, b: BackupDetail) => Date.parse(b.createdAt ?? '') - Date.parse(a.createdAt ?? '') || 0;

export function describeEarlier(name: string, e: Earlier): string {
  return e.use === 'follow'
    ? `backup ${name} of this workspace was started before (${e.backupCrn}, status ${e.status}): following it, not starting a second`
    : `backup ${name} of this workspace already finished (${e.backupCrn}, status ${e.status}): reused, no backup started`;
}
