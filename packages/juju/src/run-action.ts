import { ActionError, TimeoutError, formatDuration } from '@ml-backup-actions/core';
import { JujuError, type JujuCli } from './cli.js';
import { applicationOfUnit, checkUnitName } from './names.js';
import { pollJuju } from './poll.js';
import { type ActionTask, actionArgs, isActionName, isTerminal, parseRunOutput, parseTask, succeeded, taskIdFromProgress } from './tasks.js';

export interface RunActionOptions {
  /** How long the task may take, from when it is enqueued, before runAction gives up waiting. */
  waitMs: number;
  /**
   * 'background' (default): `juju run --background`, then `juju show-task` every intervalMs.
   * 'wait': `juju run --wait <cliWaitMs>`; if that wait runs out, the same task is polled
   * with show-task (never run again).
   */
  mode?: 'background' | 'wait';
  /** The --wait juju run gets in 'wait' mode (at most waitMs); 5 minutes by default. */
  cliWaitMs?: number;
  /** Between two show-task calls; 2 s by default. */
  intervalMs?: number;
  /** A progress line naming the task and its status is printed this often; 30 s by default. */
  progressEveryMs?: number;
  /** Aborting stops the wait (the task itself keeps running on the unit). */
  signal?: AbortSignal;
  /** Called with the task id as soon as juju has given it. */
  onTask?: (taskId: string) => void;
  /** Consecutive unreachable or unanswered show-task calls tolerated (default 3). */
  transientFailures?: number;
}

/** The task ended in another status than completed, or with a return code: the charm's word on why. */
export class ActionFailedError extends JujuError {
  constructor(
    message: string,
    readonly task: ActionTask,
    readonly action: string,
  ) {
    super('action-failed', message);
    this.name = 'ActionFailedError';
  }
}

/** The wait ran out while the task was still pending or running; it is not cancelled. */
export class ActionTimeoutError extends TimeoutError {
  constructor(
    message: string,
    readonly taskId: string,
    readonly lastStatus: string,
  ) {
    super(message);
    this.name = 'ActionTimeoutError';
  }
}

/** See Juju.runAction. */
export async function runAction(
  juju: JujuCli,
  unit: string,
  action: string,
  params: Readonly<Record<string, unknown>>,
  options: RunActionOptions,
): Promise<ActionTask> {
  checkUnitName(unit);
  if (!isActionName(action)) throw new ActionError(`"${action}" is not a valid action name`);
  const client = options.signal ? juju.with({ signal: juju.signal ? AbortSignal.any([juju.signal, options.signal]) : options.signal }) : juju;
  const started = Date.now();
  const what = `${action} on ${unit}`;
  const kv = actionArgs(params);
  client.log.info(`running ${what} in model ${juju.model}${kv.length ? ` (${kv.join(' ')})` : ''}`);

  let taskId: string;
  if ((options.mode ?? 'background') === 'wait') {
    const cliWaitMs = Math.max(1000, Math.min(options.waitMs, options.cliWaitMs ?? 300_000));
    const run = await enqueue(client, what, unit, [unit, action, ...kv, '--format', 'json', '--wait', `${cliWaitMs}ms`], cliWaitMs + 60_000);
    const id = taskIdFromProgress(run.stderr);
    if (run.code === 0 && run.stdout.trim()) return settled(client, unit, action, pickTask(run.stdout, unit, what));
    if (run.code !== 0 && run.stdout.trim().startsWith('{')) return settled(client, unit, action, pickTask(run.stdout, unit, what));
    if (run.code !== 0 && (!id || !/timed out waiting for results/.test(run.stderr))) throw client.failure('run', run.stderr, run.code, unit);
    if (!id) throw unscheduled(client, what, run);
    options.onTask?.(id);
    client.log.info(
      `juju run stopped waiting for task ${id} (${what}) after ${formatDuration(cliWaitMs / 1000)}; the task keeps running, polling it with juju show-task`,
    );
    taskId = id;
  } else {
    const run = await enqueue(client, what, unit, [unit, action, ...kv, '--background'], undefined);
    if (run.code !== 0) throw client.failure('run', run.stderr, run.code, unit);
    const id = taskIdFromProgress(run.stderr);
    if (!id) throw unscheduled(client, what, run);
    options.onTask?.(id);
    client.log.info(`${what} is task ${id}`);
    taskId = id;
  }
  const task = await waitForTask(client, taskId, what, { ...options, waitMs: Math.max(0, options.waitMs - (Date.now() - started)) });
  return settled(client, unit, action, task);
}

/** Runs `juju run`; a call that does not answer is never retried, since the task may be scheduled. */
async function enqueue(juju: JujuCli, what: string, unit: string, args: string[], timeoutMs: number | undefined) {
  try {
    return await juju.exec('run', args, { subject: unit, ...(timeoutMs ? { timeoutMs } : {}) });
  } catch (err) {
    if (err instanceof JujuError && err.problem === 'timeout') {
      throw new JujuError(
        'timeout',
        `juju run did not answer for ${what}; it may have scheduled the task anyway, so it is not run again: check "juju operations -m ${juju.model} --units ${unit}" before retrying`,
      );
    }
    throw err;
  }
}

function unscheduled(juju: JujuCli, what: string, run: { stdout: string; stderr: string; code: number | null }): JujuError {
  const said = run.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^Running operation|^Waiting for task/.test(l));
  const failed = said.findIndex((l) => /failed to schedule any tasks/.test(l));
  if (failed >= 0) {
    return new JujuError(
      'failed',
      `juju could not schedule ${what} in model "${juju.model}": ${said.slice(failed + 1).join('; ') || 'no reason given'}`,
      run.stderr,
      run.code,
    );
  }
  return new JujuError(
    'unexpected-output',
    `juju run for ${what} printed no task id (exit ${run.code}): ${said.join('; ').slice(0, 300) || 'no output'}`,
    run.stderr,
    run.code,
  );
}

function pickTask(stdout: string, unit: string, what: string): ActionTask {
  let raw: unknown;
  try {
    raw = JSON.parse(stdout);
  } catch {
    throw new JujuError('unexpected-output', `juju run for ${what} printed something that is not JSON: ${stdout.slice(0, 200)}`);
  }
  const tasks = parseRunOutput(raw);
  const task = tasks.find((t) => t.unit === unit) ?? (tasks.length === 1 ? tasks[0] : undefined);
  if (!task) throw new JujuError('unexpected-output', `juju run for ${what} printed no task for ${unit}`);
  return task;
}

/** Completed and return code 0: the task; anything else: ActionFailedError with the charm's message. */
function settled(juju: JujuCli, unit: string, action: string, task: ActionTask): ActionTask {
  const what = `${action} on ${unit}`;
  if (succeeded(task)) {
    juju.log.info(`${what} completed (task ${task.id})`);
    return task;
  }
  const why = task.message || task.stderr?.trim().split('\n')[0] || (task.returnCode ? `return code ${task.returnCode}` : 'no message from the charm');
  const ranOn = task.unit || unit;
  throw new ActionFailedError(
    `${what}${ranOn !== unit ? ` (ran on ${ranOn})` : ''} ended ${task.status} (task ${task.id}): ${why}; see "juju show-task -m ${juju.model} ${task.id}" and "juju debug-log -m ${juju.model} --include ${ranOn.endsWith('/leader') ? applicationOfUnit(ranOn) : ranOn}"`,
    task,
    action,
  );
}

/** Polls `juju show-task <id>` until the task is done or waitMs has passed. */
export async function waitForTask(
  juju: JujuCli,
  taskId: string,
  what: string,
  options: Omit<RunActionOptions, 'mode' | 'cliWaitMs' | 'onTask'>,
): Promise<ActionTask> {
  let last: ActionTask | undefined;
  try {
    return await pollJuju(juju, {
      label: what.startsWith('task ') ? what : `task ${taskId} (${what})`,
      call: `juju show-task ${taskId}`,
      timeoutMs: options.waitMs,
      intervalMs: options.intervalMs ?? 2000,
      progressEveryMs: options.progressEveryMs ?? 30_000,
      transientFailures: options.transientFailures,
      progress: () => (last ? `status ${last.status}` : 'no status read yet'),
      read: () => showTask(juju, taskId),
      done: (task) => {
        last = task;
        return isTerminal(task) ? task : undefined;
      },
    });
  } catch (err) {
    if (err instanceof TimeoutError) {
      throw new ActionTimeoutError(
        `${err.message}; the task was not cancelled and may still be running: check "juju show-task -m ${juju.model} ${taskId}", and do not start ${what.split(' on ')[0]} again before it has finished`,
        taskId,
        last?.status ?? 'unknown',
      );
    }
    throw err;
  }
}

/** `juju show-task <id> --format json` (at once, or blocking up to waitMs). */
export async function showTask(juju: JujuCli, taskId: string, options: { waitMs?: number } = {}): Promise<ActionTask> {
  if (!/^(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.test(taskId)) throw new ActionError(`"${taskId}" is not a Juju task id`);
  const args = [taskId, ...(options.waitMs !== undefined ? ['--wait', `${Math.max(1, Math.round(options.waitMs))}ms`] : [])];
  const raw = await juju.callJson('show-task', args, { ...(options.waitMs !== undefined ? { timeoutMs: options.waitMs + 60_000 } : {}) });
  return parseTask(raw);
}
