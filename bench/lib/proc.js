// @ts-check
// Processes for the benchmarks: spawning and timing a command, capturing a tool's output, reading /proc.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** @param {number} ms */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Seconds on the monotonic clock (process.hrtime). */
export const now = () => Number(process.hrtime.bigint()) / 1e9;

/**
 * A command's trimmed stdout, or undefined when it cannot run or exits non-zero.
 * @param {string} cmd
 * @param {string[]} args
 */
export function capture(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * The first line of a command's output, 'unknown' when it fails: a tool's version.
 * @param {string} cmd
 * @param {string[]} args
 */
export const versionLine = (cmd, args) => capture(cmd, args)?.split('\n')[0] ?? 'unknown';

/**
 * /proc/<pid>/<file>, or undefined when the process (or the file) is gone.
 * @param {number | string} pid
 * @param {string} file
 */
export function readProc(pid, file) {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * @typedef {object} ProcessResult
 * @property {number | null} code
 * @property {NodeJS.Signals | null} signal
 * @property {number | undefined} pid
 * @property {number} start on the now() clock
 * @property {number} end on the now() clock
 * @property {number} seconds end - start, from the clock's nanoseconds
 * @property {string} stdout empty unless stdio is 'capture'
 * @property {string} stderr empty unless stdio is 'capture'
 */

/**
 * Spawns a command and resolves once it has exited; rejects when it cannot be spawned. It waits
 * asynchronously, as the emulators a contestant talks to run in this process.
 * stdio: 'capture' (the default) closes stdin and collects stdout and stderr; 'ignore' and
 * 'inherit' are spawn's.
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ env?: NodeJS.ProcessEnv, cwd?: string, stdio?: 'capture' | 'ignore' | 'inherit',
 *   onStart?: (child: import('node:child_process').ChildProcess) => void }} [options]
 * @returns {Promise<ProcessResult>}
 */
export function runProcess(cmd, args, { env, cwd, stdio = 'capture', onStart } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, cwd, stdio: stdio === 'capture' ? ['ignore', 'pipe', 'pipe'] : stdio });
    onStart?.(child);
    /** @type {Buffer[]} */
    const out = [];
    /** @type {Buffer[]} */
    const err = [];
    child.stdout?.on('data', (d) => out.push(d));
    child.stderr?.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const ended = process.hrtime.bigint();
      resolve({
        code,
        signal,
        pid: child.pid,
        start: Number(started) / 1e9,
        end: Number(ended) / 1e9,
        seconds: Number(ended - started) / 1e9,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}
