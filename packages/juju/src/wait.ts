import { TimeoutError, type Logger } from '@ml-backup-actions/core';
import { JujuError, type CallOptions } from './cli.js';
import { pollJuju } from './poll.js';
import type { ApplicationStatus } from './types.js';
import { describeUnits, isActive, isDying, isInError } from './units.js';

export interface WaitForUnitsOptions {
  timeoutMs: number;
  /** A progress line naming the units and their states is printed this often. */
  progressEveryMs: number;
  /** Time between two `juju status` calls. */
  intervalMs: number;
  /**
   * 'active' (default): the units must also be active with an idle or busy agent;
   * 'present': listed and not dying is enough. Irrelevant for a count of 0.
   */
  until?: 'active' | 'present';
  /** Fail at once when a unit goes into error instead of waiting for the deadline (default true). */
  failOnError?: boolean;
  /** Consecutive unreachable or unanswered status calls tolerated before giving up (default 3). */
  transientFailures?: number;
}

/** Where the wait reads the application's status from: a Juju client. */
export interface StatusSource {
  readonly model: string;
  readonly log: Logger;
  readonly signal?: AbortSignal;
  application(app: string, options?: CallOptions): Promise<ApplicationStatus>;
}

/** See Juju.waitForUnits. */
export async function waitForUnits(cli: StatusSource, app: string, count: number, options: WaitForUnitsOptions): Promise<ApplicationStatus> {
  const until = options.until ?? 'active';
  const want = count === 0 ? 'no units' : `${count} unit${count === 1 ? '' : 's'}${until === 'active' ? ' active' : ''}`;
  const label = `${app} to have ${want}`;
  let last: ApplicationStatus | undefined;

  const reached = (a: ApplicationStatus): boolean => {
    const units = Object.values(a.units);
    if (count === 0) return units.length === 0;
    if (units.length !== count || units.some(isDying)) return false;
    return until === 'present' || units.every(isActive);
  };

  try {
    return await pollJuju(cli, {
      label,
      call: 'juju status',
      timeoutMs: options.timeoutMs,
      intervalMs: options.intervalMs,
      progressEveryMs: options.progressEveryMs,
      transientFailures: options.transientFailures,
      progress: () => (last ? `desired scale ${last.scale}; ${describeUnits(last)}` : 'no status read yet'),
      // A status call that hangs must not carry the wait past its deadline.
      read: (remainingMs) => cli.application(app, { timeoutMs: Math.max(1000, remainingMs) }),
      done: (a) => {
        last = a;
        const broken = Object.values(a.units).find((u) => isInError(u) && !isDying(u));
        if (broken && options.failOnError !== false) {
          throw new JujuError(
            'failed',
            `unit ${broken.name} is in error (${broken.statusError ?? broken.workloadStatus.message}) while waiting for ${label} in model "${cli.model}"; see "juju debug-log -m ${cli.model} --include ${broken.name}"`,
          );
        }
        return reached(a) ? a : undefined;
      },
    });
  } catch (err) {
    if (err instanceof TimeoutError) {
      throw new TimeoutError(`${err.message}; check "juju status -m ${cli.model} ${app}" and "juju debug-log -m ${cli.model} --include ${app}"`);
    }
    throw err;
  }
}
