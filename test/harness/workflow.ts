// Runs a workflow's jobs one after the other in the order their `needs` allow, with GitHub's
// job-level conditions, needs context, job outputs and cancellation.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { data } from '@actions/expressions';
import { parse } from 'yaml';
import { evaluateBoolean, evaluateIf, evaluateMap, evaluateNumber, evaluateString, evaluateValue, HarnessError, type Scope } from './expressions.js';
import { killGroup, runnerTimings } from './process.js';
import { jobStatus, runSteps, type Frame, type JobRuntime } from './steps.js';
import type { Lease } from './repository.js';
import type { JobResult, RunWorkflowOptions, WorkflowResult } from './types.js';

type Mapping = Record<string, unknown>;
type InputValue = string | number | boolean;

const asMapping = (value: unknown): Mapping => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Mapping) : {});

function needsOf(jobs: Mapping, id: string): string[] {
  const needs = asMapping(jobs[id]).needs;
  return needs === undefined ? [] : Array.isArray(needs) ? needs.map(String) : [String(needs)];
}

/** Job ids in an order where every job comes after the jobs it needs (ties: file order). */
export function jobOrder(jobs: Mapping): string[] {
  const ids = Object.keys(jobs);
  for (const id of ids) {
    for (const need of needsOf(jobs, id)) if (!ids.includes(need)) throw new HarnessError(`job ${id} needs '${need}', which is not a job of the workflow`);
  }
  const order: string[] = [];
  while (order.length < ids.length) {
    const ready = ids.find((id) => !order.includes(id) && needsOf(jobs, id).every((need) => order.includes(need)));
    if (!ready) throw new HarnessError(`the needs of jobs ${ids.filter((id) => !order.includes(id)).join(', ')} form a cycle`);
    order.push(ready);
  }
  return order;
}

function ancestors(jobs: Mapping, id: string, found = new Set<string>()): Set<string> {
  for (const need of needsOf(jobs, id)) {
    if (!found.has(need)) ancestors(jobs, need, found.add(need));
  }
  return found;
}

function coerceInput(name: string, type: string, value: unknown, strict: boolean, options?: unknown): InputValue {
  switch (type) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (!strict && (value === 'true' || value === 'false')) return value === 'true';
      break;
    case 'number':
      if (typeof value === 'number') return value;
      if (!strict && typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
      break;
    case 'choice':
      if (!Array.isArray(options) || !options.map(String).includes(String(value))) {
        throw new HarnessError(`input ${name}: ${JSON.stringify(value)} is not one of its options ${JSON.stringify(options)}`);
      }
      return String(value);
    case 'string':
    case 'environment':
      if (typeof value === 'string' || !strict) return String(value);
      break;
    default:
      throw new HarnessError(`input ${name}: unknown type '${type}'`);
  }
  throw new HarnessError(`input ${name} is a ${type}; ${JSON.stringify(value)} is not`);
}

/** The inputs context: what the test passes, then declared defaults, typed as GitHub does. */
function workflowInputs(wf: Mapping, event: string, given: Record<string, InputValue>, scope: Omit<Scope, 'definition' | 'where'>): Record<string, InputValue> {
  const on = wf.on;
  const events = typeof on === 'string' ? [on] : Array.isArray(on) ? on.map(String) : Object.keys(asMapping(on));
  if (event !== 'workflow_dispatch' && event !== 'workflow_call') {
    if (Object.keys(given).length) throw new HarnessError(`inputs are given, but a ${event} event has none`);
    return {};
  }
  if (!events.includes(event)) throw new HarnessError(`the workflow has no ${event} trigger (on: ${events.join(', ')})`);
  const trigger = asMapping(asMapping(on)[event]);
  const declared = asMapping(trigger.inputs);
  for (const name of Object.keys(given)) if (!(name in declared)) throw new HarnessError(`Unexpected input '${name}' for ${event}`);
  const inputs: Record<string, InputValue> = {};
  for (const [name, spec] of Object.entries(declared) as [string, Mapping][]) {
    const type = String(spec?.type ?? 'string');
    if (given[name] !== undefined) {
      inputs[name] = coerceInput(name, type, given[name], event === 'workflow_call', spec?.options);
      continue;
    }
    let value = spec?.default;
    if (value === undefined) {
      if (spec?.required) throw new HarnessError(`Input required and not supplied: ${name}`);
      value = type === 'boolean' ? false : type === 'number' ? 0 : '';
    } else if (event === 'workflow_call' && typeof value === 'string' && value.includes('${{')) {
      const result = evaluateValue(value, {
        ...scope,
        contexts: { ...scope.contexts, inputs },
        definition: 'workflow-call-input-default',
        where: `inputs.${name}.default`,
      });
      value = JSON.parse(JSON.stringify(result, data.replacer));
    }
    inputs[name] = coerceInput(name, type, value, false, spec?.options);
  }
  if (event === 'workflow_call') {
    const secrets = asMapping(scope.contexts.secrets);
    for (const [name, spec] of Object.entries(asMapping(trigger.secrets)) as [string, Mapping][]) {
      if (spec?.required && !secrets[name]) throw new HarnessError(`Secret ${name} is required, but not provided`);
    }
  }
  return inputs;
}

function githubContext(options: RunWorkflowOptions, wf: Mapping, file: string, event: string, workspace: string): Mapping {
  const given = options.github ?? {};
  const github: Mapping = {
    event_name: event,
    event: {},
    run_id: '1',
    run_number: '1',
    run_attempt: '1',
    workflow: typeof wf.name === 'string' ? wf.name : path.relative(options.repoRoot, file),
    repository: 'octo-org/octo-repo',
    sha: '0'.repeat(40),
    ref: 'refs/heads/main',
    ref_type: 'branch',
    actor: 'octocat',
    server_url: 'https://github.com',
    api_url: 'https://api.github.com',
    graphql_url: 'https://api.github.com/graphql',
    retention_days: '90',
    base_ref: '',
    head_ref: '',
    token: '',
    workspace,
    ...given,
  };
  github.repository_owner ??= String(github.repository).split('/')[0];
  github.ref_name ??= String(github.ref).replace(/^refs\/(heads|tags)\//, '');
  github.triggering_actor ??= github.actor;
  github.workflow_ref ??= `${github.repository}/${path.relative(options.repoRoot, file)}@${github.ref}`;
  return github;
}

/** A concurrency: key (a group, or a mapping with group and cancel-in-progress), evaluated. */
function concurrencyOf(value: unknown, scope: Scope): { group: string; cancelInProgress: boolean } | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return { group: evaluateString(value, scope), cancelInProgress: false };
  const m = asMapping(value);
  const queue = m.queue === undefined ? 'single' : evaluateString(m.queue, scope);
  if (queue !== 'single') throw new HarnessError(`${scope.where}: queue: ${queue} is not supported by the harness`);
  return {
    group: evaluateString(m.group, scope),
    cancelInProgress: m['cancel-in-progress'] === undefined ? false : evaluateBoolean(m['cancel-in-progress'], scope),
  };
}

/** The environment: key's name (a string, or a mapping with name). */
function environmentOf(value: unknown, scope: Scope): string | undefined {
  if (value === undefined) return undefined;
  return evaluateString(typeof value === 'string' ? value : asMapping(value).name, scope);
}

/**
 * Runs a workflow file's jobs against real processes. Throws HarnessError for workflow mistakes
 * and features the harness does not emulate; failures of steps and jobs are in the result.
 */
export async function runWorkflow(options: RunWorkflowOptions): Promise<WorkflowResult> {
  const tempRoot = options.tempDir ?? mkdtempSync(path.join(os.tmpdir(), 'workflow-harness-'));
  try {
    return await runWorkflowIn(options, tempRoot);
  } finally {
    if (!options.tempDir) rmSync(tempRoot, { recursive: true, force: true });
  }
}

async function runWorkflowIn(options: RunWorkflowOptions, tempRoot: string): Promise<WorkflowResult> {
  const file = path.resolve(options.repoRoot, options.workflow);
  const wf = asMapping(parse(readFileSync(file, 'utf8')));
  const jobs = asMapping(wf.jobs);
  const order = jobOrder(jobs);
  const event = options.event ?? 'workflow_dispatch';
  const workspace = options.workspace ?? options.repoRoot;
  const timings = { ...runnerTimings, ...options.killTimings };
  mkdirSync(tempRoot, { recursive: true });

  const github = githubContext(options, wf, file, event, workspace);
  const secrets: Record<string, string> = { ...options.secrets };
  if (github.token) secrets.GITHUB_TOKEN ??= String(github.token);
  const vars = options.vars ?? {};
  const inputs = workflowInputs(wf, event, options.inputs ?? {}, { schema: 'workflow', contexts: { github, vars, secrets } });
  if (event === 'workflow_dispatch' && !options.github?.event) {
    github.event = { inputs: Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, String(v)])) };
  }
  const eventPath = path.join(tempRoot, 'event.json');
  writeFileSync(eventPath, JSON.stringify(github.event));
  const workflowEnv = evaluateMap(wf.env, { schema: 'workflow', definition: 'workflow-env', contexts: { github, inputs, vars, secrets }, where: 'env' });

  // The run's cancellation: the test's signal, or a cancelWhen line.
  const run = new AbortController();
  const onSignal = () => run.abort(options.signal?.reason);
  if (options.signal?.aborted) onSignal();
  else options.signal?.addEventListener('abort', onSignal, { once: true });
  const cancelWhen = options.cancelWhen === undefined ? [] : [options.cancelWhen].flat();

  // Concurrency and reviews across overlapping runs, when the test shares a Repository between them.
  const repo = options.repository;
  const runLabel = `run ${String(github.run_id)}`;
  const cancelRun = (reason: string) => run.abort(new Error(reason));
  const leases: Lease[] = [];
  const runConcurrency =
    repo && concurrencyOf(wf.concurrency, { schema: 'workflow', definition: 'workflow-concurrency', contexts: { github, inputs, vars }, where: 'concurrency' });

  const results: Record<string, JobResult> = {};
  const earlier = options.rerunFailedOf;
  const failedBefore = new Set(order.filter((id) => ['failure', 'cancelled'].includes(earlier?.jobs[id]?.result ?? '')));
  const keep = (id: string) => earlier?.jobs[id] && !failedBefore.has(id) && ![...ancestors(jobs, id)].some((a) => failedBefore.has(a));
  try {
    if (repo && runConcurrency) {
      const lease = await repo.acquire(runConcurrency.group, { label: runLabel, cancel: cancelRun }, runConcurrency.cancelInProgress);
      if (!lease) run.abort(new Error(`cancelled while pending on ${runConcurrency.group}`));
      else leases.push(lease);
    }
    for (const id of order) {
      const def = asMapping(jobs[id]);
      const before = earlier?.jobs[id];
      if (before && keep(id)) {
        results[id] = { ...before, notes: [...before.notes, 'kept from the earlier attempt (Re-run failed jobs)'] };
        continue;
      }
      const result: JobResult = { result: 'skipped', outputs: {}, steps: [], summary: '', notes: [] };
      results[id] = result;
      for (const key of ['strategy', 'container', 'services']) {
        if (def[key] !== undefined) throw new HarnessError(`job ${id}: ${key} is not supported by the harness`);
      }

      const needs = Object.fromEntries(needsOf(jobs, id).map((need) => [need, { result: results[need].result, outputs: results[need].outputs }]));
      const contexts: Mapping = { github: { ...github, job: id }, inputs, vars, secrets, needs };
      // Job-level success() and failure() look at every ancestor, not only the direct needs.
      const upstream = [...ancestors(jobs, id)].map((a) => results[a].result);
      const cancelled = run.signal.aborted;
      const status = { cancelled, success: !cancelled && upstream.every((r) => r === 'success'), failure: !cancelled && upstream.includes('failure') };
      try {
        if (!evaluateIf(def.if, { schema: 'workflow', definition: 'job-if', contexts, status, where: `job ${id} if` })) continue;
      } catch (e) {
        if (e instanceof HarnessError) throw e;
        result.result = 'failure';
        result.notes.push(e instanceof Error ? e.message : String(e));
        continue;
      }
      // A job waits for its concurrency group and then for a reviewer of its environment (holding the group meanwhile).
      const cancel = new AbortController();
      let lease: Lease | undefined;
      try {
        const scope = (definition: string, where: string): Scope => ({ schema: 'workflow', definition, contexts, where: `job ${id} ${where}` });
        const concurrency = repo && concurrencyOf(def.concurrency, scope('job-concurrency', 'concurrency'));
        if (repo && concurrency) {
          lease = await repo.acquire(
            concurrency.group,
            { label: `${runLabel} job ${id}`, cancel: (reason) => cancel.abort(new Error(reason)) },
            concurrency.cancelInProgress,
          );
          if (!lease) {
            result.result = 'cancelled';
            result.notes.push(`cancelled while pending on ${concurrency.group}: a newer run's job took its place`);
            continue;
          }
        }
        const environment = repo && environmentOf(def.environment, scope('job-environment', 'environment'));
        if (repo && environment && !(await repo.review(String(github.run_id), id, environment))) {
          result.result = 'failure';
          result.notes.push(`the review of environment ${environment} was rejected`);
          continue;
        }
        if (def.uses !== undefined) await callWorkflow(id, def, result, contexts, cancel.signal);
        else await runJob(id, def, result, contexts, cancel);
      } finally {
        lease?.release();
      }
    }
  } finally {
    for (const lease of leases) lease.release();
    options.signal?.removeEventListener('abort', onSignal);
  }

  const all = Object.values(results).map((r) => r.result);
  return {
    result: run.signal.aborted ? 'cancelled' : all.includes('failure') ? 'failure' : 'success',
    inputs,
    jobs: results,
    order,
    summary: order.map((id) => results[id].summary).join(''),
  };

  /**
   * A job that calls a reusable workflow: `./path.yml` from this repository, or
   * `owner/repo/path.yml@ref` from options.remotes. Its jobs run with this run's github context,
   * the job's with: and secrets:, and its own repository as repoRoot (where its `$/` resolves),
   * while `./` still means this run's workspace, as on GitHub.
   */
  async function callWorkflow(id: string, def: Mapping, result: JobResult, contexts: Mapping, signal: AbortSignal): Promise<void> {
    const uses = String(def.uses);
    const remote = /^([^./][^/]*\/[^/]+)\/(.+\.ya?ml)@(.+)$/.exec(uses);
    let root: string;
    let workflowPath: string;
    if (remote) {
      const key = `${remote[1]}@${remote[3]}`;
      const found = options.remotes?.[key];
      if (!found) throw new HarnessError(`job ${id}: uses ${uses}, but options.remotes has no ${key}`);
      [root, workflowPath] = [found, remote[2]];
    } else if (/^\.\/.+\.ya?ml$/.test(uses)) {
      [root, workflowPath] = [options.repoRoot, uses.slice(2)];
    } else {
      throw new HarnessError(`job ${id}: uses: ${uses} is not a reusable workflow reference (./path.yml or owner/repo/path.yml@ref)`);
    }
    const scope = (definition: string, where: string): Scope => ({ schema: 'workflow', definition, contexts, where: `job ${id} ${where}` });
    const plain = (value: unknown, where: string, definition: string) =>
      JSON.parse(JSON.stringify(evaluateValue(value, scope(definition, where)), data.replacer));
    const withInputs = Object.fromEntries(Object.entries(asMapping(def.with)).map(([k, v]) => [k, plain(v, `with.${k}`, 'scalar-needs-context')]));
    const calledSecrets =
      def.secrets === 'inherit'
        ? secrets
        : Object.fromEntries(
            Object.entries(asMapping(def.secrets)).map(([k, v]) => [k, String(plain(v, `secrets.${k}`, 'scalar-needs-context-with-secrets') ?? '')]),
          );
    const called = await runWorkflow({
      ...options,
      workflow: workflowPath,
      repoRoot: root,
      workspace,
      event: 'workflow_call',
      inputs: withInputs,
      secrets: calledSecrets,
      // A called workflow sees its caller's github context.
      github: { ...github },
      rerunFailedOf: undefined,
      signal,
      tempDir: path.join(tempRoot, id, 'called'),
    });
    result.called = called;
    result.result = called.result === 'success' ? 'success' : called.result;
    result.summary = called.summary;
    const calledWf = asMapping(parse(readFileSync(path.resolve(root, workflowPath), 'utf8')));
    const outputs = asMapping(asMapping(asMapping(calledWf.on).workflow_call).outputs);
    const jobsContext = Object.fromEntries(Object.entries(called.jobs).map(([job, r]) => [job, { result: r.result, outputs: r.outputs }]));
    for (const [name, spec] of Object.entries(outputs)) {
      result.outputs[name] = evaluateString(asMapping(spec).value, {
        schema: 'workflow',
        definition: 'workflow-output-context',
        contexts: { github, inputs: called.inputs, vars, jobs: jobsContext },
        where: `${workflowPath} outputs.${name}`,
      });
    }
  }

  async function runJob(id: string, def: Mapping, result: JobResult, contexts: Mapping, cancel: AbortController): Promise<void> {
    const temp = path.join(tempRoot, id, '_temp');
    const toolCache = path.join(tempRoot, '_tool');
    mkdirSync(path.join(temp, '_runner_file_commands'), { recursive: true });
    mkdirSync(toolCache, { recursive: true });
    const runner = { os: 'Linux', arch: 'X64', name: 'workflow-harness', environment: 'self-hosted', ...options.runner, temp, tool_cache: toolCache };

    // A job started before the run was cancelled is cancelled with it; one started after (if: always()) runs its steps normally.
    const onCancel = () => cancel.abort(run.signal.reason);
    if (!run.signal.aborted) run.signal.addEventListener('abort', onCancel, { once: true });
    // The job's time limit: GitHub cancels a job at timeout-minutes (360 by default).
    const limit =
      def['timeout-minutes'] === undefined
        ? 360
        : evaluateNumber(def['timeout-minutes'], { schema: 'workflow', definition: 'number-strategy-context', contexts, where: `job ${id} timeout-minutes` });
    const limitTimer = setTimeout(
      () => {
        result.notes.push(`The job running on runner ${runner.name} has exceeded the maximum execution time of ${limit} minutes.`);
        cancel.abort(new Error('job timeout'));
      },
      limit * (typeof options.jobMinuteMs === 'function' ? options.jobMinuteMs(id) : (options.jobMinuteMs ?? 60_000)),
    );

    const job: JobRuntime = {
      id,
      options,
      timings,
      workspace,
      temp,
      eventPath,
      githubEnv: {},
      path: [],
      cancel: cancel.signal,
      failed: false,
      groups: [],
      masks: new Set(Object.values(secrets).filter(Boolean)),
      log(line) {
        options.onLog?.({ job: id, ...line });
        if (line.stream === 'harness' || run.signal.aborted) return;
        for (const when of cancelWhen) {
          if (when.job !== id || (when.step !== line.step && when.step !== line.stepName)) continue;
          if (typeof when.line === 'string' ? line.line.includes(when.line) : when.line.test(line.line)) {
            result.notes.push(`run cancelled: step ${line.step} printed ${JSON.stringify(line.line)}`);
            run.abort(new Error(`cancelWhen ${id}/${when.step}`));
            return;
          }
        }
      },
    };

    try {
      const jobEnv = evaluateMap(def.env, { schema: 'workflow', definition: 'job-env', contexts, where: `job ${id} env` });
      const env = { ...workflowEnv, ...jobEnv };
      const runDefaults = { ...asMapping(asMapping(wf.defaults).run), ...asMapping(asMapping(def.defaults).run) };
      const defaultsScope = { schema: 'workflow' as const, definition: 'job-defaults-run', contexts: { ...contexts, env }, where: `job ${id} defaults.run` };
      const frame: Frame = {
        schema: 'workflow',
        job,
        contexts: { ...contexts, runner },
        baseEnv: env,
        overEnv: {},
        defaults: {
          shell: runDefaults.shell === undefined ? undefined : evaluateString(runDefaults.shell, defaultsScope),
          workingDirectory: runDefaults['working-directory'] === undefined ? undefined : evaluateString(runDefaults['working-directory'], defaultsScope),
        },
        label: `job ${id}`,
      };
      const outcome = await runSteps(def.steps, frame);
      result.steps = outcome.steps;
      result.summary = outcome.steps.map((s) => s.summary).join('');
      result.result = jobStatus(job);

      const outputScope: Scope = {
        schema: 'workflow',
        definition: 'string-runner-context',
        contexts: { ...frame.contexts, job: { status: result.result }, steps: outcome.context, env: { ...env, ...job.githubEnv } },
        where: `job ${id} outputs`,
      };
      for (const [name, value] of Object.entries(evaluateMap(def.outputs, outputScope))) {
        // The runner drops outputs that contain a secret.
        if ([...job.masks].some((secret) => value.includes(secret))) result.notes.push(`Skip output '${name}' since it may contain secret.`);
        else result.outputs[name] = value;
      }
    } catch (e) {
      if (e instanceof HarnessError) throw e;
      result.result = 'failure';
      result.notes.push(e instanceof Error ? e.message : String(e));
    } finally {
      clearTimeout(limitTimer);
      run.signal.removeEventListener('abort', onCancel);
      // The runner's orphan-process cleanup at the end of a job.
      for (const group of job.groups) killGroup(group);
    }
  }
}
