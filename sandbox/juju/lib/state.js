// The emulated controller's state: one JSON file, replaced atomically (write a temporary file, then
// rename), changed under a lock directory so that concurrent juju invocations do not lose updates.
// Nothing runs in the background: unit lifecycles are computed from timestamps (lifecycle.js).
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';

export const STATE_ENV = 'JUJU_SANDBOX_STATE';

export function loadState(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

export function saveState(file, state) {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, file);
}

const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Runs fn(state) under the lock and saves what it leaves; returns fn's result. */
export function mutateState(file, fn) {
  const lock = `${file}.lock`;
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(lock).mtimeMs > 2000) rmSync(lock, { recursive: true, force: true }); // left by a killed process
      } catch {
        // released meanwhile
      }
      if (Date.now() - started > 15_000) throw new Error(`juju sandbox: state lock ${lock} is held`);
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

/** Every invocation is appended (one JSON line) next to the state, for tests to inspect. */
export function logCall(file, argv) {
  appendFileSync(`${file}.calls`, `${JSON.stringify({ argv, at: Date.now(), pid: process.pid })}\n`);
}

export function readCalls(file) {
  if (!existsSync(`${file}.calls`)) return [];
  return readFileSync(`${file}.calls`, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}
