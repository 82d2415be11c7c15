import { ActionError, sleep } from '@ml-backup-actions/core';
import { CdpError, type RestoreWorkspaceRequest, type Workspace } from '@ml-backup-actions/cdp';
import type { RestoreCmlRun } from './clients.js';
import { restoredFrom, workspaceNamed } from './guards.js';

/** How often a lost answer's restore is looked for (clients.lookForMs apart). */
const LOOKS = 4;

/**
 * restoreWorkspace, sent once and never retried blindly: a second restore would make a second
 * workspace. When the answer is lost (no response, a timeout, a 5xx), CDP may have started it:
 * the workspace of that name restored from that backup is looked for and followed.
 */
export async function sendRestore(
  run: RestoreCmlRun,
  request: RestoreWorkspaceRequest,
): Promise<{ workspaceCrn: string; how: 'started' | 'attached'; why?: string }> {
  const { clients, log, signal } = run;
  const p = request.newWorkspaceParameters;
  const env = p?.environmentName ?? '';
  const name = p?.workspaceName ?? '';
  try {
    const answer = await clients.ml.restoreWorkspace(request, { signal, attempts: 1 });
    for (const w of answer.warnings ?? []) log.warning(`CDP: ${w}`);
    if (!answer.workspaceCrn)
      throw new ActionError(`restoreWorkspace answered without a workspace CRN; look for ${name} in ${env} with cdp ml list-workspaces before running again`);
    log.info(`restore started: ${name} is ${answer.workspaceCrn}`);
    return { workspaceCrn: answer.workspaceCrn, how: 'started' };
  } catch (err) {
    if (!(err instanceof CdpError) || !answerLost(err)) throw err;
    log.warning(`restoreWorkspace's answer was lost (${err.message}); looking for the workspace it may have started, not sending it again`);
    const found = await lookFor(run, env, name, request.backupCrn ?? '');
    if (found)
      return {
        workspaceCrn: found.crn,
        how: 'attached',
        why: `restoreWorkspace's answer was lost; ${name} restored from the backup was found and is followed`,
      };
    throw new ActionError(
      `restoreWorkspace's answer was lost (${err.message}) and no workspace ${name} restored from ${request.backupCrn} appeared in ${env}: ` +
        'look with cdp ml list-workspaces before running again (a rerun attaches to it if it appears; a second restore is never sent)',
    );
  }
}

const answerLost = (err: CdpError) => err.code === 'NETWORK_ERROR' || err.code === 'TIMEOUT' || err.status >= 500;

async function lookFor(run: RestoreCmlRun, env: string, name: string, backupCrn: string): Promise<Workspace | undefined> {
  for (let look = 1; look <= LOOKS; look++) {
    const found = await workspaceNamed(run.clients.ml, env, name, run.signal).catch(() => undefined);
    if (found && restoredFrom(found) === backupCrn) return found;
    if (look < LOOKS) await sleep(run.clients.lookForMs, run.signal);
  }
  return undefined;
}
