// @ts-check
// The emulated juju run inside the calling process: the same main() that bin/juju runs, with the same
// argv, env, exit code and output lines that packages/juju's runner gets from a child process, but
// without a Node.js start per call (about 0.2 s of CPU each; a backup makes dozens of calls).
// For tests that run an action in-process; the bundles and the juju-sandbox tests spawn bin/juju.
import { main } from './lib/main.js';

/**
 * A JujuRunner (packages/juju/src/cli.ts): resolves like runProcess. An abort ends the call at once
 * with aborted: true, as a killed child would; the command stops at its next wait, and what it
 * already changed stays changed.
 * @param {string} _binary
 * @param {readonly string[]} argv
 * @param {{ env?: NodeJS.ProcessEnv, signal?: AbortSignal, stdin?: string, onStdoutLine?: (line: string) => void,
 *   onStderrLine?: (line: string) => void, log?: { debug(message: string): void } }} [options]
 * @returns {Promise<{ code: number | null, signal: NodeJS.Signals | null, aborted: boolean }>}
 */
export async function runJujuInProcess(_binary, argv, options = {}) {
  const { signal } = options;
  options.log?.debug(`run: ${['juju', ...argv].map(quote).join(' ')} (in-process emulator)`);
  if (signal?.aborted) return { code: null, signal: null, aborted: true };
  const stdout = lines(options.onStdoutLine);
  const stderr = lines(options.onStderrLine);
  const stop = new AbortController();
  const ran = main([...argv], options.env ?? process.env, { out: stdout.write, err: stderr.write, signal: stop.signal, stdin: options.stdin ?? '' }).catch(
    (err) => {
      if (stop.signal.aborted) return null;
      stderr.write(`ERROR juju sandbox: ${err && err.stack ? err.stack : err}\n`);
      return 1;
    },
  );
  /** @type {Promise<'aborted'>} */
  const killed = new Promise((resolve) => signal?.addEventListener('abort', () => resolve('aborted'), { once: true }));
  const first = await Promise.race([ran, killed]);
  if (first === 'aborted') {
    stop.abort();
    return { code: null, signal: 'SIGTERM', aborted: true };
  }
  stdout.end();
  stderr.end();
  return { code: first, signal: null, aborted: false };
}

/** @param {((line: string) => void) | undefined} onLine */
function lines(onLine) {
  let rest = '';
  return {
    /** @param {string} text */
    write: (text) => {
      if (!onLine) return;
      rest += text;
      let nl;
      while ((nl = rest.indexOf('\n')) >= 0) {
        onLine(rest.slice(0, nl));
        rest = rest.slice(nl + 1);
      }
    },
    end: () => {
      if (onLine && rest) onLine(rest);
      rest = '';
    },
  };
}

/** @param {string} arg */
function quote(arg) {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}
