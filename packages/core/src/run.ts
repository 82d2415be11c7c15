import * as core from '@actions/core';
import { CancelledError, errorMessage } from './errors.js';
import { actionsLogger, type Logger } from './log.js';
import { redact } from './secrets.js';

export interface RunContext {
  /** Aborted on SIGINT/SIGTERM (a cancelled workflow): everything long-running listens to it. */
  signal: AbortSignal;
  log: Logger;
  /**
   * Registers work that must happen however the run ends: errors, timeouts and signals. Runs in
   * reverse order of registration, after main returns or throws; gets main's error, if any.
   */
  defer(label: string, fn: (failure: unknown) => Promise<void> | void): void;
}

export interface RunOptions {
  log?: Logger;
  /** Where signals come from; tests pass an EventEmitter. */
  signals?: Pick<NodeJS.Process, 'on' | 'off'>;
}

/**
 * The one error funnel of every action: runs main, then every deferred cleanup, turns SIGINT and
 * SIGTERM into an aborted signal, and reports any failure once through core.setFailed.
 * Returns the process exit code.
 */
export async function runAction(name: string, main: (ctx: RunContext) => Promise<void>, options: RunOptions = {}): Promise<number> {
  const log = options.log ?? actionsLogger;
  const signals = options.signals ?? process;
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      log.warning(`${sig} again: still putting things back before exit`);
      return;
    }
    log.warning(`${sig} received: stopping, then putting back what this run changed`);
    controller.abort(new CancelledError(`${sig} received (the workflow run was cancelled or timed out)`));
  };
  signals.on('SIGINT', onSignal);
  signals.on('SIGTERM', onSignal);
  // A stray rejection would otherwise end the process before the cleanups put anything back.
  const failures: unknown[] = [];
  const onUnhandled = (reason: unknown) => {
    log.error(`unexpected failure: ${errorMessage(reason)}`);
    failures.push(reason);
  };
  process.on('unhandledRejection', onUnhandled);

  const cleanups: { label: string; fn: (failure: unknown) => Promise<void> | void }[] = [];
  try {
    await main({ signal: controller.signal, log, defer: (label, fn) => cleanups.push({ label, fn }) });
  } catch (err) {
    failures.push(err);
  } finally {
    for (const { label, fn } of cleanups.reverse()) {
      try {
        await fn(failures[0]);
      } catch (err) {
        log.error(`${label} failed: ${errorMessage(err)}`);
        failures.push(new Error(`${label} failed: ${errorMessage(err)}`));
      }
    }
    signals.off('SIGINT', onSignal);
    signals.off('SIGTERM', onSignal);
    process.off('unhandledRejection', onUnhandled);
  }

  if (!failures.length) return 0;
  const [first, ...rest] = failures;
  if (process.env.RUNNER_DEBUG === '1' && first instanceof Error && first.stack) log.debug(first.stack);
  const extra = rest.length ? ` (and ${rest.length} more error${rest.length > 1 ? 's' : ''} above)` : '';
  core.setFailed(redact(`${name} failed: ${errorMessage(first)}${extra}`));
  return 1;
}
