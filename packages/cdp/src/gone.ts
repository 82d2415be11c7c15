import { sleep, type Logger } from '@ml-backup-actions/core';
import { CdpError } from './errors.js';
import type { MlApi } from './ml.js';

/**
 * Whether a workspace is gone: describeWorkspace says NOT_FOUND twice, gapMs apart, and
 * listWorkspaces has nothing with its CRN or its URL. A 500, a timeout or a lagging replica never
 * reads as gone (reference/cml-restore.md §2: a peer squelches 404 and 500 into "deleted").
 * Returns why it is not gone, or undefined when it is.
 */
export async function whyNotGone(
  ml: MlApi,
  w: { crn: string; name: string; instanceUrl?: string },
  options: { gapMs: number; log: Logger; signal?: AbortSignal; label?: string },
): Promise<string | undefined> {
  const { signal, log } = options;
  const label = options.label ?? w.name;
  for (let check = 1; check <= 2; check++) {
    const answer = await ml.describeWorkspace({ workspaceCrn: w.crn }, { signal }).then(
      ({ workspace }) => ({ workspace }),
      (err: unknown) => ({ err }),
    );
    if ('workspace' in answer) return `it is ${answer.workspace.instanceStatus}`;
    const { err } = answer;
    if (!(err instanceof CdpError)) throw err;
    if (err.code !== 'NOT_FOUND') return `describeWorkspace did not say NOT_FOUND (${err.message})`;
    if (check === 1) {
      log.info(`${label} is NOT_FOUND; asking again in ${Math.round(options.gapMs / 1000)} s`);
      await sleep(options.gapMs, signal);
    }
  }
  const listed = (await ml.listWorkspaces({}, { signal })).workspaces ?? [];
  const still = listed.find((x) => x.crn === w.crn || (w.instanceUrl && x.instanceUrl === w.instanceUrl));
  if (still) return `listWorkspaces still has ${still.instanceName} (${still.instanceStatus})${still.crn === w.crn ? '' : ' at that URL'}`;
  return undefined;
}
