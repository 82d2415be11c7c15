import { ActionError, CancelledError, TimeoutError, poll, sleep } from '@ml-backup-actions/core';
import { classifyWorkspaceStatus, type Workspace } from '@ml-backup-actions/cdp';
import type { RestoreCmlRun } from './clients.js';

/** Ready after a restore; resume:finished counts too (low confidence, reference/cml-restore.md §2). */
const READY = ['installation:finished', 'modify:finished', 'resume:finished'];

/** How often the restore is polled: a quarter of progress-interval-minutes, 200 ms to 60 s. */
export const restorePollMs = (config: { progressIntervalMinutes: number }) => Math.max(200, Math.min((config.progressIntervalMinutes * 60_000) / 4, 60_000));

/**
 * Follows the restored workspace by CRN (the interim and the final can share a name pattern) to a
 * ready status: progress lines at the interval, jittered polls, restore-timeout-minutes as the
 * deadline, "*:failed" with CDP's failure message. A cancel leaves the restore running; so does
 * hand-over-minutes, for a next job to follow it by CRN.
 */
export async function followRestore(run: RestoreCmlRun, workspaceCrn: string): Promise<Workspace | 'handed over'> {
  const { config, clients, report, log, signal } = run;
  const state = report.restore;
  const progressEveryMs = config.progressIntervalMinutes * 60_000;
  const intervalMs = restorePollMs(config);
  const timeoutMs = config.restoreTimeoutMinutes * 60_000;
  // Counted from the step's start: it is the job's time limit that the hand-over keeps clear of.
  const handOverMs = config.handOverMinutes ? Math.max(1, config.startedAt.getTime() + config.handOverMinutes * 60_000 - Date.now()) : 0;
  const handsOver = handOverMs > 0 && handOverMs < timeoutMs;
  const seen = new Set<string>();
  try {
    return await poll({
      label: `the restore of ${state.workspaceName ?? workspaceCrn}`,
      log,
      signal,
      timeoutMs: handsOver ? handOverMs : timeoutMs,
      intervalMs,
      progressEveryMs,
      // Jittered: many restores started together must not poll CDP in step.
      sleep: (ms, s) => sleep(ms * (0.8 + Math.random() * 0.4), s),
      progress: () => `status ${state.instanceStatus ?? 'not read yet'}`,
      check: async () => {
        const { workspace } = await clients.ml.describeWorkspace({ workspaceCrn }, { signal });
        const status = workspace.instanceStatus ?? 'unknown';
        if (status !== state.instanceStatus) log.info(`workspace ${workspace.instanceName}: ${status}`);
        Object.assign(state, { instanceStatus: status, instanceUrl: workspace.instanceUrl, version: workspace.version, workspaceName: workspace.instanceName });
        const kind = classifyWorkspaceStatus(status, READY);
        if (kind === 'failed') {
          state.failureMessage = workspace.failureMessage;
          throw new ActionError(`the restore of ${workspace.instanceName} ended ${status}: ${workspace.failureMessage || 'CDP gave no failure message'}`);
        }
        if (kind === 'unknown' && !seen.has(status)) {
          seen.add(status);
          log.warning(`workspace status "${status}" is not one this action knows; it keeps waiting for a ready or failed status`);
        }
        return kind === 'ready' ? workspace : undefined;
      },
    });
  } catch (err) {
    const attach = `the restore runs on in CDP: follow it with workspace-crn: ${workspaceCrn}`;
    if (err instanceof TimeoutError && handsOver) {
      log.info(
        `hand-over-minutes (${config.handOverMinutes}) passed with ${state.workspaceName ?? workspaceCrn} at ${state.instanceStatus ?? 'no status yet'}: handing over; ${attach}`,
      );
      return 'handed over';
    }
    if (err instanceof TimeoutError) {
      throw new ActionError(
        `${state.workspaceName ?? workspaceCrn} was not ready within restore-timeout-minutes (${config.restoreTimeoutMinutes}); ${attach}`,
        { ended: 'timed out' },
      );
    }
    if (err instanceof CancelledError || signal.aborted) log.warning(`stopped following: ${attach}`);
    throw err;
  }
}
