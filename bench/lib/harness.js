// @ts-check
// What a benchmark's main needs around its measurements: progress lines, the action bundle's
// identity, the machine's description, the round order, clean-up on a signal, the results file.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../sandbox/index.js';
import { capture, sleep } from './proc.js';

/**
 * A progress line on stdout, stamped with the UTC time of day.
 * @param {string} message
 */
export function log(message) {
  process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/**
 * The bundle's short sha256, once it exists and is not being rewritten: a rebuild elsewhere in the
 * repo deletes dist/ for a moment, and a bundle changed mid-benchmark is recorded with each sample.
 * @param {string} file
 */
export async function bundleHash(file) {
  const read = () => (existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 12) : undefined);
  for (let waited = 0; ; waited += 250) {
    const a = read();
    if (a) {
      await sleep(100); // not being written right now
      if (read() === a) return a;
    }
    if (waited > 120_000) throw new Error(`${file} is missing or keeps changing; run npm run build`);
    await sleep(250);
  }
}

/**
 * The results' record of the bundle: its path, its hash (every hash seen, if it changed during the
 * run), HEAD, and whether `git status` shows changes under `changesUnder` (a path in the repo).
 * @param {string} file
 * @param {string[]} seen
 * @param {string} changesUnder
 */
export function bundleRecord(file, seen, changesUnder) {
  return {
    bundle: path.relative(repoRoot, file),
    bundleSha256: seen.length === 1 ? seen[0] : seen,
    changedDuringRun: seen.length > 1,
    gitHead: capture('git', ['-C', repoRoot, 'rev-parse', '--short', 'HEAD']) ?? null,
    bundleDiffersFromHead: capture('git', ['-C', repoRoot, 'status', '--porcelain', '--', changesUnder]) ? true : false,
  };
}

/**
 * The machine for the results: cores, CPU model, memory, OS and Node, then `more` (tool versions...).
 * @template {Record<string, unknown>} T
 * @param {T} more
 */
export function machineInfo(more) {
  return {
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model?.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    ...more,
  };
}

/**
 * Round `round`'s running order (rounds count from 1): `list` rotated by round - 1, so that each
 * contestant goes first in turn and a disturbance does not always meet the same one.
 * @template T
 * @param {T[]} list
 * @param {number} round
 */
export const rotate = (list, round) => list.map((_, i) => list[(i + round - 1) % list.length]);

/**
 * Runs `body`, then `cleanup`. On SIGINT or SIGTERM meanwhile it logs 'interrupted: <what>', runs
 * `cleanup` and exits 130; a second signal (bench/run.js passes the terminal's on) does not cut the
 * clean-up short.
 * @template T
 * @param {string} what
 * @param {() => Promise<unknown>} cleanup
 * @param {() => Promise<T>} body
 */
export async function withCleanup(what, cleanup, body) {
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    log(`interrupted: ${what}`);
    cleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await body();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

/**
 * Runs a benchmark's main; a failure is printed as '<name> benchmark failed: ...' with exit code 1.
 * @param {string} name
 * @param {() => Promise<void>} main
 */
export function runMain(name, main) {
  main().catch((err) => {
    process.stderr.write(`${name} benchmark failed: ${err?.stack ?? err}\n`);
    process.exitCode = 1;
  });
}

/**
 * Writes the results as indented JSON, creating the folder.
 * @param {string} file
 * @param {unknown} results
 */
export function writeResults(file, results) {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
}
