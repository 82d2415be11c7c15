// `uses:` steps: local actions (composite, or node run with the harness's own node), stubs given
// by the test, and remote actions, which are not run.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { evaluateString, HarnessError } from './expressions.js';
import { runCommand, runSteps, type Frame } from './steps.js';
import type { Conclusion, StepResult } from './types.js';

export interface UsesCall {
  step: StepResult;
  frame: Frame;
  /** The step's env: what its process and, for a composite, its steps see. */
  env: Record<string, string>;
  /** The step's own env: entries. */
  stepEnv: Record<string, string>;
  /** The contexts the step's fields were evaluated with. */
  contexts: Record<string, unknown>;
  stop: AbortSignal;
  where: string;
}

interface ActionFile {
  inputs?: Record<string, { default?: unknown; required?: boolean } | null>;
  outputs?: Record<string, { value?: unknown } | null>;
  runs?: { using?: string; main?: string; pre?: string; post?: string; steps?: unknown };
}

export async function runUses(uses: string, given: Record<string, string>, call: UsesCall): Promise<Conclusion> {
  const { step, frame } = call;
  const stubs = frame.job.options.stubs ?? {};
  const stub = stubs[uses] ?? stubs[uses.replace(/@[^@/]*$/, '')];
  if (stub) {
    step.notes.push(`${uses} replaced by the test's stub`);
    const { github, runner } = call.contexts as { github: Record<string, unknown>; runner: Record<string, string> };
    const result = (await stub({ uses, inputs: given, env: call.env, github, runner })) ?? {};
    Object.assign(step.outputs, result.outputs);
    Object.assign(frame.job.githubEnv, result.env);
    frame.job.path.unshift(...[...(result.path ?? [])].reverse());
    step.summary += result.summary ?? '';
    if (!result.fail) return 'success';
    step.stderr += `${typeof result.fail === 'string' ? result.fail : `${uses} failed`}\n`;
    return 'failure';
  }
  if (uses.startsWith('docker://')) throw new HarnessError(`${call.where}: docker actions are not supported by the harness`);
  if (!uses.startsWith('./') && !uses.startsWith('$/')) {
    const note = `${uses} not run: the harness does not run remote actions (pass a stub to replace it)`;
    step.notes.push(note);
    const top = frame.top ?? step;
    frame.job.log({ step: top.id, stepName: top.name, actionStep: frame.top && step.id, stream: 'harness', line: note });
    return 'skipped';
  }
  if (/\.ya?ml$/.test(uses)) throw new HarnessError(`${call.where}: a workflow can only be called at the job level`);

  // $/ is the workflow's own repository at the running commit; ./ is the workspace (what a checkout put there).
  const dir = uses.startsWith('$/') ? path.resolve(frame.job.options.repoRoot, uses.slice(2)) : path.resolve(frame.job.workspace, uses);
  const file = ['action.yml', 'action.yaml'].map((name) => path.join(dir, name)).find((f) => existsSync(f));
  if (!file) throw new HarnessError(`${call.where}: no action.yml in ${dir}`);
  const action = (parse(readFileSync(file, 'utf8')) ?? {}) as ActionFile;
  const inputs = actionInputs(action, given, call, uses);
  const using = String(action.runs?.using);
  if (using === 'composite') return runComposite(action, dir, inputs, call, uses);
  if (/^node\d+$/.test(using)) {
    if (action.runs?.pre || action.runs?.post) throw new HarnessError(`${call.where}: pre and post scripts of ${uses} are not supported by the harness`);
    const inputEnv = Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.replace(/ /g, '_').toUpperCase()}`, value]));
    const ok = await runCommand(
      [process.execPath, path.join(dir, String(action.runs?.main))],
      { step, frame },
      { env: call.env, stop: call.stop, cwd: frame.job.workspace, extraEnv: inputEnv },
    );
    return ok ? 'success' : 'failure';
  }
  throw new HarnessError(`${call.where}: ${uses} runs using '${using}', which the harness does not support`);
}

/** with: values (input names are case-insensitive), then declared defaults, which may be expressions. */
function actionInputs(action: ActionFile, given: Record<string, string>, call: UsesCall, uses: string): Record<string, string> {
  const declared = action.inputs ?? {};
  const names = new Map(Object.keys(declared).map((name) => [name.toLowerCase(), name]));
  const inputs: Record<string, string> = {};
  for (const [key, value] of Object.entries(given)) {
    const name = names.get(key.toLowerCase());
    if (!name) call.step.notes.push(`Unexpected input '${key}', valid inputs are ${[...names.values()].join(', ')}`);
    inputs[name ?? key] = value;
  }
  const { github, job, runner } = call.contexts;
  for (const [name, input] of Object.entries(declared)) {
    if (name in inputs) continue;
    if (input?.default !== undefined) {
      const where = `${call.where} (${uses}) inputs.${name}.default`;
      inputs[name] = evaluateString(input.default, { schema: 'action', definition: 'input-default-context', contexts: { github, job, runner }, where });
    } else {
      inputs[name] = '';
      if (input?.required) call.step.notes.push(`Input required and not supplied: ${name}`);
    }
  }
  return inputs;
}

async function runComposite(action: ActionFile, dir: string, inputs: Record<string, string>, call: UsesCall, uses: string): Promise<Conclusion> {
  const { step, frame } = call;
  const inner: Frame = {
    schema: 'action',
    job: frame.job,
    contexts: { github: { ...(call.contexts.github as object), action_path: dir }, inputs, runner: call.contexts.runner },
    baseEnv: frame.baseEnv,
    overEnv: { ...frame.overEnv, ...call.stepEnv },
    defaults: {},
    stop: call.stop,
    top: frame.top ?? step,
    label: `${call.where} (${uses})`,
  };
  const outcome = await runSteps(action.runs?.steps, inner);
  step.steps = outcome.steps;
  step.stdout += outcome.steps.map((s) => s.stdout).join('');
  step.stderr += outcome.steps.map((s) => s.stderr).join('');
  step.summary += outcome.steps.map((s) => s.summary).join('');
  const signals = outcome.steps.flatMap((s) => s.signals ?? []);
  if (signals.length) step.signals = signals;

  const env = { ...frame.baseEnv, ...frame.job.githubEnv, ...inner.overEnv };
  const contexts = { ...inner.contexts, job: call.contexts.job, steps: outcome.context, env };
  for (const [name, output] of Object.entries(action.outputs ?? {})) {
    step.outputs[name] = evaluateString(output?.value, { schema: 'action', definition: 'output-value', contexts, where: `${inner.label} outputs.${name}` });
  }
  return outcome.status;
}
