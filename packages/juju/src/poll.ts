import { poll, type Logger, type PollOptions } from '@ml-backup-actions/core';
import { JujuCli } from './cli.js';

export interface JujuPollOptions<S, T> extends Omit<PollOptions<T>, 'check' | 'log' | 'signal'> {
  /** The call that is tolerated when it fails transiently, as the warning names it: "juju status". */
  call: string;
  /** Reads the state once; remainingMs is what is left of the wait, so a hanging call cannot outlast it. */
  read: (remainingMs: number) => Promise<S>;
  /** The awaited value from a state read, or undefined to keep waiting; throws to stop waiting. */
  done: (state: S) => T | undefined;
  /** Consecutive unreachable or unanswered calls tolerated before giving up (default 3). */
  transientFailures?: number;
}

/**
 * The one wait loop of this package: core's poll, with the controller allowed to miss a few calls in
 * a row (a busy or restarting controller), each named in a warning; a refusal stops the wait at once.
 */
export function pollJuju<S, T>(cli: { log: Logger; signal?: AbortSignal }, options: JujuPollOptions<S, T>): Promise<T> {
  const { call, read, done, transientFailures = 3, ...rest } = options;
  const started = Date.now();
  let failures = 0;
  return poll({
    ...rest,
    log: cli.log,
    signal: cli.signal,
    check: async () => {
      let state: S;
      try {
        state = await read(options.timeoutMs - (Date.now() - started));
        failures = 0;
      } catch (err) {
        if (!JujuCli.isTransient(err) || ++failures > transientFailures) throw err;
        cli.log.warning(`${call} failed while waiting for ${options.label} (${failures} of ${transientFailures} tolerated): ${(err as Error).message}`);
        return undefined;
      }
      return done(state);
    },
  });
}
