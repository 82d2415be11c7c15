// @ts-check
// Juju operations and tasks without a daemon. A task is queued on its unit (one action at a time
// per unit, as the uniter runs them), starts once the unit's agent is up and the task before it on
// that unit is done, and is evaluated once, lazily, by whichever juju invocation first looks after
// it has started (charm-actions.js). Everything is a timestamp in the state file:
//
//   task { id, operation, unit, app, action, params, enqueuedAt,
//          startedAt?, completeAt? (null: never), status? ('completed' | 'failed' | 'error'),
//          message?, results?, returnCode, io?: [{ kind: 'put' | 'list', key?, body?, dueAt,
//          done?, failMessage? }], s3?, runningMessage?, backup? }
//
// S3 uploads and listings (io) are done with the real rclone outside the state lock: advance()
// settles the tasks under the lock, does the io that is due, then records the outcome under the
// lock again. A task whose io is still due reads as running, so nobody sees a backup completed
// before its objects are in the bucket.
import { evaluate, timingOf } from './charm-actions.js';
import { timeScale } from './duration.js';
import { goTime } from './format.js';
import { appView } from './lifecycle.js';
import { applyRestoreEffect } from './restore.js';
import { getObject, listNames, putObject } from './s3.js';
import { loadState, mutateState } from './state.js';

/** @import { Application, Faults, Model, S3Params, State, Task, TaskIo, TaskView, UnitActivity } from './types.js' */
/** @import { GetResult, ListResult, PutResult } from './s3.js' */
/**
 * An S3 operation that is due, copied out of the state to be done outside the lock.
 * @typedef {{ model: string, id: string, index: number, io: TaskIo, s3: S3Params, result?: PutResult | ListResult | GetResult }} IoJob
 */

const TERMINAL = new Set(['completed', 'failed', 'error', 'cancelled', 'aborted']);

/** @param {Model} model */
export function nextId(model) {
  model.nextId = (model.nextId ?? 0) + 1;
  return String(model.nextId);
}

/** @param {State} state @param {string} id */
export function findTask(state, id) {
  for (const [name, model] of Object.entries(state.models)) {
    const task = (model.tasks ?? []).find((t) => t.id === id);
    if (task) return { task, model, modelName: name };
  }
  return undefined;
}

/** @param {Task} task */
const ioPending = (task) => (task.io ?? []).some((i) => !i.done);

/** Where the task is at `now`: pending, running or its final status. @param {Task} task @param {number} now @returns {string} */
export function phaseOf(task, now) {
  if (task.status === 'error') return 'error';
  if (task.startedAt === undefined || task.startedAt > now) return 'pending';
  if (task.completeAt === null || task.completeAt === undefined || now < task.completeAt || ioPending(task)) return 'running';
  return /** @type {string} */ (task.status); // start() sets it
}

/** @param {string} phase */
export const isTerminal = (phase) => TERMINAL.has(phase);

/** formatActionResult: the per-task map `juju run` and `juju show-task` print. @param {Task} task @param {number} now @param {boolean} utc */
export function taskView(task, now, utc) {
  const phase = phaseOf(task, now);
  /** @type {Omit<TaskView, 'timing'>} */
  const view = { id: task.id, status: phase, unit: task.unit };
  /** @type {TaskView['timing']} */
  const timing = { enqueued: goTime(task.enqueuedAt, utc) };
  if (phase === 'error') {
    view.message = task.message;
    timing.completed = goTime(task.enqueuedAt, utc);
  } else if (phase !== 'pending' && task.startedAt !== undefined) {
    timing.started = goTime(task.startedAt, utc);
    if (phase !== 'running') {
      timing.completed = goTime(Math.max(/** @type {number} */ (task.completeAt), task.startedAt), utc); // set once it is done
      if (task.message) view.message = task.message;
      view.results = { ...(task.results ?? {}), 'return-code': task.returnCode ?? 0, ...(task.stderr ? { stderr: task.stderr } : {}) };
    }
  }
  return { ...view, timing };
}

/** What running actions show in juju status: the agent executing, and the charm's own status. @param {Model} model @param {number} now */
export function unitActivity(model, now) {
  /** @type {Record<string, UnitActivity>} */
  const activity = {};
  for (const task of model.tasks ?? []) {
    if (phaseOf(task, now) !== 'running') continue;
    const startedAt = /** @type {number} */ (task.startedAt); // a running task has started
    const phase = task.phases?.filter((p) => p.at <= now).at(-1);
    const message = phase?.message ?? task.runningMessage;
    activity[task.unit] = {
      agent: { current: 'executing', message: `running action ${task.action}`, since: startedAt },
      ...(message ? { workload: { current: 'maintenance', message, since: phase?.at ?? startedAt } } : {}),
    };
  }
  return activity;
}

/**
 * Evaluates every task that has started by `now`, in the order they started.
 * @param {State} state @param {string} modelName @param {Model} model @param {number} now @param {NodeJS.ProcessEnv} [env]
 */
export function settle(state, modelName, model, now, env) {
  const tasks = model.tasks ?? [];
  const scale = timeScale(state, env);
  for (;;) {
    /** @type {{ task: Task, start: number } | undefined} */
    let next;
    /** @type {Map<string, Task[]>} */
    const byUnit = new Map();
    for (const task of tasks) {
      if (task.status === 'error') continue;
      const queue = byUnit.get(task.unit) ?? [];
      byUnit.set(task.unit, queue);
      queue.push(task);
    }
    for (const queue of byUnit.values()) {
      queue.sort((a, b) => Number(a.id) - Number(b.id));
      let prevDone = -Infinity;
      for (const task of queue) {
        if (task.startedAt !== undefined) {
          if (task.completeAt === null) break; // everything behind it waits for ever
          prevDone = Math.max(prevDone, /** @type {number} */ (task.completeAt)); // set when it started
          continue;
        }
        const app = model.applications[task.app];
        const record = app?.units.filter((u) => u.name === task.unit).at(-1);
        const agentUp = record?.startedAt;
        if (agentUp === null || agentUp === undefined) break; // the unit's agent never started
        const start = Math.max(task.enqueuedAt + timingOf(state, 'pickupMs') * scale, prevDone, agentUp);
        if (start <= now && (!next || start < next.start)) next = { task, start };
        break;
      }
    }
    if (!next) return;
    start({ state, modelName, model, task: next.task, t: next.start, scale });
  }
}

/** @param {{ state: State, modelName: string, model: Model, task: Task, t: number, scale: number }} at */
function start({ state, modelName, model, task, t, scale }) {
  const app = model.applications[task.app];
  task.startedAt = t;
  const outcome = evaluate({ state, model, modelName, app, task, t });
  const faults = state.faults ?? {};
  if (outcome.kind === 'fail') {
    Object.assign(task, { status: 'failed', message: outcome.message, results: {}, completeAt: t + timingOf(state, 'failMs') * scale });
    return;
  }
  const end = t + outcome.durationMs * scale;
  task.completeAt = outcome.never ? null : end;
  task.status = 'completed';
  task.results = outcome.results ?? {};
  if (outcome.runningMessage) task.runningMessage = outcome.runningMessage;
  if (outcome.backup) task.backup = true;
  if (outcome.kind === 'list') {
    task.s3 = outcome.s3;
    task.io = [{ kind: 'list', dueAt: t }];
  }
  if (outcome.io) {
    task.s3 = outcome.s3 ?? task.s3;
    task.io = outcome.io.map((i) => ({ kind: 'put', key: i.key, body: i.body, dueAt: i.at === 'start' ? t : end, failMessage: i.failMessage }));
    if (outcome.never) task.io = task.io.filter((i) => i.dueAt === t);
  }
  if (outcome.phases) {
    let from = t;
    task.phases = outcome.phases.map((p) => {
      const phase = { at: from, message: p.message };
      from += p.ms * scale;
      return phase;
    });
  }
  if (outcome.steps) {
    task.s3 = outcome.s3 ?? task.s3;
    task.io = outcome.steps.map((st) => ({ ...st, at: undefined, dueAt: t + st.at * scale }));
  }
  if (outcome.failAtMs) Object.assign(task, { status: 'failed', message: outcome.failAtMs.message, results: {}, completeAt: t + outcome.failAtMs.ms * scale });
  if (outcome.failAtEnd) Object.assign(task, { status: 'failed', message: outcome.failAtEnd, results: {} });
  const injected = (faults.actionFails ?? []).find((f) => f.action === task.action && (!f.unit || f.unit === task.unit) && (!f.app || f.app === task.app));
  if (injected) Object.assign(task, { status: 'failed', message: injected.message, results: injected.results ?? {} });
  const exception = (faults.actionExceptions ?? []).find((f) => f.action === task.action && (!f.unit || f.unit === task.unit));
  if (exception) {
    Object.assign(task, {
      status: 'failed',
      results: {},
      returnCode: 1,
      stderr: exception.stderr ?? `Uncaught ${exception.error ?? 'Exception'} in charm code: sandbox fault\nUse \`juju debug-log\` to see the full traceback.`,
    });
    delete task.message;
  }
}

/** @param {State} state @param {number} now */
function hasWork(state, now) {
  for (const model of Object.values(state.models)) {
    for (const task of model.tasks ?? []) {
      if (task.status !== 'error' && task.startedAt === undefined) return true;
      if ((task.io ?? []).some((i) => !i.done && i.dueAt <= now)) return true;
    }
  }
  return false;
}

/** How long a process may take over an io it claimed before another takes it over. */
const IO_CLAIM_MS = 60_000;

/**
 * Brings the tasks up to now: evaluates those that have started, then does the S3 io that is
 * due (uploads before listings), and records the results. Every controller command calls it.
 * @param {string} stateFile @param {NodeJS.ProcessEnv} [env]
 */
export async function advance(stateFile, env = process.env) {
  if (!hasWork(loadState(stateFile), Date.now())) return;
  const jobs = mutateState(stateFile, (s) => {
    const now = Date.now();
    /** @type {IoJob[]} */
    const found = [];
    for (const [name, model] of Object.entries(s.models)) {
      settle(s, name, model, now, env);
      for (const task of model.tasks ?? []) {
        // The charm's steps in order: one process does each io (two juju commands advancing at
        // once would otherwise both PUT the same key; the charm uploads once), and nothing after a
        // read that is still in flight is done before it (a restore applies what it downloaded).
        // A claim older than a minute is a process that died: its io is taken over.
        for (const [index, io] of (task.io ?? []).entries()) {
          if (io.done) continue;
          if (io.dueAt > now) break;
          if (io.claimedAt !== undefined && now - io.claimedAt < IO_CLAIM_MS) {
            if (io.kind === 'get') break;
            continue;
          }
          io.claimedAt = now;
          // start() gives a task its s3 parameters along with its io
          found.push({ model: name, id: task.id, index, io: { ...io }, s3: /** @type {S3Params} */ (task.s3) });
          if (io.kind === 'get') break;
        }
      }
    }
    return found;
  });
  if (!jobs.length) return;
  await Promise.all(
    jobs.map(async (j) => {
      if (j.io.kind === 'put') j.result = await putObject(j.s3, j.io.key, j.io.body, env);
      if (j.io.kind === 'get') j.result = await getObject(j.s3, j.io.key, env);
    }),
  );
  for (const j of jobs) if (j.io.kind === 'list') j.result = await listNames(j.s3, env);
  mutateState(stateFile, (s) => {
    const now = Date.now();
    for (const j of jobs) {
      const model = s.models[j.model];
      const task = model.tasks?.find((t) => t.id === j.id);
      const io = task?.io?.[j.index];
      if (!task?.io || !io || io.done) continue;
      io.done = true;
      if (io.kind === 'apply') {
        applyRestoreEffect(model.applications[task.app], task, io.effect);
      } else if (io.kind === 'get') {
        const got = /** @type {GetResult} */ (j.result);
        if (got.ok) {
          task.fetched = { ...task.fetched, [io.key]: got.body };
          continue;
        }
        // Nothing after a failed read happens: the charm fails the action with its message.
        for (const other of task.io) other.done = true;
        const startedAt = /** @type {number} */ (task.startedAt);
        Object.assign(task, { status: 'failed', message: io.failMessage, results: {}, completeAt: Math.max(startedAt, Math.min(task.completeAt ?? now, now)) });
      } else if (io.kind === 'put') {
        const put = /** @type {PutResult} */ (j.result); // every job has run by now
        if (put.ok) continue;
        // The charm stops at the first upload that fails and fails the action with its message.
        for (const other of task.io) other.done = true;
        const startedAt = /** @type {number} */ (task.startedAt); // its io is due, so it has started
        Object.assign(task, { status: 'failed', message: io.failMessage, results: {}, completeAt: Math.max(startedAt, Math.min(task.completeAt ?? now, now)) });
        task.uploadError = put.error?.slice(0, 500);
      } else {
        const list = /** @type {ListResult} */ (j.result);
        if (list.names) task.results = { backups: backupsTable(model, s.faults, task, list.names) };
        else Object.assign(task, { status: 'failed', message: list.error, results: {} });
      }
    }
  });
}

/**
 * list-backups: ids from "<id>.metadata" names that parse as %Y-%m-%dT%H:%M:%SZ; finished if
 * "<id>.md5" exists, failed if only "<id>.backup.log" does, else in progress; sorted by id
 * (charms.mysql.v0 s3_helpers and backups._format_backups_list). Objects the sandbox uploaded
 * after the listing started are left out, as they were not there yet. Faults: listBackups
 * { <id> | "*": "omit" | "<status>" }.
 * @param {Model} model @param {Faults | undefined} faults @param {Task} task @param {string[]} names
 */
function backupsTable(model, faults = {}, task, names) {
  const s3 = /** @type {S3Params} */ (task.s3); // a listing task has them
  const startedAt = /** @type {number} */ (task.startedAt);
  const prefix = s3.path ? `${s3.path}/` : '';
  /** @type {Set<string>} */
  const later = new Set();
  for (const t of model.tasks ?? []) for (const io of t.io ?? []) if (io.kind === 'put' && io.dueAt > startedAt) later.add(io.key);
  const present = new Set(names.filter((n) => !later.has(`${prefix}${n}`)));
  /** @type {[string, string][]} */
  const rows = [];
  for (const name of [...present].sort()) {
    const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)\.metadata$/.exec(name);
    if (!m) continue;
    const id = m[1];
    let status = present.has(`${id}.md5`) ? 'finished' : present.has(`${id}.backup.log`) ? 'failed' : 'in progress';
    const override = faults.listBackups?.[id] ?? faults.listBackups?.['*'];
    if (override === 'omit') continue;
    if (override) status = override;
    rows.push([id, status]);
  }
  const header = `${'backup-id'.padEnd(21)} | ${'backup-type'.padEnd(12)} | backup-status`;
  return [header, '-'.repeat(header.length), ...rows.map(([id, status]) => `${id.padEnd(21)} | ${'physical'.padEnd(12)} | ${status}`)].join('\n');
}

/**
 * The unit a receiver names: "app/N" as is, "app/leader" resolved to the current leader.
 * @param {Model} model @param {string} receiver @param {number} now @param {Faults} [faults]
 * @returns {{ app: Application, unit: string, error?: undefined } | { error: string, app?: undefined, unit?: undefined }}
 */
export function resolveReceiver(model, receiver, now, faults) {
  const [appName, which] = [receiver.slice(0, receiver.lastIndexOf('/')), receiver.slice(receiver.lastIndexOf('/') + 1)];
  const app = model.applications[appName];
  if (!app) return { error: which === 'leader' ? `could not determine leader for ${JSON.stringify(appName)}` : `unit ${JSON.stringify(receiver)} not found` };
  const units = appView(app, now, faults).units;
  if (which === 'leader') {
    const leader = units.find((u) => u.leader);
    return leader ? { app, unit: leader.name } : { error: `could not determine leader for ${JSON.stringify(appName)}` };
  }
  return units.some((u) => u.name === receiver) ? { app, unit: receiver } : { error: `unit ${JSON.stringify(receiver)} not found` };
}
