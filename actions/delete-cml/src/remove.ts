import { ActionError, CancelledError, TimeoutError, sleep } from '@ml-backup-actions/core';
import { CdpError, CdpWaitError, waitForWorkspaceDeleted, whyNotGone, type Workspace } from '@ml-backup-actions/cdp';
import type { DeleteCmlRun } from './clients.js';

/** deleteWorkspace with force and removeStorage always sent (a peer's default removes storage: reference/cml-restore.md §3). */
export async function sendDelete(run: DeleteCmlRun, target: Workspace): Promise<void> {
  const { config, clients, log, signal, report } = run;
  const sent = { force: config.force, removeStorage: config.removeStorage };
  if (config.force) {
    log.warning(
      `force: true: CDP no longer guarantees that ${target.instanceName}'s cloud resources are cleaned up; look for its Kubernetes cluster, disks and load balancers (${target.k8sClusterName || 'cluster name unknown'}) afterwards`,
    );
  }
  try {
    await clients.ml.deleteWorkspace({ workspaceCrn: target.crn, ...sent }, { signal });
  } catch (err) {
    if (err instanceof CdpError && target.instanceStatus === 'suspend:finished') {
      throw new ActionError(
        `CDP refused to delete the suspended ${target.instanceName}: ${err.message}. A resume lets it run sessions and jobs again (on Azure on the NFS the restored workspace uses): ` +
          `resume it with its jobs stopped (cdp ml resume-workspace --workspace-crn ${target.crn}), then run this again`,
        { cause: err },
      );
    }
    throw err;
  }
  report.delete.sent = sent;
  log.info(`delete of ${target.instanceName} sent (force ${sent.force}, removeStorage ${sent.removeStorage})`);
}

/** How often the delete is polled: a quarter of progress-interval-minutes, 200 ms to 30 s. */
export const deletePollMs = (config: { progressIntervalMinutes: number }) => Math.max(200, Math.min((config.progressIntervalMinutes * 60_000) / 4, 30_000));

/**
 * Deleted means NOT_FOUND seen twice, goneConfirmMs apart, and not listed: a transient error is
 * never taken for deleted. A "*:failed" status ends it with CDP's message; force is the next step.
 */
export async function waitUntilDeleted(run: DeleteCmlRun, name: string): Promise<void> {
  const { config, clients, log, signal } = run;
  const deadline = Date.now() + config.timeoutMinutes * 60_000;
  const progressEveryMs = config.progressIntervalMinutes * 60_000;
  const intervalMs = deletePollMs(config);
  try {
    for (;;) {
      await waitForWorkspaceDeleted(
        clients.ml,
        { workspaceCrn: config.workspaceCrn },
        { log, signal, timeoutMs: Math.max(1, deadline - Date.now()), intervalMs, progressEveryMs },
      );
      const why = await whyNotGone(clients.ml, { crn: config.workspaceCrn, name }, { gapMs: clients.goneConfirmMs, log, signal });
      if (!why) return;
      if (Date.now() >= deadline) throw new TimeoutError(`not confirmed deleted: ${why}`);
      log.info(`${name} is not confirmed deleted (${why}); waiting on`);
      await sleep(intervalMs, signal);
    }
  } catch (err) {
    if (err instanceof CdpWaitError) {
      run.report.delete.failureMessage = err.failureMessage;
      throw new ActionError(`${err.message} A rerun with force: true removes it without the cleanup guarantee.`);
    }
    if (err instanceof TimeoutError) {
      throw new ActionError(`${name} was not deleted within timeout-minutes (${config.timeoutMinutes}): the delete runs on in CDP; run again to follow it`, {
        ended: 'timed out',
      });
    }
    if (err instanceof CancelledError || signal.aborted) log.warning(`stopped following: the delete of ${name} runs on in CDP; run again to follow it`);
    throw err;
  }
}
