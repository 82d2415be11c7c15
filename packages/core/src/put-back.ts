import { ActionError, errorMessage } from './errors.js';
import type { Logger } from './log.js';
import { formatDuration, sleep } from './time.js';

/**
 * GitHub's cancel: SIGINT, 7.5 s later SIGTERM, 2.5 s later SIGKILL. What is put back after a
 * signal must be done by then, with a moment left to write the summary.
 */
export const AFTER_FIRST_SIGNAL_MS = 9_000;
export const AFTER_SIGTERM_MS = 2_000;
/** Without a signal, putting back may outlast a slow controller for this long, within the action's deadline... */
export const PUT_BACK_BUDGET_MS = 5 * 60_000;
/** ...but never for less than this, so that a run stopped by its deadline still puts things back. */
export const PUT_BACK_MIN_MS = 60_000;

/**
 * How long putting things back may still take. Until a signal arrives, each budget() runs its own
 * time (5 minutes by default); once one arrives, every budget ends where GitHub's grace does.
 */
export class Grace {
  /** @param budgetMs how long putting back may take without a signal (tests shorten it) */
  constructor(private readonly budgetMs = PUT_BACK_BUDGET_MS) {}

  private readonly ends = new AbortController();
  private timer?: NodeJS.Timeout;
  private endsAt = Infinity;
  /** The action's own deadline (timeout-minutes), when it has one. */
  deadlineAt = Infinity;

  /** Called on each SIGINT or SIGTERM the run receives. */
  signalled(signal: NodeJS.Signals, at = Date.now()): void {
    const endsAt = Math.min(this.endsAt, at + (signal === 'SIGTERM' && this.endsAt !== Infinity ? AFTER_SIGTERM_MS : AFTER_FIRST_SIGNAL_MS));
    if (endsAt >= this.endsAt) return;
    this.endsAt = endsAt;
    clearTimeout(this.timer);
    this.timer = setTimeout(
      () => this.ends.abort(new ActionError('the runner is about to stop this process (the cancel grace period has run out)')),
      Math.max(0, endsAt - Date.now()),
    );
    this.timer.unref();
  }

  /**
   * An abort signal for putting something back: ms from now at most, not past the action's deadline
   * unless that leaves less than a minute, and never past the grace once a signal has arrived.
   */
  budget(ms = this.budgetMs): AbortSignal {
    ms = this.withinDeadline(ms);
    return AbortSignal.any([this.ends.signal, timeout(ms, `the ${formatDuration(ms / 1000)} allowed for putting things back ran out`)]);
  }

  /** How long a budget(ms) started now would last. */
  left(ms = this.budgetMs): number {
    return Math.max(0, Math.min(this.withinDeadline(ms), this.endsAt - Date.now()));
  }

  private withinDeadline(ms: number): number {
    return Math.min(ms, Math.max(Math.min(ms, PUT_BACK_MIN_MS), this.deadlineAt - Date.now()));
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}

export interface PutBackTask {
  /** As the log and the error say it: "scale kfp-metadata-writer back to 1". */
  what: string;
  /** What a person runs when it could not be done: "juju scale-application -m kubeflow kfp-metadata-writer 1". */
  command: string;
  /** One try; its signal aborts at the attempt's limit or the end of the budget. */
  attempt(signal: AbortSignal): Promise<void>;
  /** Reads back whether it is done (an attempt cut short may still have been applied). */
  done(signal: AbortSignal): Promise<boolean>;
}

export interface PutBackOptions {
  log: Logger;
  /** The end of the budget (Grace.budget()). */
  until: AbortSignal;
  /** The first attempt's limit; each later attempt gets twice the one before. */
  attemptMs?: number;
  /** Backoff between attempts, with full jitter: base doubling up to max. */
  baseMs?: number;
  maxMs?: number;
  random?: () => number;
}

/**
 * Puts back something the run changed, and proves it by reading it back: tries, reads, and tries
 * again with backoff until it is done or the budget ends; then fails loudly with the command to run.
 * Resolves with the number of attempts it took.
 */
export async function putBack(task: PutBackTask, options: PutBackOptions): Promise<number> {
  const { log, until } = options;
  const random = options.random ?? Math.random;
  let failure = 'not tried';
  for (let attempt = 1; !until.aborted; attempt++) {
    // Each call (the attempt, then the read-back) gets its own limit, so that a hung one is tried again.
    const within = () => AbortSignal.any([until, timeout((options.attemptMs ?? 30_000) * 2 ** Math.min(attempt - 1, 4), 'the call took too long')]);
    let error: string | undefined;
    try {
      await task.attempt(within());
    } catch (err) {
      error = errorMessage(err);
    }
    if (until.aborted && error !== undefined) {
      failure = error;
      break;
    }
    try {
      if (await task.done(within())) {
        if (attempt > 1) log.info(`${task.what}: done after ${attempt} attempts`);
        return attempt;
      }
      failure = error ?? 'reading it back showed it was not done';
    } catch (err) {
      if (error === undefined && until.aborted) {
        // The call succeeded; only the proof ran out of time.
        log.warning(`${task.what}: done, but there was no time left to read it back (${errorMessage(err)})`);
        return attempt;
      }
      failure = error ?? errorMessage(err);
    }
    if (until.aborted) break;
    const delay = Math.round(random() * Math.min(options.maxMs ?? 10_000, (options.baseMs ?? 500) * 2 ** (attempt - 1)));
    log.warning(`${task.what}: attempt ${attempt} failed (${failure}); trying again in ${(delay / 1000).toFixed(1)} s`);
    await sleep(delay, until).catch(() => undefined);
  }
  throw new PutBackError(task, failure, errorMessage(until.reason));
}

function timeout(ms: number, why: string): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new ActionError(why)), ms).unref();
  return controller.signal;
}

/** What could not be put back, and the command that does it. */
export class PutBackError extends ActionError {
  constructor(
    readonly task: PutBackTask,
    reason: string,
    stopped: string,
  ) {
    super(`could not ${task.what} (${reason}; gave up: ${stopped}). NOT PUT BACK; run: ${task.command}`);
  }
}
