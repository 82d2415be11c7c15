// @ts-check
// The emulated controller's state: one JSON file, replaced atomically (write a temporary file, then
// rename), changed under a lock directory so that concurrent juju invocations do not lose updates.
// Nothing runs in the background: unit lifecycles are computed from timestamps (lifecycle.js).
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';

/** @import { State } from './types.js' */
/** @typedef {{ argv: string[], at: number, pid: number }} Call one juju invocation */

export const STATE_ENV = 'JUJU_SANDBOX_STATE';

/** @param {string} file @returns {State} */
export function loadState(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** @param {string} file @param {State} state */
export function saveState(file, state) {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, file);
}

/** @param {number} ms */
const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Runs fn(state) under the lock and saves what it leaves; returns fn's result.
 * @template T
 * @param {string} file
 * @param {(state: State) => T} fn
 * @returns {T}
 */
export function mutateState(file, fn) {
  const lock = `${file}.lock`;
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(lock).mtimeMs > 2000) rmSync(lock, { recursive: true, force: true }); // left by a killed process
      } catch {
        // released meanwhile
      }
      if (Date.now() - started > 15_000) throw new Error(`juju sandbox: state lock ${lock} is held`, { cause: err });
      pause(5);
    }
  }
  try {
    const state = loadState(file);
    const result = fn(state);
    saveState(file, state);
    return result;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Every invocation is appended (one JSON line) next to the state, for tests to inspect. @param {string} file @param {string[]} argv */
export function logCall(file, argv) {
  appendFileSync(`${file}.calls`, `${JSON.stringify({ argv, at: Date.now(), pid: process.pid })}\n`);
}

/** @param {string} file @returns {Call[]} */
export function readCalls(file) {
  if (!existsSync(`${file}.calls`)) return [];
  return readFileSync(`${file}.calls`, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}
