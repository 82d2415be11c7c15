// Runs an action's main in this process, as its bundle would run under the runner: inputs as INPUT_*
// variables, and the runner's side (log commands, masks, outputs, job summary, failure) recorded in
// the form @actions/core writes it, so a test reads stdout, outputs and summary as it would read a
// bundle's. Clients come in pointed at the sandbox (a Juju client on the in-process emulator, say);
// SIGINT and SIGTERM are sent through the child handle the callbacks get. The few bundle tests per
// action (sandbox/runner.js) cover what only a process shows: its start, its env, real signals.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { runAction, type ActionDefinition, type ClientContext, type Logger, type Report, type Runner } from '@ml-backup-actions/core';
import { Juju } from '@ml-backup-actions/juju';
import { inputVar } from '../../sandbox/index.js';
import { runJujuInProcess } from '../../sandbox/juju/index.js';

/** A Juju client of the run (its log, signal and env, so the sandbox's state file) on the in-process emulator. */
export function sandboxJuju(model: string, { log, signal, env }: ClientContext): Juju {
  return new Juju({ model, log, signal, env, runner: runJujuInProcess });
}

/**
 * What the callbacks get in place of the child process: kill() signals the run, stdout emits what it
 * prints, 'close' is emitted at its end; pid is this process (the run's children are its children).
 */
export interface InProcessChild extends EventEmitter {
  pid: number;
  kill(signal?: NodeJS.Signals): boolean;
  stdout: EventEmitter;
}

export interface InProcessOptions<C, K> {
  env?: Record<string, string | undefined>;
  clients?: (config: C, context: ClientContext) => K;
  onStart?: (child: InProcessChild) => void;
  onStdout?: (text: string) => void;
  onLine?: (line: string, child: InProcessChild) => void;
  /** A run still going after this long fails the test (a bundle would be killed). */
  timeoutMs?: number;
  /** How long putting back may take without a signal (RunOptions.putBackMs). */
  putBackMs?: number;
}

export interface ActionResult {
  code: number;
  signal: null;
  seconds: number;
  stdout: string;
  /** Warnings the process emitted meanwhile (Node prints these on stderr). */
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** @actions/core's escaping of a command's data. */
const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

export async function runInProcess<C, K, R extends Report>(
  action: ActionDefinition<C, K, R>,
  inputs: Record<string, string>,
  options: InProcessOptions<C, K> = {},
): Promise<ActionResult> {
  // RUNNER_TEMP, as the runner gives every job: unless the test gives one, a folder removed after the run.
  const ownTemp = options.env?.RUNNER_TEMP || process.env.RUNNER_TEMP ? undefined : mkdtempSync(path.join(os.tmpdir(), `runner-temp-${action.name}-`));
  const env: NodeJS.ProcessEnv = { ...(ownTemp ? { RUNNER_TEMP: ownTemp } : {}), ...process.env, ...options.env, GITHUB_ACTIONS: 'true' };
  for (const key of Object.keys(env)) if (key.startsWith('INPUT_') || env[key] === undefined) delete env[key];
  delete env.GITHUB_OUTPUT;
  delete env.GITHUB_STEP_SUMMARY;
  for (const [name, value] of Object.entries(inputs)) env[inputVar(name)] = value;

  const signals = new EventEmitter();
  const stdoutEvents = new EventEmitter();
  const child = Object.assign(new EventEmitter(), {
    pid: process.pid,
    stdout: stdoutEvents,
    kill: (sig: NodeJS.Signals = 'SIGTERM') => signals.emit(sig, sig),
  });
  let stdout = '';
  let partial = '';
  const write = (text: string) => {
    stdout += text;
    stdoutEvents.emit('data', Buffer.from(text));
    options.onStdout?.(text);
    if (!options.onLine) return;
    partial += text;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      options.onLine(line, child);
    }
  };
  const command = (name: string, message: string) => write(`::${name}::${escapeData(message)}\n`);
  const log: Logger = {
    info: (m) => write(`${m}\n`),
    notice: (m) => command('notice', m),
    warning: (m) => command('warning', m),
    error: (m) => command('error', m),
    debug: (m) => command('debug', m),
    async group(name, fn) {
      command('group', name);
      try {
        return await fn();
      } finally {
        write('::endgroup::\n');
      }
    },
  };
  const outputs: Record<string, string> = {};
  let summary = '';
  const runner: Runner = {
    log,
    setSecret: (value) => command('add-mask', value),
    setOutput: (name, value) => void (outputs[name] = value),
    appendSummary: async (markdown) => {
      summary += `${markdown}\n`;
      return true;
    },
    setFailed: (message) => command('error', message),
    idToken: (audience) => gitHubIdToken(env, audience, runner),
  };

  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}\n`);
  process.on('warning', onWarning);
  const started = process.hrtime.bigint();
  options.onStart?.(child);
  let code: number;
  let timer: NodeJS.Timeout | undefined;
  try {
    const ran = runAction(action, { env, runner, signals: signals as unknown as NodeJS.Process, clients: options.clients, putBackMs: options.putBackMs });
    const limit = options.timeoutMs;
    code = limit
      ? await Promise.race([
          ran,
          new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${action.name} did not finish within ${limit} ms`)), limit))),
        ])
      : await ran;
  } finally {
    clearTimeout(timer);
    process.off('warning', onWarning);
    child.emit('close', null, null);
    if (ownTemp) rmSync(ownTemp, { recursive: true, force: true });
  }
  return { code, signal: null, seconds: Number(process.hrtime.bigint() - started) / 1e9, stdout, stderr: warnings.join(''), outputs, summary };
}

/** What @actions/core's getIDToken does: the job's token from the runner's OIDC endpoint, masked. */
async function gitHubIdToken(env: NodeJS.ProcessEnv, audience: string, runner: Runner): Promise<string> {
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const token = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!url) throw new Error('Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable');
  if (!token) throw new Error('Unable to get ACTIONS_ID_TOKEN_REQUEST_TOKEN env variable');
  const res = await fetch(`${url}&audience=${encodeURIComponent(audience)}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
  if (!res.ok) throw new Error(`Failed to get ID Token. Error Code : ${res.status}`);
  const { value } = (await res.json()) as { value?: string };
  if (!value) throw new Error('Response json body do not have ID Token field');
  runner.setSecret(value);
  return value;
}
