import { JujuError } from './cli.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Statuses after which a task changes no more. */
export const TERMINAL_TASK_STATUSES: readonly string[] = ['completed', 'failed', 'error', 'cancelled', 'aborted'];

/** One task as `juju run --format json` (keyed by unit) or `juju show-task --format json` prints it. */
export interface ActionTask {
  id: string;
  /** The unit it ran on ("kfp-db/1" even when run as kfp-db/leader); empty when juju left it out. */
  unit: string;
  /** pending, running, completed, failed, error, cancelled or aborted. */
  status: string;
  /** The charm's event.fail() message, or juju's own (status error); '' when there is none. */
  message: string;
  /** What the action set, without return-code, stdout, stderr and their encodings. */
  results: Record<string, unknown>;
  /** Absent until the task has run. */
  returnCode?: number;
  stdout?: string;
  stderr?: string;
  log: string[];
  timing: { enqueued?: string; started?: string; completed?: string };
}

const RESERVED = new Set(['return-code', 'stdout', 'stderr', 'stdout-encoding', 'stderr-encoding']);

export const isTerminal = (task: Pick<ActionTask, 'status'>): boolean => TERMINAL_TASK_STATUSES.includes(task.status);

/** A task that ran and the charm did not fail: status completed and a return code of 0 (or none). */
export const succeeded = (task: ActionTask): boolean => task.status === 'completed' && (task.returnCode ?? 0) === 0;

/** Parses one per-task map (the shape of test/vectors/juju/run-action-*.json's inner objects). */
export function parseTask(raw: unknown, unitKey = ''): ActionTask {
  if (!isObj(raw) || (typeof raw.id !== 'string' && typeof raw.id !== 'number') || typeof raw.status !== 'string') {
    throw new JujuError('unexpected-output', `juju printed a task without an id and a status: ${JSON.stringify(raw).slice(0, 200)}`);
  }
  const results: Record<string, unknown> = {};
  let returnCode: number | undefined;
  let stdout: string | undefined;
  let stderr: string | undefined;
  for (const [k, v] of Object.entries(isObj(raw.results) ? raw.results : {})) {
    if (k === 'return-code') returnCode = typeof v === 'number' ? v : Number(v);
    else if (k === 'stdout') stdout = String(v);
    else if (k === 'stderr') stderr = String(v);
    else if (!RESERVED.has(k)) results[k] = v;
  }
  const timing = isObj(raw.timing) ? raw.timing : {};
  return {
    id: String(raw.id),
    unit: str(raw.unit) ?? unitKey,
    status: raw.status,
    message: str(raw.message) ?? str(raw.error) ?? '',
    results,
    ...(returnCode !== undefined && Number.isFinite(returnCode) ? { returnCode } : {}),
    ...(stdout !== undefined ? { stdout } : {}),
    ...(stderr !== undefined ? { stderr } : {}),
    log: Array.isArray(raw.log) ? raw.log.map(String) : [],
    timing: { enqueued: str(timing.enqueued), started: str(timing.started), completed: str(timing.completed) },
  };
}

/** `juju run --format json` output: one task per unit, keyed by the resolved unit name. */
export function parseRunOutput(raw: unknown): ActionTask[] {
  if (!isObj(raw)) throw new JujuError('unexpected-output', 'juju run did not print a map of tasks keyed by unit');
  return Object.entries(raw).map(([unit, task]) => parseTask(task, unit));
}

/** The task id in juju run's stderr: "Scheduled operation 7 with task 8", "  - task 8 on unit-...", "Waiting for task 8...". */
export function taskIdFromProgress(stderr: string): string | undefined {
  const m = /Scheduled operation \S+ with task (\S+)/.exec(stderr) ?? /^\s*- task (\S+) on /m.exec(stderr) ?? /Waiting for task (\S+?)\.\.\./.exec(stderr);
  return m?.[1];
}

/** An action's parameter as its charm declares it (JSON schema). */
export interface ActionParam {
  type?: string;
  description?: string;
  default?: unknown;
}

export interface ActionSpec {
  name: string;
  description: string;
  params: Record<string, ActionParam>;
  required: string[];
  /** As declared; when absent Juju 3 accepts extra parameters and Juju 4 refuses them. */
  additionalProperties?: boolean;
}

/** `juju actions <app> --schema --format json`: action name -> its JSON schema. */
export function parseActionSchemas(raw: unknown): Record<string, ActionSpec> {
  if (!isObj(raw)) throw new JujuError('unexpected-output', 'juju actions --schema did not print a map of actions');
  const specs: Record<string, ActionSpec> = {};
  for (const [name, schema] of Object.entries(raw)) {
    const s = isObj(schema) ? schema : {};
    const params: Record<string, ActionParam> = {};
    for (const [p, def] of Object.entries(isObj(s.properties) ? s.properties : {})) {
      const d = isObj(def) ? def : {};
      params[p] = { type: str(d.type), description: str(d.description), ...('default' in d ? { default: d.default } : {}) };
    }
    specs[name] = {
      name,
      description: str(s.description) ?? '',
      params,
      required: Array.isArray(s.required) ? s.required.map(String) : [],
      ...(typeof s.additionalProperties === 'boolean' ? { additionalProperties: s.additionalProperties } : {}),
    };
  }
  return specs;
}

const NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/**
 * `key=value` arguments for juju run. juju reads each value as YAML, so strings are passed
 * double-quoted (JSON) to stay strings ("2024-05-01T12:00:00Z", "yes", "1"), booleans and
 * numbers bare. Values end up in juju's argv: never pass a secret this way.
 */
export function actionArgs(params: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(params).map(([key, value]) => {
    if (!key.split('.').every((k) => NAME.test(k)))
      throw new JujuError('usage', `"${key}" is not a valid action parameter name (lower-case letters, digits and hyphens)`);
    if (value === undefined) throw new JujuError('usage', `action parameter ${key} has no value`);
    const text = typeof value === 'boolean' || typeof value === 'number' ? String(value) : JSON.stringify(value);
    return `${key}=${text}`;
  });
}

export const isActionName = (name: string): boolean => NAME.test(name);
