// @ts-check
// Go's time.ParseDuration, as juju's --wait flags read it ("90s", "1m30s", "500ms", "2h", "0"),
// and the sandbox clock: every duration juju interprets is "model time", multiplied by the time
// scale (state.timeScale, or JUJU_SANDBOX_TIME_SCALE in juju's environment) to get real time, so
// tests can make juju's 60 s default wait short without changing what it means.
import { JujuError } from './errors.js';

/** @import { State } from './types.js' */

/** @type {Record<string, number>} */
const UNITS = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds, or throws Go's error text ("time: invalid duration \"x\""). @param {string} text */
export function parseGoDuration(text) {
  const s = String(text);
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest[0] === '-' ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (!rest) throw new Error(`time: invalid duration ${JSON.stringify(s)}`);
  let total = 0;
  while (rest) {
    const m = /^(\d*\.?\d*)(ns|us|µs|μs|ms|s|m|h)?/.exec(rest);
    if (!m || !m[1] || m[1] === '.') throw new Error(`time: invalid duration ${JSON.stringify(s)}`);
    if (!m[2]) {
      const unit = /^[^\d.]+/.exec(rest.slice(m[1].length))?.[0];
      throw new Error(
        unit ? `time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(s)}` : `time: missing unit in duration ${JSON.stringify(s)}`,
      );
    }
    total += Number(m[1]) * UNITS[m[2]];
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}

/** A --wait style flag value, or a usage error worded as gnuflag words it. @param {string} value @param {string} flag */
export function durationFlag(value, flag) {
  try {
    return parseGoDuration(value);
  } catch (err) {
    throw JujuError.usage(`invalid value ${JSON.stringify(String(value))} for flag --${flag}: ${/** @type {Error} */ (err).message}`);
  }
}

/** Real milliseconds per model millisecond. @param {State} state @param {NodeJS.ProcessEnv} [env] */
export function timeScale(state, env = process.env) {
  const fromEnv = Number(env.JUJU_SANDBOX_TIME_SCALE);
  if (Number.isFinite(fromEnv) && fromEnv > 0) return fromEnv;
  return state?.timeScale > 0 ? state.timeScale : 1;
}
