// @ts-check
// Statistics, rounding and number formatting for the benchmarks' figures.

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/**
 * The middle sample, or the mean of the two middle ones for an even count (NaN for none).
 * @param {number[]} xs
 */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The sample at index floor(n * q) of the sorted samples (at most the last), not interpolated.
 * bench/cml takes its p90 and its median (q 0.5) this way: for an even count that median is the
 * upper middle sample, not median()'s mean of the two.
 * @param {number[]} xs
 * @param {number} q
 */
export function percentile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))];
}

/**
 * n rounded to 3 decimals; null for null, undefined, NaN and the infinities (which JSON lacks).
 * @param {number | null | undefined} n
 */
export const r3 = (n) => (n === null || n === undefined || !Number.isFinite(n) ? null : Math.round(n * 1000) / 1000);

/**
 * n rounded to 1 decimal; null as for r3.
 * @param {number | null | undefined} n
 */
export const r1 = (n) => (n === null || n === undefined || !Number.isFinite(n) ? null : Math.round(n * 10) / 10);

/**
 * n rounded to 2 decimals, for figures that are always finite (CPU seconds, cores, load averages).
 * @param {number} n
 */
export const r2 = (n) => Math.round(n * 100) / 100;

/** @typedef {{ n: number, median: number | null, min: number | null, max: number | null }} Summary */

/**
 * Count, median, min and max, rounded by r3; null for no samples.
 * @param {number[]} xs
 * @returns {Summary | null}
 */
export const summarise = (xs) => (xs.length ? { n: xs.length, median: r3(median(xs)), min: r3(Math.min(...xs)), max: r3(Math.max(...xs)) } : null);

/**
 * Seconds for a table: 3 significant figures or so, '-' for none.
 * @param {number | null | undefined} n
 */
export const fmtS = (n) => (n === null || n === undefined ? '-' : n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
