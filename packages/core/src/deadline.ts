import { TimeoutError } from './errors.js';

/**
 * The run's cancellation signal, also aborted once timeout-minutes has passed, so that every wait
 * and child process below it stops the same way on either.
 */
export function withDeadline(
  cancelled: AbortSignal,
  minutes: number,
  defer: (label: string, fn: () => void) => void,
  whatStops: string,
  limit = 'timeout-minutes',
): AbortSignal {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new TimeoutError(`timed out after ${minutes} minutes (${limit}); ${whatStops}`)), minutes * 60_000);
  defer('deadline', () => clearTimeout(timer));
  return AbortSignal.any([cancelled, controller.signal]);
}
