// @ts-check
// The benchmarks' settings from BENCH_* environment variables, and where their results go.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * An integer setting: `fallback` when unset or empty; anything but an integer >= `min` throws.
 * @param {string} name
 * @param {number} fallback
 * @param {number} [min]
 */
export function intEnv(name, fallback, min = 0) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got '${raw}'`);
  return n;
}

/**
 * A number setting, `fallback` when unset or empty (not validated).
 * @param {string} name
 * @param {number} fallback
 */
export const numEnv = (name, fallback) => Number(process.env[name] || fallback);

/**
 * The results file: BENCH_OUT, or bench/results/<file>.
 * @param {string} file
 */
export const resultsFile = (file) => process.env.BENCH_OUT || path.join(benchDir, 'results', file);
