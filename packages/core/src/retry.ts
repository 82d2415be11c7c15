import { errorMessage } from './errors.js';
import type { Logger } from './log.js';
import { sleep } from './time.js';

export interface RetryOptions {
  label: string;
  /** Total attempts, the first one included. */
  attempts: number;
  baseMs: number;
  maxMs: number;
  retryable: (err: unknown) => boolean;
  log?: Logger;
  signal?: AbortSignal;
  /** Injected in tests so that no test waits. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** Bounded retry with exponential backoff and full jitter. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= options.attempts || !options.retryable(err) || options.signal?.aborted) throw err;
      const delay = Math.round(random() * Math.min(options.maxMs, options.baseMs * 2 ** (attempt - 1)));
      options.log?.info(`${options.label}: attempt ${attempt} of ${options.attempts} failed (${errorMessage(err)}); retrying in ${delay} ms`);
      await wait(delay, options.signal);
    }
  }
}
