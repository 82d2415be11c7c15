import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withDeadline } from './deadline.js';
import { ActionError, CancelledError, errorMessage } from './errors.js';
import { Grace } from './put-back.js';
import type { Logger } from './log.js';
import { FAILED, type Report, type Status } from './report.js';
import { actionsRunner, type Runner } from './runner.js';
import { containsSecret, redact, withMaskSink } from './secrets.js';
import { JobSummary } from './summary.js';

export type Outputs = Record<string, string | number | boolean>;
type Cleanup = (failure: unknown) => Promise<void> | void;

/** What clients are built with: the run's environment, log and signal (cancel or deadline). */
export interface ClientContext {
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** Aborted on SIGINT/SIGTERM (a cancelled workflow) and at the action's deadline. */
  signal: AbortSignal;
  /** The runner's OIDC token for an audience. */
  idToken: (audience: string) => Promise<string>;
}

/** What an action's main gets: its configuration, clients and report, and the run's means. */
export interface ActionRun<C, K, R extends Report> extends ClientContext {
  config: C;
  clients: K;
  /** The record the summary is written from, however the run ends; main assembles it from what its steps return. */
  report: R;
  /**
   * Registers work that must happen however the run ends: errors, timeouts and signals. Runs in
   * reverse order of registration, after main returns or throws; gets main's error, if any.
   */
  defer(label: string, fn: Cleanup): void;
  /** Sets the report's phase and runs fn inside a log group titled for the runbook reader. */
  step<T>(phase: string, title: string, fn: () => Promise<T>): Promise<T>;
  /** Sets step outputs; one that would carry a secret is refused. */
  setOutputs(outputs: Outputs): void;
  /** A private directory for this run's files, removed however it ends. */
  workDir(): string;
  /** How long putting back what the run changed may take (shorter once a signal has arrived); see putBack. */
  grace: Grace;
}

export interface ActionDefinition<C, K, R extends Report> {
  /** As errors and the summary name it: "backup-mlmd". */
  name: string;
  /** Every input read and validated before anything is touched; an InputError names each bad one. */
  config(env: NodeJS.ProcessEnv, now: Date): C;
  report(config: C, now: Date): R;
  /** The clients, built from the configuration; tests pass clients pointed at the sandbox instead. */
  clients(config: C, context: ClientContext): K;
  /** The runbook step. Resolves with the status of a run that did not fail: succeeded unless it says otherwise. */
  main(run: ActionRun<C, K, R>): Promise<Status | void>;
  summary(config: C, report: R): JobSummary;
  /** Outputs set however the run ended, after the cleanups (a final status, the duration). */
  finalOutputs?(config: C, report: R): Outputs;
  /** When the run's signal aborts with a TimeoutError (timeout-minutes), and what that stops. */
  deadline?(config: C): { minutes: number; stops: string } | undefined;
}

export interface RunOptions<C, K> {
  /** The INPUT_* variables and the rest of the environment; process.env by default. */
  env?: NodeJS.ProcessEnv;
  runner?: Runner;
  /** Where signals come from; tests pass an EventEmitter. */
  signals?: Pick<NodeJS.Process, 'on' | 'off'>;
  /** Instead of the definition's clients (tests: pointed at the sandbox). */
  clients?: (config: C, context: ClientContext) => K;
  now?: () => Date;
  /** How long putting back may take without a signal; 5 minutes by default (tests shorten it). */
  putBackMs?: number;
}

/**
 * The one error funnel of every action: reads its configuration, runs main, then every deferred
 * cleanup; turns SIGINT and SIGTERM into an aborted signal; and however the run ended writes the
 * report's final state, the outputs, the `error` output and the job summary once, and reports a
 * failure once. Returns the process exit code.
 */
export function runAction<C, K, R extends Report>(action: ActionDefinition<C, K, R>, options: RunOptions<C, K> = {}): Promise<number> {
  const runner = options.runner ?? actionsRunner;
  return withMaskSink(
    (value) => runner.setSecret(value),
    () => run(action, runner, options),
  );
}

async function run<C, K, R extends Report>(action: ActionDefinition<C, K, R>, runner: Runner, options: RunOptions<C, K>): Promise<number> {
  const { log } = runner;
  const env = options.env ?? process.env;
  const now = options.now ?? (() => new Date());
  const signals = options.signals ?? process;
  const cancel = new AbortController();
  const grace = new Grace(options.putBackMs);
  const onSignal = (sig: NodeJS.Signals) => {
    grace.signalled(sig);
    if (cancel.signal.aborted) {
      log.warning(`${sig} again: still putting things back before exit`);
      return;
    }
    log.warning(`${sig} received: stopping, then putting back what this run changed`);
    cancel.abort(new CancelledError(`${sig} received (the workflow run was cancelled or timed out)`));
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

  const cleanups: { label: string; fn: Cleanup }[] = [];
  const defer = (label: string, fn: Cleanup) => void cleanups.push({ label, fn });
  const setOutputs = (outputs: Outputs) => {
    for (const [name, value] of Object.entries(outputs)) {
      const text = String(value);
      if (containsSecret(text)) throw new ActionError(`output '${name}' would contain a secret; refusing to set it`);
      runner.setOutput(name, text);
    }
  };
  let config: C | undefined;
  let report: R | undefined;
  let outcome: Status | void = undefined;
  try {
    config = action.config(env, now());
    const started: R = action.report(config, now());
    report = started;
    const deadline = action.deadline?.(config);
    if (deadline) grace.deadlineAt = Date.now() + deadline.minutes * 60_000;
    const signal = deadline ? withDeadline(cancel.signal, deadline.minutes, defer, deadline.stops) : cancel.signal;
    const context: ClientContext = { env, log, signal, idToken: (audience) => runner.idToken(audience) };
    const clients = (options.clients ?? action.clients)(config, context);
    let dir: string | undefined;
    const workDir = () => {
      if (dir) return dir;
      const made = mkdtempSync(path.join(env.RUNNER_TEMP || os.tmpdir(), `${action.name}-`));
      defer('remove the local files', () => rmSync(made, { recursive: true, force: true }));
      dir = made;
      return made;
    };
    const step = <T>(phase: string, title: string, fn: () => Promise<T>) => {
      started.phase = phase;
      return log.group(title, fn);
    };
    outcome = await action.main({ ...context, config, clients, report: started, defer, step, setOutputs, workDir, grace });
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
    grace.dispose();
  }

  const [first, ...rest] = failures;
  const summary = await conclude({ action, config, report, failure: first, outcome, now: now(), setOutputs, runner, signalled: cancel.signal.aborted });
  if (!(await runner.appendSummary(summary.text()).catch((err: unknown) => log.warning(`could not write the job summary: ${errorMessage(err)}`))))
    log.debug(summary.text());
  if (!failures.length) return 0;
  if (env.RUNNER_DEBUG === '1' && first instanceof Error && first.stack) log.debug(first.stack);
  const extra = rest.length ? ` (and ${rest.length} more error${rest.length > 1 ? 's' : ''} above)` : '';
  runner.setFailed(redact(`${action.name} failed: ${errorMessage(first)}${extra}`));
  return 1;
}

/** The report's final state, the final and `error` outputs; the summary to write. */
async function conclude<C, K, R extends Report>(end: {
  action: ActionDefinition<C, K, R>;
  config?: C;
  report?: R;
  failure: unknown;
  outcome: Status | void;
  now: Date;
  setOutputs: (outputs: Outputs) => void;
  runner: Runner;
  /** A SIGINT or SIGTERM arrived: whatever error main threw on its way out, the run was interrupted. */
  signalled: boolean;
}): Promise<JobSummary> {
  const { action, config, report, failure } = end;
  if (failure) end.runner.setOutput('error', redact(errorMessage(failure)));
  if (config === undefined || report === undefined) {
    // The inputs were refused: nothing ran, and there is only the error to show.
    return new JobSummary(`${action.name}: failed`).keyValues([['Status', `failed before anything was touched: ${errorMessage(failure)}`]]);
  }
  report.finishedAt ??= end.now;
  if (failure) {
    if (end.signalled) report.status = 'interrupted';
    else if (failure instanceof ActionError && failure.ended) report.status = failure.ended;
    else if (!FAILED.includes(report.status)) report.status = failure instanceof CancelledError ? 'interrupted' : 'failed';
    report.error ??= errorMessage(failure);
  } else {
    report.status = end.outcome || 'succeeded';
  }
  try {
    if (action.finalOutputs) end.setOutputs(action.finalOutputs(config, report));
  } catch (err) {
    end.runner.log.error(`could not set the outputs: ${errorMessage(err)}`);
  }
  return action.summary(config, report);
}
