import { TimeoutError, poll } from '@ml-backup-actions/core';
import { JujuError } from './errors.js';
import type { Juju } from './juju.js';
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

/** See Juju.waitForUnits. */
export async function waitForUnits(juju: Juju, app: string, count: number, options: WaitForUnitsOptions): Promise<ApplicationStatus> {
  const until = options.until ?? 'active';
  const tolerated = options.transientFailures ?? 3;
  const started = Date.now();
  const want = count === 0 ? 'no units' : `${count} unit${count === 1 ? '' : 's'}${until === 'active' ? ' active' : ''}`;
  const label = `${app} to have ${want}`;
  let last: ApplicationStatus | undefined;
  let failures = 0;

  const done = (a: ApplicationStatus): boolean => {
    const units = Object.values(a.units);
    if (count === 0) return units.length === 0;
    if (units.length !== count || units.some(isDying)) return false;
    return until === 'present' || units.every(isActive);
  };

  try {
    return await poll({
      label,
      log: juju.log,
      signal: juju.signal,
      timeoutMs: options.timeoutMs,
      intervalMs: options.intervalMs,
      progressEveryMs: options.progressEveryMs,
      progress: () => (last ? `desired scale ${last.scale}; ${describeUnits(last)}` : 'no status read yet'),
      check: async () => {
        const remaining = options.timeoutMs - (Date.now() - started);
        try {
          // A status call that hangs must not carry the wait past its deadline.
          last = await juju.application(app, { timeoutMs: Math.max(1000, remaining) });
          failures = 0;
        } catch (err) {
          if (!(err instanceof JujuError) || !['unreachable', 'timeout'].includes(err.problem) || ++failures > tolerated) throw err;
          juju.log.warning(`juju status failed while waiting for ${label} (${failures} of ${tolerated} tolerated): ${err.message}`);
          return undefined;
        }
        const broken = Object.values(last.units).find((u) => isInError(u) && !isDying(u));
        if (broken && options.failOnError !== false) {
          throw new JujuError(
            'failed',
            `unit ${broken.name} is in error (${broken.statusError ?? broken.workloadStatus.message}) while waiting for ${label} in model "${juju.model}"; see "juju debug-log -m ${juju.model} --include ${broken.name}"`,
          );
        }
        return done(last) ? last : undefined;
      },
    });
  } catch (err) {
    if (err instanceof TimeoutError) {
      throw new TimeoutError(`${err.message}; check "juju status -m ${juju.model} ${app}" and "juju debug-log -m ${juju.model} --include ${app}"`);
    }
    throw err;
  }
}
