import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { ActionError } from './errors.js';
import type { Logger } from './log.js';
import { redact } from './secrets.js';

export interface ProcessOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to the child's stdin, then closed; the way to hand a child a secret. */
  stdin?: string;
  /** On abort the child gets SIGTERM, then SIGKILL after killGraceMs. */
  signal?: AbortSignal;
  killGraceMs?: number;
  onStdoutLine?: (line: string) => void;
  /**
   * The child's stdout, as bytes, is piped into this stream with backpressure (the child waits
   * while the stream is full), instead of being split into lines; for output too big to hold.
   * The stream is not ended: the caller owns it. If it fails, the child is stopped and the call
   * rejects. Takes the place of onStdoutLine.
   */
  stdout?: Writable;
  onStderrLine?: (line: string) => void;
  log?: Logger;
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the child was stopped because options.signal aborted. */
  aborted: boolean;
}

/**
 * Runs a program with an argument array, never through a shell. The command line is logged at
 * debug level with registered secrets redacted, but secrets belong in env or stdin, never in args.
 */
export function runProcess(command: string, args: readonly string[], options: ProcessOptions = {}): Promise<ProcessResult> {
  const { signal, killGraceMs = 3000 } = options;
  options.log?.debug(redact(`run: ${[command, ...args].map(shellQuote).join(' ')}`));
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return resolve({ code: null, signal: null, aborted: true });
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      shell: false,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (killTimer) return;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), killGraceMs);
    };
    const onAbort = () => {
      aborted = true;
      stop();
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    let outputError: Error | undefined;
    const stdoutDone = options.stdout
      ? pipeTo(child.stdout, options.stdout, (err) => {
          outputError ??= err;
          child.stdout.destroy();
          stop();
        })
      : splitLines(child.stdout, options.onStdoutLine);
    const stderrDone = splitLines(child.stderr, options.onStderrLine);
    child.stdin.on('error', () => undefined); // a child that exits without reading stdin
    child.stdin.end(options.stdin ?? '');

    child.on('error', (err: NodeJS.ErrnoException) => {
      signal?.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      reject(
        err.code === 'ENOENT'
          ? new ActionError(`${command} was not found on PATH; install it first (the action's setup step does)`)
          : new ActionError(`could not start ${command}: ${err.message}`),
      );
    });
    child.on('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      Promise.all([stdoutDone, stderrDone]).then(() =>
        outputError
          ? reject(new ActionError(`writing the output of ${command} failed: ${outputError.message}`, { cause: outputError }))
          : resolve({ code, signal: sig, aborted }),
      );
    });
  });
}

/** Pipes from into to (pausing while to is full); resolves at the end of from, or once to fails. */
function pipeTo(from: NodeJS.ReadableStream, to: Writable, onError: (err: Error) => void): Promise<void> {
  return new Promise((resolve) => {
    const fail = (err: Error) => {
      from.unpipe(to);
      cleanup();
      onError(err);
      resolve();
    };
    const closedEarly = () => fail(new Error('the output stream closed before the program finished'));
    const cleanup = () => {
      to.off('error', fail);
      to.off('close', closedEarly);
    };
    to.on('error', fail);
    to.on('close', closedEarly);
    from.on('end', () => {
      cleanup();
      resolve();
    });
    from.on('error', () => {
      cleanup();
      resolve();
    });
    from.pipe(to, { end: false });
  });
}

function splitLines(stream: NodeJS.ReadableStream, onLine?: (line: string) => void): Promise<void> {
  return new Promise((resolve) => {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      if (!onLine) return;
      rest += chunk;
      let nl: number;
      while ((nl = rest.indexOf('\n')) >= 0) {
        onLine(rest.slice(0, nl));
        rest = rest.slice(nl + 1);
      }
    });
    stream.on('end', () => {
      if (onLine && rest) onLine(rest);
      resolve();
    });
    stream.on('error', () => resolve());
  });
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}
