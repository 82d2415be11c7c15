// Runs a list of steps (a job's, or a composite action's) as the runner's StepsRunner and
// CompositeActionHandler do: if conditions, env, run scripts, file commands, outcomes.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runUses } from './composite.js';
import { evaluateBoolean, evaluateIf, evaluateMap, evaluateNumber, evaluateString, HarnessError, type Schema, type Scope, type Status } from './expressions.js';
import { parseFileCommand, runProcess, type KillTimings } from './process.js';
import type { Conclusion, LogLine, RunWorkflowOptions, StepResult } from './types.js';

/** One job's runner state, shared by its steps and the local actions they use. */
export interface JobRuntime {
  id: string;
  options: RunWorkflowOptions;
  timings: KillTimings;
  workspace: string;
  /** RUNNER_TEMP */
  temp: string;
  eventPath: string;
  /** Variables written to GITHUB_ENV so far. */
  githubEnv: Record<string, string>;
  /** Directories written to GITHUB_PATH so far, latest first. */
  path: string[];
  /** The job's cancellation (the run's, if it is cancelled while this job runs). */
  cancel: AbortSignal;
  /** A job step has failed. */
  failed: boolean;
  /** Process groups to kill at the end of the job. */
  groups: number[];
  /** Secrets and ::add-mask:: values. */
  masks: Set<string>;
  log(line: Omit<LogLine, 'job'>): void;
}

/** Where a list of steps runs: the job itself, or a local action. */
export interface Frame {
  schema: Schema;
  job: JobRuntime;
  /** github, inputs, runner and, for a job, needs, vars, secrets. */
  contexts: Record<string, unknown>;
  /** Env below GITHUB_ENV (workflow and job env) and above it (a local action's step env). */
  baseEnv: Record<string, string>;
  overEnv: Record<string, string>;
  defaults: { shell?: string; workingDirectory?: string };
  /** The enclosing step's stop (timeout or cancellation), for a local action's steps. */
  stop?: AbortSignal;
  /** The workflow step this frame runs under, for logs. */
  top?: StepResult;
  label: string;
}

export interface StepContext {
  outputs: Record<string, string>;
  outcome: Conclusion;
  conclusion: Conclusion;
}

export interface StepsOutcome {
  steps: StepResult[];
  context: Record<string, StepContext>;
  /** For a local action: its action_status. */
  status: 'success' | 'failure' | 'cancelled';
}

const workflowStepKeys = ['id', 'name', 'if', 'uses', 'with', 'env', 'run', 'shell', 'working-directory', 'continue-on-error', 'timeout-minutes'];
const actionStepKeys = workflowStepKeys.filter((k) => k !== 'timeout-minutes');

/** The schema definition of each step field, for the contexts it allows. */
const fieldTypes: Record<Schema, Record<string, string>> = {
  workflow: {
    if: 'step-if',
    name: 'step-name',
    env: 'step-env',
    with: 'step-with',
    run: 'string-steps-context',
    'working-directory': 'string-steps-context',
    'continue-on-error': 'step-continue-on-error',
    'timeout-minutes': 'step-timeout-minutes',
  },
  action: {
    if: 'step-if',
    name: 'string-steps-context',
    env: 'step-env',
    with: 'step-with',
    run: 'string-steps-context',
    shell: 'string-steps-context',
    'working-directory': 'string-steps-context',
    'continue-on-error': 'boolean-steps-context',
  },
};

export function jobStatus(job: JobRuntime): 'success' | 'failure' | 'cancelled' {
  return job.cancel.aborted ? 'cancelled' : job.failed ? 'failure' : 'success';
}

export async function runSteps(stepsYaml: unknown, frame: Frame): Promise<StepsOutcome> {
  const list = stepsYaml ?? [];
  if (!Array.isArray(list)) throw new HarnessError(`${frame.label}: steps must be a sequence`);
  const outcome: StepsOutcome = { steps: [], context: {}, status: 'success' };
  for (const [index, def] of list.entries()) {
    if (typeof def !== 'object' || def === null || Array.isArray(def)) throw new HarnessError(`${frame.label}: step ${index + 1} is not a mapping`);
  }
  const defs = list as Record<string, unknown>[];
  const taken = new Set(defs.map((def) => def.id).filter((id): id is string => typeof id === 'string'));
  const ids = defs.map((def) => (typeof def.id === 'string' ? def.id : generatedId(def, taken)));
  for (const [index, def] of defs.entries()) {
    const step = await runStep(def, frame, outcome, ids[index]);
    outcome.steps.push(step);
    if (typeof def.id === 'string') {
      outcome.context[step.id] = { outputs: step.outputs, outcome: step.outcome, conclusion: step.conclusion };
    }
    if (step.conclusion === 'failure') {
      outcome.status = 'failure';
      if (frame.schema === 'workflow') frame.job.failed = true;
    } else if (step.conclusion === 'cancelled' && outcome.status === 'success') {
      outcome.status = 'cancelled';
    }
  }
  return outcome;
}

/** Ids for steps without one, as workflow-parser makes them: __run, __run_2, __self, __actions_checkout. */
function generatedId(def: Record<string, unknown>, taken: Set<string>): string {
  const uses = typeof def.uses === 'string' ? def.uses : '';
  const [action, ref] = uses.split('@');
  const id = uses.startsWith('./') || uses.startsWith('$/') ? 'self' : ref ? action.split('/').slice(0, 2).join('/') : 'run';
  const base = `__${id}`.replace(/[^A-Za-z0-9_-]/g, '_');
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base}_${n}`;
    if (!taken.has(candidate)) return (taken.add(candidate), candidate);
  }
}

function defaultName(def: Record<string, unknown>): string {
  if (typeof def.run === 'string') return `Run ${def.run.trim().split('\n')[0]}`;
  return `Run ${String(def.uses)}`;
}

async function runStep(def: Record<string, unknown>, frame: Frame, done: StepsOutcome, id: string): Promise<StepResult> {
  const started = Date.now();
  const uses = typeof def.uses === 'string' ? def.uses : undefined;
  const step: StepResult = {
    id,
    name: defaultName(def),
    ...(uses && { uses }),
    outcome: 'skipped',
    conclusion: 'skipped',
    outputs: {},
    stdout: '',
    stderr: '',
    summary: '',
    notes: [],
    seconds: 0,
  };
  const where = `${frame.label}, step ${typeof def.id === 'string' ? def.id : JSON.stringify(def.name ?? step.name)}`;
  const finish = () => {
    step.conclusion = step.outcome;
    step.seconds = (Date.now() - started) / 1000;
    return step;
  };

  const keys = frame.schema === 'workflow' ? workflowStepKeys : actionStepKeys;
  const unknown = Object.keys(def).filter((k) => !keys.includes(k));
  if (unknown.length) throw new HarnessError(`${where}: ${unknown.join(', ')} not supported here`);
  if ((def.run === undefined) === (uses === undefined)) throw new HarnessError(`${where}: a step needs exactly one of run and uses`);

  if (frame.stop?.aborted) {
    step.notes.push('not run: the step that uses this action was stopped');
    return finish();
  }
  const status = (): Status => {
    const cancelled = frame.job.cancel.aborted;
    if (frame.schema === 'action') return { success: done.status === 'success', failure: done.status === 'failure', cancelled };
    return { success: !cancelled && !frame.job.failed, failure: !cancelled && frame.job.failed, cancelled };
  };
  let env = { ...frame.baseEnv, ...frame.job.githubEnv, ...frame.overEnv };
  const scope = (field: string): Scope => ({
    schema: frame.schema,
    definition: fieldTypes[frame.schema][field],
    where: `${where} ${field}`,
    status: status(),
    contexts: { ...frame.contexts, job: { status: jobStatus(frame.job), container: {}, services: {} }, steps: done.context, env },
  });
  const log = (line: string) => {
    const top = frame.top ?? step;
    frame.job.log({ step: top.id, stepName: top.name, actionStep: frame.top && step.id, stream: 'harness', line });
  };
  const fail = (e: unknown) => {
    if (e instanceof HarnessError) throw e;
    step.outcome = 'failure';
    const message = e instanceof Error ? e.message : String(e);
    step.stderr += `${message}\n`;
    step.notes.push(message);
    log(message);
  };

  try {
    if (def.name !== undefined) step.name = evaluateString(def.name, scope('name'));
  } catch (e) {
    if (e instanceof HarnessError) throw e;
    step.name = String(def.name);
  }
  try {
    if (!evaluateIf(def.if, scope('if'))) return finish();
  } catch (e) {
    fail(e);
    return finish();
  }

  // The step's stop: the enclosing step's, its own timeout, or the job's cancellation when its
  // condition, evaluated again at that moment (as the runner does), no longer holds.
  const stop = new AbortController();
  const cleanup: Array<() => void> = [];
  const onAbort = (signal: AbortSignal | undefined, handler: () => void) => {
    if (!signal) return;
    signal.addEventListener('abort', handler, { once: true });
    cleanup.push(() => signal.removeEventListener('abort', handler));
  };
  onAbort(frame.stop, () => stop.abort(frame.stop?.reason));
  if (!frame.job.cancel.aborted) {
    onAbort(frame.job.cancel, () => {
      let keep = false;
      try {
        keep = evaluateIf(def.if, scope('if'));
      } catch {
        // an error stops the step
      }
      if (!keep) stop.abort('cancelled');
    });
  }

  let continueOnError = false;
  try {
    if (def['continue-on-error'] !== undefined) continueOnError = evaluateBoolean(def['continue-on-error'], scope('continue-on-error'));
    const stepEnv = evaluateMap(def.env, scope('env'));
    env = { ...env, ...stepEnv };
    if (def['timeout-minutes'] !== undefined) {
      const ms = evaluateNumber(def['timeout-minutes'], scope('timeout-minutes')) * 60_000;
      const timer = setTimeout(() => stop.abort('timeout'), ms);
      cleanup.push(() => clearTimeout(timer));
    }
    const ran =
      def.run !== undefined
        ? await runScript(def, { step, frame }, env, scope, stop.signal)
        : await runUses(uses ?? '', evaluateMap(def.with, scope('with')), {
            step,
            frame,
            env,
            stepEnv,
            contexts: scope('with').contexts,
            stop: stop.signal,
            where,
          });
    step.outcome = ran;
    if (stop.signal.aborted) {
      const timedOut = stop.signal.reason === 'timeout';
      step.outcome = timedOut ? 'failure' : 'cancelled';
      const note = timedOut ? 'The action has timed out.' : 'The step was cancelled.';
      step.notes.push(note);
      log(note);
    }
  } catch (e) {
    fail(e);
  } finally {
    for (const undo of cleanup) undo();
  }
  finish();
  if (step.outcome === 'failure' && continueOnError) step.conclusion = 'success';
  return step;
}

const shells: Record<string, string> = {
  bash: 'bash --noprofile --norc -eo pipefail {0}',
  sh: 'sh -e {0}',
  python: 'python {0}',
};

/** Where a process runs: the step it is for, and the job or action frame around it. */
export interface StepAt {
  step: StepResult;
  frame: Frame;
}

async function runScript(
  def: Record<string, unknown>,
  { step, frame }: StepAt,
  env: Record<string, string>,
  scope: (field: string) => Scope,
  stop: AbortSignal,
): Promise<Conclusion> {
  const script = evaluateString(def.run, scope('run'));
  let shell: string | undefined;
  if (def.shell !== undefined) shell = frame.schema === 'action' ? evaluateString(def.shell, scope('shell')) : String(def.shell);
  else if (frame.schema === 'action') throw new HarnessError(`${frame.label}, step ${step.id}: a composite action's run step needs shell:`);
  else shell = frame.defaults.shell;
  const template = shell === undefined ? 'bash -e {0}' : (shells[shell] ?? (shell.includes('{0}') ? shell : undefined));
  if (!template) throw new HarnessError(`${frame.label}, step ${step.id}: shell '${shell}' is not supported by the harness`);

  const workingDirectory =
    def['working-directory'] !== undefined ? evaluateString(def['working-directory'], scope('working-directory')) : frame.defaults.workingDirectory;
  const file = path.join(frame.job.temp, `${randomUUID()}${shell === 'python' ? '.py' : '.sh'}`);
  writeFileSync(file, script);
  const argv = template.split(/\s+/).map((part) => part.replace('{0}', file));
  return (await runCommand(argv, { step, frame }, { env, stop, cwd: path.resolve(frame.job.workspace, workingDirectory ?? '') })) ? 'success' : 'failure';
}

/** The runner's own variables for a step's process. */
function runnerVariables(frame: Frame, step: StepResult, files: Record<string, string>): Record<string, string> {
  const github = frame.contexts.github as Record<string, unknown>;
  const runner = frame.contexts.runner as Record<string, string>;
  const vars: Record<string, string> = { CI: 'true', GITHUB_ACTIONS: 'true', GITHUB_ACTION: step.id, GITHUB_EVENT_PATH: frame.job.eventPath };
  for (const key of [
    'action_path',
    'action_repository',
    'actor',
    'api_url',
    'base_ref',
    'event_name',
    'graphql_url',
    'head_ref',
    'job',
    'ref',
    'ref_name',
    'ref_type',
    'repository',
    'repository_owner',
    'retention_days',
    'run_attempt',
    'run_id',
    'run_number',
    'server_url',
    'sha',
    'triggering_actor',
    'workflow',
    'workflow_ref',
    'workspace',
  ]) {
    if (github[key] !== undefined && github[key] !== null) vars[`GITHUB_${key.toUpperCase()}`] = String(github[key]);
  }
  for (const key of ['os', 'arch', 'name', 'temp', 'tool_cache', 'environment']) {
    if (runner[key] !== undefined) vars[`RUNNER_${key.toUpperCase()}`] = runner[key];
  }
  for (const [name, file] of Object.entries(files)) vars[`GITHUB_${name}`] = file;
  return vars;
}

/**
 * Runs one process for a step with fresh file-command files, then applies them: GITHUB_OUTPUT to
 * the step's outputs, GITHUB_ENV and GITHUB_PATH to the rest of the job, GITHUB_STEP_SUMMARY.
 */
export async function runCommand(
  argv: string[],
  { step, frame }: StepAt,
  { env, stop, cwd, extraEnv = {} }: { env: Record<string, string>; stop: AbortSignal; cwd: string; extraEnv?: Record<string, string> },
): Promise<boolean> {
  const job = frame.job;
  if (!existsSync(cwd)) throw new Error(`the working directory ${cwd} does not exist`);
  const files: Record<string, string> = {};
  for (const name of ['OUTPUT', 'ENV', 'PATH', 'STATE', 'STEP_SUMMARY']) {
    files[name] = path.join(job.temp, '_runner_file_commands', `${name.toLowerCase()}_${randomUUID()}`);
    writeFileSync(files[name], '');
  }
  const base = Object.fromEntries(Object.entries(job.options.env).filter((e): e is [string, string] => e[1] !== undefined));
  const processEnv: Record<string, string> = { ...base, ...env, ...extraEnv };
  if (job.path.length) processEnv.PATH = [...job.path, processEnv.PATH].filter(Boolean).join(path.delimiter);
  Object.assign(processEnv, runnerVariables(frame, step, files));

  const top = frame.top ?? step;
  const result = await runProcess(argv, {
    cwd,
    env: processEnv,
    stop,
    timings: job.timings,
    onLine: (stream, line) => {
      const mask = /^::add-mask::(.*)$/.exec(line);
      if (mask && mask[1]) job.masks.add(mask[1]);
      job.log({ step: top.id, stepName: top.name, actionStep: frame.top && step.id, stream, line });
    },
  });
  if (result.pid) job.groups.push(result.pid);
  step.stdout += result.stdout;
  step.stderr += result.stderr + (result.error ? `${result.error}\n` : '');
  if (result.sent.length) step.signals = [...(step.signals ?? []), ...result.sent];

  const read = (name: string) => readFileSync(files[name], 'utf8');
  Object.assign(step.outputs, parseFileCommand(read('OUTPUT'), 'GITHUB_OUTPUT'));
  Object.assign(job.githubEnv, parseFileCommand(read('ENV'), 'GITHUB_ENV'));
  const added = read('PATH').split(/\r?\n/).filter(Boolean).reverse();
  job.path.unshift(...added);
  step.summary += read('STEP_SUMMARY');
  return result.exitCode === 0;
}
