import { ActionError, poll, type Logger } from '@ml-backup-actions/core';
import { CdpError } from './errors.js';
import { describeRef, type MlApi } from './ml.js';
import type { DescribeWorkspaceBackupResponse, Workspace, WorkspaceRef } from './ml-types.js';

/** How a status reads to a waiter. Statuses are plain strings in the spec: new ones appear without notice. */
export type StatusClass = 'ready' | 'failed' | 'pending' | 'unknown';

/** cloudera.cloud's READY_STATES. */
export const WORKSPACE_READY_STATUSES: readonly string[] = ['installation:finished', 'modify:finished'];

/** Workspace statuses seen in public sources that mean "not there yet" (see reference/cdp.md, status values). */
export const WORKSPACE_KNOWN_STATUSES: readonly string[] = [
  'provision:started',
  'provision:finished',
  'installation:started',
  'installation:finished',
  'modify:started',
  'modify:finished',
  'deprovision:started',
  'deprovision:finished',
  'suspend:started',
  'suspend:finished',
  'resume:started',
  'resume:finished',
];

/** Classifies an instanceStatus: ready ones as given (default installation:finished, modify:finished), "*:failed" as failed. */
export function classifyWorkspaceStatus(status: string, ready: readonly string[] = WORKSPACE_READY_STATUSES): StatusClass {
  const s = status.trim().toLowerCase();
  if (ready.some((r) => r.toLowerCase() === s)) return 'ready';
  if (s.endsWith(':failed')) return 'failed';
  return WORKSPACE_KNOWN_STATUSES.includes(s) ? 'pending' : 'unknown';
}

/**
 * Classifies a backupStatus. No public source lists these values (reference/cdp.md), so this is a
 * guess kept deliberately wide: "*:finished", finished/completed/succeeded/success/available/ready
 * are ready; "*:failed" or anything with "fail" or "error" is failed; "*:started", pending,
 * in-progress and running are pending; anything else is unknown (logged once, and waited on).
 */
export function classifyBackupStatus(status: string, ready?: readonly string[]): StatusClass {
  const s = status.trim().toLowerCase();
  if (ready) return ready.some((r) => r.toLowerCase() === s) ? 'ready' : /fail|error/.test(s) ? 'failed' : knownPending(s) ? 'pending' : 'unknown';
  if (/(^|[:_\s-])(finished|completed?|succeeded|success|successful|available|ready)$/.test(s)) return 'ready';
  if (/fail|error/.test(s)) return 'failed';
  return knownPending(s) ? 'pending' : 'unknown';
}

function knownPending(s: string): boolean {
  return /(^|[:_\s-])(started|starting|pending|in[_\s-]?progress|running|queued|created|creating|validating)$/.test(s);
}

export interface WaitOptions {
  log: Logger;
  /** The deadline of the whole wait. */
  timeoutMs: number;
  /** Between two describes; 30 s by default. */
  intervalMs?: number;
  /** How often a progress line is printed; 5 min by default. */
  progressEveryMs?: number;
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

/** A wait that ended in a failure state; carries the last status and CDP's failure message. */
export class CdpWaitError extends ActionError {
  constructor(
    message: string,
    readonly status: string,
    readonly failureMessage?: string,
  ) {
    super(message);
    this.name = 'CdpWaitError';
  }
}

/** Logs each status not known to this suite once per wait, so a new CDP value is visible without flooding the log. */
function unknownStatusLogger(log: Logger, what: string) {
  const seen = new Set<string>();
  return (status: string) => {
    if (seen.has(status)) return;
    seen.add(status);
    log.info(`${what} is in status "${status}", which this suite does not know; treating it as still in progress.`);
  };
}

/**
 * Waits until the workspace reaches a ready status (by default installation:finished or
 * modify:finished; pass e.g. ['suspend:finished'] for other targets). Fails on any "*:failed"
 * status with CDP's failureMessage, and at the deadline with the last status.
 */
export async function waitForWorkspace(ml: MlApi, ref: WorkspaceRef, options: WaitOptions & { ready?: readonly string[] }): Promise<Workspace> {
  const what = `workspace ${describeRef(ref)}`;
  const ready = options.ready ?? WORKSPACE_READY_STATUSES;
  const unknown = unknownStatusLogger(options.log, what);
  let last = 'not described yet';
  return poll<Workspace>({
    ...pollTiming(options),
    label: `${what} to be ${ready.join(' or ')}`,
    progress: () => `status ${last}`,
    check: async () => {
      const { workspace } = await ml.describeWorkspace(ref, { signal: options.signal });
      const status = workspace.instanceStatus ?? '';
      if (status !== last) options.log.info(`${what}: status ${status || '(empty)'}`);
      last = status;
      const kind = classifyWorkspaceStatus(status, ready);
      if (kind === 'ready') return workspace;
      if (kind === 'failed') {
        const reason = workspace.failureMessage ? `: ${workspace.failureMessage}` : '';
        throw new CdpWaitError(
          `${what} failed with status ${status}${reason}. Look at the workspace's events in the CDP console before retrying.`,
          status,
          workspace.failureMessage,
        );
      }
      if (kind === 'unknown') unknown(status);
      return undefined;
    },
  });
}

/** Waits until describeWorkspace says NOT_FOUND (the delete finished); fails on "*:failed". */
export async function waitForWorkspaceDeleted(ml: MlApi, ref: WorkspaceRef, options: WaitOptions): Promise<void> {
  const what = `workspace ${describeRef(ref)}`;
  let last = 'not described yet';
  await poll<true>({
    ...pollTiming(options),
    label: `${what} to be deleted`,
    progress: () => `status ${last}`,
    check: async () => {
      try {
        const { workspace } = await ml.describeWorkspace(ref, { signal: options.signal });
        if (workspace.instanceStatus !== last) options.log.info(`${what}: status ${workspace.instanceStatus}`);
        last = workspace.instanceStatus;
        if (classifyWorkspaceStatus(last, []) === 'failed') {
          throw new CdpWaitError(
            `${what} failed to delete with status ${last}${workspace.failureMessage ? `: ${workspace.failureMessage}` : ''}.`,
            last,
            workspace.failureMessage,
          );
        }
        return undefined;
      } catch (err) {
        if (err instanceof CdpError && (err.code === 'NOT_FOUND' || err.status === 404)) return true;
        throw err;
      }
    },
  });
}

/**
 * Waits until a backup reaches a ready status (see classifyBackupStatus, or pass the exact ready
 * statuses once they are known). Fails on a failed status, and at the deadline with the last status.
 */
export async function waitForBackup(
  ml: MlApi,
  backupCrn: string,
  options: WaitOptions & { ready?: readonly string[] },
): Promise<DescribeWorkspaceBackupResponse> {
  const what = `backup ${backupCrn}`;
  const unknown = unknownStatusLogger(options.log, what);
  let last = 'not described yet';
  return poll<DescribeWorkspaceBackupResponse>({
    ...pollTiming(options),
    label: `${what} to complete`,
    progress: () => `status ${last}`,
    check: async () => {
      const backup = await ml.describeWorkspaceBackup({ backupCrn }, { signal: options.signal });
      const status = backup.backupStatus ?? '';
      if (status !== last) options.log.info(`${what}: status ${status || '(empty)'}`);
      last = status;
      if (!status) return undefined;
      const kind = classifyBackupStatus(status, options.ready);
      if (kind === 'ready') return backup;
      if (kind === 'failed')
        throw new CdpWaitError(`${what} failed with status ${status}. Check the backup in the CDP console and the cloud provider's backup jobs.`, status);
      if (kind === 'unknown') unknown(status);
      return undefined;
    },
  });
}

function pollTiming(options: WaitOptions) {
  return {
    timeoutMs: options.timeoutMs,
    intervalMs: options.intervalMs ?? 30_000,
    progressEveryMs: options.progressEveryMs ?? 300_000,
    log: options.log,
    signal: options.signal,
    sleep: options.sleep,
    now: options.now,
  };
}
