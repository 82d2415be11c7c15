import { TimeoutError } from './errors.js';
import type { Logger } from './log.js';
import { formatDuration, sleep } from './time.js';

export interface PollOptions<T> {
  /** What is awaited, as the progress and timeout messages name it. */
  label: string;
  /** Returns the awaited value, or undefined to keep waiting. */
  check: () => Promise<T | undefined>;
  intervalMs: number;
  timeoutMs: number;
  /** How often a progress line is printed while waiting. */
  progressEveryMs: number;
  /** The progress line's detail (current state); defaults to the elapsed time only. */
  progress?: () => string;
  log: Logger;
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

/** Waits for a condition with a deadline, printing progress at a fixed interval. */
export async function poll<T>(options: PollOptions<T>): Promise<T> {
  const now = options.now ?? Date.now;
  const wait = options.sleep ?? sleep;
  const started = now();
  let lastProgress = started;
  for (;;) {
    const value = await options.check();
    if (value !== undefined) return value;
    const elapsed = now() - started;
    if (elapsed >= options.timeoutMs) {
      const detail = options.progress ? ` (last state: ${options.progress()})` : '';
      throw new TimeoutError(`timed out after ${formatDuration(elapsed / 1000)} waiting for ${options.label}${detail}`);
    }
    if (now() - lastProgress >= options.progressEveryMs) {
      lastProgress = now();
      const detail = options.progress ? `: ${options.progress()}` : '';
      options.log.info(`still waiting for ${options.label} after ${formatDuration(elapsed / 1000)}${detail}`);
    }
    await wait(Math.min(options.intervalMs, Math.max(0, options.timeoutMs - elapsed)), options.signal);
  }
}
