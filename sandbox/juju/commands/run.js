// @ts-check
// juju run [options] <unit> [<unit> ...] <action-name> [<key>=<value> ...]
// Enqueues one task per unit (<app>/leader is resolved first) and, unless --background, waits
// for them: --wait <duration>, or 60 s when it is not given (juju's default, not infinite). On
// timeout it prints no results, says "ERROR timed out waiting for results from: unit <u>" and
// exits 1 while the task keeps running. A task the charm failed prints its status "failed" and
// message, and juju exits 0; only a return code of 1 or more (an uncaught exception) exits 1.
// Progress lines go to stderr, as juju's ctx.Infof writes them (cmd/juju/action/common.go).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { FORMAT_FLAG, MODEL_FLAGS, OUTPUT_FLAG } from '../lib/args.js';
import { durationFlag, timeScale } from '../lib/duration.js';
import { JujuError } from '../lib/errors.js';
import { actionSchema, actionSpecs, validateParams, withDefaults } from '../lib/schema.js';
import { resolveModel } from '../lib/model.js';
import { formatTasks } from '../lib/output.js';
import { loadState } from '../lib/state.js';
import { advance, findTask, isTerminal, nextId, phaseOf, resolveReceiver, taskView } from '../lib/tasks.js';

/** @import { Task, TaskView } from '../lib/types.js' */
/**
 * @typedef {{ model?: string, format: string, output?: string, background?: boolean, wait?: string, utc?: boolean, color?: boolean,
 *   'no-color'?: boolean, 'string-args'?: boolean, params?: string }} RunFlags
 */

const NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const UNIT_OR_LEADER = /^([a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*)\/(\d+|leader)$/;
const DEFAULT_WAIT_MS = 60_000;

// Loaded on first use: most juju calls never parse YAML, and every call is a fresh process.
const require = createRequire(import.meta.url);
/** @param {string} text @param {import('yaml').ParseOptions & import('yaml').DocumentOptions} options */
const parseYaml = (text, options) => require('yaml').parse(text, options);

/** @param {string[]} args */
export function parseRunArgs(args) {
  /** @type {string[]} */
  const units = [];
  const apps = new Set();
  let action;
  for (const arg of args) {
    const m = UNIT_OR_LEADER.exec(arg);
    if (m) {
      apps.add(m[1]);
      units.push(arg);
    } else if (NAME.test(arg)) {
      action = arg;
      break;
    } else {
      throw JujuError.usage(`invalid unit or action name ${JSON.stringify(arg)}`);
    }
  }
  if (!units.length) throw JujuError.usage('no unit specified');
  if (!action) throw JujuError.usage('no action specified');
  if (apps.size > 1) throw JujuError.usage('all units must be of the same application');
  /** @type {[string[], string][]} */
  const pairs = [];
  for (const arg of args.slice(units.length + 1)) {
    const eq = arg.indexOf('=');
    if (eq < 0) throw JujuError.usage(`argument ${JSON.stringify(arg)} must be of the form key.key.key...=value`);
    const keys = arg.slice(0, eq).split('.');
    for (const key of keys) {
      if (!NAME.test(key))
        throw JujuError.usage(`key ${JSON.stringify(key)} must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens`);
    }
    pairs.push([keys, arg.slice(eq + 1)]);
  }
  return { units, action, pairs };
}

/** A value as yaml.v2 reads it into interface{}: timestamps stay strings. @param {string} text @returns {unknown} */
function yamlValue(text) {
  const value = parseYaml(text, { version: '1.1' });
  return value instanceof Date ? text : value;
}

/** @type {import('../lib/types.js').ControllerCommand<RunFlags>} */
export default {
  name: 'run',
  needsController: true,
  flags: [
    ...MODEL_FLAGS,
    FORMAT_FLAG(['json', 'plain', 'yaml'], 'plain'),
    OUTPUT_FLAG,
    { names: ['background'] },
    { names: ['wait'], value: true },
    { names: ['utc'] },
    { names: ['color'] },
    { names: ['no-color'] },
    { names: ['string-args'] },
    { names: ['params'], value: true },
  ],
  init(args, flags) {
    const wait = flags.wait === undefined ? 0 : durationFlag(flags.wait, 'wait');
    if (flags.background && wait > 0) throw JujuError.usage('cannot specify both --wait and --background');
    parseRunArgs(args);
  },
  async run({ flags, args, state, stateFile, env, out, err, mutate, signal }) {
    const { units, action, pairs } = parseRunArgs(args);
    let waitMs = flags.wait === undefined ? 0 : durationFlag(flags.wait, 'wait');
    if (!flags.background && waitMs === 0) waitMs = DEFAULT_WAIT_MS;
    /** @type {Record<string, unknown>} */
    const params = {};
    if (flags.params) {
      let file;
      try {
        file = parseYaml(readFileSync(String(flags.params), 'utf8'), { version: '1.1' }) ?? {};
      } catch (e) {
        const error = /** @type {NodeJS.ErrnoException} */ (e);
        throw new JujuError(`open ${flags.params}: ${error.code === 'ENOENT' ? 'no such file or directory' : error.message}`);
      }
      if (typeof file !== 'object' || Array.isArray(file)) throw new JujuError('params must contain a YAML map with string keys');
      Object.assign(params, file);
    }
    for (const [keys, raw] of pairs) {
      let target = params;
      for (const k of keys.slice(0, -1)) {
        target = target[k] !== null && typeof target[k] === 'object' ? /** @type {Record<string, unknown>} */ (target[k]) : (target[k] = {});
      }
      target[keys[keys.length - 1]] = flags['string-args'] ? raw : yamlValue(raw);
    }
    resolveModel(state, flags.model, env); // fails before taking the lock

    const enqueued = mutate((s) => {
      const { name, model } = resolveModel(s, flags.model, env);
      const now = Date.now();
      model.tasks ??= [];
      const operation = nextId(model);
      /** @type {{ id: string, unit: string }[]} */
      const tasks = [];
      /** @type {string[]} */
      const errors = [];
      for (const receiver of units) {
        const found = resolveReceiver(model, receiver, now, s.faults);
        if (!found.app) {
          errors.push(found.error);
          continue;
        }
        const specs = actionSpecs(found.app);
        const spec = specs[action];
        if (!spec) {
          errors.push(`action ${JSON.stringify(action)} not defined on unit ${JSON.stringify(found.unit)}`);
          continue;
        }
        const schema = actionSchema(found.app, action, spec, s.jujuVersion);
        const invalid = validateParams(schema, params);
        /** @type {Task} */
        const task = {
          id: nextId(model),
          operation,
          unit: found.unit,
          app: found.app.name,
          action,
          params: withDefaults(schema, params),
          enqueuedAt: now,
          returnCode: 0,
        };
        if (invalid) Object.assign(task, { status: 'error', message: invalid });
        model.tasks.push(task);
        tasks.push({ id: task.id, unit: task.unit });
      }
      return { operation, tasks, errors, model: name };
    });

    const { operation, tasks, errors } = enqueued;
    if (!tasks.length) {
      err(`Operation ${operation} failed to schedule any tasks:\n${errors.join('\n')}\n`);
      return;
    }
    if (errors.length) err(`Some actions could not be scheduled:\n${errors.join('\n')}\n\n\n`);
    if (flags.background) {
      if (tasks.length === 1) {
        err(
          `Scheduled operation ${operation} with task ${tasks[0].id}\nCheck operation status with 'juju show-operation ${operation}'\nCheck task status with 'juju show-task ${tasks[0].id}'\n`,
        );
      } else {
        err(`Scheduled operation ${operation} with ${tasks.length} tasks\n`);
        out(
          Object.entries(Object.fromEntries(tasks.map((t) => [t.unit, { id: t.id }])))
            .map(([u, v]) => `${u}:\n  id: "${v.id}"\n`)
            .join(''),
        );
        err(`Check operation status with 'juju show-operation ${operation}'\nCheck task status with 'juju show-task <id>'\n`);
      }
      return;
    }
    err(`Running operation ${operation} with ${tasks.length} task${tasks.length > 1 ? 's' : ''}\n`);
    for (const t of tasks) err(`  - task ${t.id} on unit-${t.unit.replace('/', '-')}\n`);
    err('\n');

    const scale = timeScale(loadState(stateFile), env);
    const deadline = waitMs < 0 ? Infinity : Date.now() + waitMs * scale;
    /** @type {Record<string, TaskView>} */
    const info = {};
    /** @type {string[]} */
    const failed = [];
    for (const t of tasks) {
      err(`Waiting for task ${t.id}...\n\n`);
      for (;;) {
        await advance(stateFile, env);
        const now = Date.now();
        const task = /** @type {{ task: Task }} */ (findTask(loadState(stateFile), t.id)).task; // enqueued above
        if (isTerminal(phaseOf(task, now))) {
          info[t.unit] = taskView(task, now, Boolean(flags.utc));
          if ((task.returnCode ?? 0) >= 1) failed.push(` - id ${JSON.stringify(t.id)} with return code ${task.returnCode}`);
          break;
        }
        if (now >= deadline) {
          const waiting = tasks.filter((x) => !info[x.unit]).map((x) => `unit ${x.unit}`);
          throw new JujuError(`timed out waiting for results from: ${waiting.join(', ')}`);
        }
        await sleep(Math.max(1, Math.min(100, deadline - now)), undefined, { signal });
      }
    }
    out(formatTasks(flags.format, info));
    if (failed.length) {
      const plural = failed.length > 1 ? 's' : '';
      throw new JujuError(`the following task${plural} failed:\n${failed.sort().join('\n')}\n\nuse 'juju show-task' to inspect the failure${plural}\n`);
    }
  },
};
