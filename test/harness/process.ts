// Runs one step's process the way the runner's ProcessInvoker does, and reads the file commands
// (GITHUB_OUTPUT, GITHUB_ENV, ...) a step leaves behind.
import { spawn } from 'node:child_process';

/** The runner's cancellation: SIGINT, wait, SIGTERM, wait, kill. Tests may shorten the waits. */
export interface KillTimings {
  sigintMs: number;
  sigtermMs: number;
  /** How long to wait for stdout/stderr to close after the process exited (a background child may hold them). */
  streamsMs: number;
}

export const runnerTimings: KillTimings = { sigintMs: 7500, sigtermMs: 2500, streamsMs: 5000 };

export interface ProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the stop signal fired while the process ran. */
  stopped: boolean;
  pid?: number;
  /** Signals the harness sent, in order ('SIGKILL' is sent to the process group). */
  sent: string[];
  stdout: string;
  stderr: string;
  error?: string;
}

export interface ProcessOptions {
  cwd: string;
  env: Record<string, string>;
  /** Aborting it runs the cancellation sequence. */
  stop?: AbortSignal;
  timings: KillTimings;
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
}

/** Resolves true when `promise` settled within ms. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Kills what is left of a step's process group (the runner's orphan cleanup at the end of a job). */
export function killGroup(pid: number): void {
  signal(-pid, 'SIGKILL');
}

/**
 * Spawns argv in its own process group. On stop, like the runner: SIGINT to the process, up to
 * sigintMs for it to exit, SIGTERM, up to sigtermMs, then SIGKILL (here to the whole group, so that
 * a test leaves nothing behind). The runner signals the process only, not its children: a `run:`
 * script should `exec` the program that is meant to handle SIGINT.
 */
export async function runProcess(argv: string[], options: ProcessOptions): Promise<ProcessResult> {
  const result: ProcessResult = { exitCode: null, signal: null, stopped: false, sent: [], stdout: '', stderr: '' };
  const child = spawn(argv[0], argv.slice(1), { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  result.pid = child.pid;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, sig) => {
      result.exitCode = code;
      result.signal = sig;
      resolve();
    });
    child.once('error', (e) => {
      result.error = e.message;
      resolve();
    });
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));

  for (const stream of ['stdout', 'stderr'] as const) {
    let partial = '';
    child[stream].setEncoding('utf8');
    child[stream].on('data', (chunk: string) => {
      result[stream] += chunk;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) options.onLine?.(stream, line);
    });
    child[stream].on('end', () => partial && options.onLine?.(stream, partial));
  }

  const gone = () => result.exitCode !== null || result.signal !== null || result.error !== undefined;
  const cancel = async () => {
    result.stopped = true;
    for (const [sig, ms] of [
      ['SIGINT', options.timings.sigintMs],
      ['SIGTERM', options.timings.sigtermMs],
    ] as const) {
      if (gone() || !child.pid) return;
      result.sent.push(sig);
      signal(child.pid, sig);
      if (await within(exited, ms)) return;
    }
    if (!gone() && child.pid) {
      result.sent.push('SIGKILL');
      killGroup(child.pid);
    }
  };
  let cancelling: Promise<void> | undefined;
  const onStop = () => void (cancelling ??= cancel());
  if (options.stop?.aborted) onStop();
  else options.stop?.addEventListener('abort', onStop, { once: true });

  await exited;
  options.stop?.removeEventListener('abort', onStop);
  await cancelling;
  if (!(await within(closed, options.timings.streamsMs))) {
    child.stdout.destroy();
    child.stderr.destroy();
  }
  return result;
}

/**
 * Parses a file command (GITHUB_OUTPUT, GITHUB_ENV): `name=value` lines and `name<<DELIMITER`
 * blocks, as the runner does; a block without its closing delimiter is an error.
 */
export function parseFileCommand(text: string, file: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') continue;
    const eq = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (heredoc > 0 && (eq < 0 || heredoc < eq)) {
      const name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      const value: string[] = [];
      while (++i < lines.length && lines[i] !== delimiter) value.push(lines[i]);
      if (i >= lines.length) throw new Error(`${file}: matching delimiter '${delimiter}' not found for '${name}'`);
      values[name] = value.join('\n');
    } else if (eq > 0) {
      values[line.slice(0, eq)] = line.slice(eq + 1);
    } else {
      throw new Error(`${file}: invalid line ${JSON.stringify(line)}`);
    }
  }
  return values;
}
