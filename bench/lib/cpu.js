// @ts-check
// CPU accounting from /proc (who used the cores during a run), and the wait for a quiet machine
// before one: on a 2-core machine other work slows whichever contestant it meets.
import { readdirSync, readFileSync } from 'node:fs';
import { log } from './harness.js';
import { capture, now, readProc, sleep } from './proc.js';

const CLK_TCK = Number(capture('getconf', ['CLK_TCK'])) || 100;

/**
 * The fields of /proc/<pid>/stat from the third (state) on, or undefined when the process is gone.
 * @param {number | string} pid
 */
function procStat(pid) {
  const text = readProc(pid, 'stat');
  return text
    ? text
        .slice(text.lastIndexOf(')') + 2)
        .split(' ')
        .map(Number)
    : undefined;
}

/**
 * CPU seconds of a live process (user + system), 0 when it is gone.
 * @param {number | string} pid
 */
export function cpuOf(pid) {
  const f = procStat(pid);
  return f ? (f[11] + f[12]) / CLK_TCK : 0;
}

/**
 * CPU seconds of this process's reaped children: the contestant and everything it waited for, in
 * the emulated pod too (those are the emulator's, so this process's, children).
 */
export function childrenCpu() {
  const f = /** @type {number[]} */ (procStat('self'));
  return (f[13] + f[14]) / CLK_TCK;
}

/**
 * Busy CPU seconds of the whole machine, all cores, and steal: time this VM's cores were ready to
 * run but the hypervisor gave the physical CPU to someone else.
 */
export function machineCpu() {
  const [cpu] = readFileSync('/proc/stat', 'utf8').split('\n');
  const [user, nice, system, , , irq, softirq, steal] = cpu.trim().split(/\s+/).slice(1).map(Number);
  return { busy: (user + nice + system + irq + softirq) / CLK_TCK, steal: steal / CLK_TCK };
}

/** @typedef {{ t: number, children: number, self: number, procs: number[], busy: number, steal: number }} CpuSnapshot */

/**
 * @param {number[]} pids processes to account apart (the S3 servers)
 * @returns {CpuSnapshot}
 */
export function cpuSnapshot(pids) {
  return { t: now(), children: childrenCpu(), self: cpuOf('self'), procs: pids.map((pid) => cpuOf(pid)), ...machineCpu() };
}

/**
 * @typedef {object} CpuDelta CPU seconds between two snapshots, unrounded
 * @property {number} seconds wall time between them
 * @property {number} contestant this process's children reaped meanwhile
 * @property {number} harness this process: the benchmark and the emulators it hosts
 * @property {number[]} procs each process that cpuSnapshot was given, in its order
 * @property {number} other the rest of the machine's busy time, at least 0
 * @property {number} steal
 * @property {number} busy the whole machine's
 */

/**
 * @param {CpuSnapshot} a
 * @param {CpuSnapshot} b
 * @returns {CpuDelta}
 */
export function cpuDelta(a, b) {
  const contestant = b.children - a.children;
  const harness = b.self - a.self;
  const procs = b.procs.map((v, i) => v - a.procs[i]);
  const busy = b.busy - a.busy;
  let other = busy - contestant - harness;
  for (const p of procs) other -= p;
  return { seconds: b.t - a.t, contestant, harness, procs, other: Math.max(0, other), steal: b.steal - a.steal, busy };
}

/**
 * Processes, not this one, whose command line matches `pattern` and does not contain `ignore`:
 * '<pid> <command line, cut at 100 characters>'.
 * @param {RegExp} pattern
 * @param {string} ignore
 */
export function heavyProcesses(pattern, ignore) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = readProc(entry, 'cmdline');
    if (!cmdline) continue;
    const line = cmdline.split('\0').join(' ').trim();
    if (line && pattern.test(line) && !line.includes(ignore)) found.push(`${entry} ${line.slice(0, 100)}`);
  }
  return found;
}

/**
 * @typedef {object} QuietOptions
 * @property {number[]} pids the processes cpuSnapshot accounts apart
 * @property {number} below the foreign load to wait for, in foreignCores's unit
 * @property {number} cpuWait seconds to wait for it at most (one window is always measured)
 * @property {(d: CpuDelta) => number} foreignCores the load of one window that is not ours; each
 *   benchmark keeps the formula its recorded figures were made with
 * @property {{ pattern: RegExp, ignore: string, wait: number }} [heavy] first wait up to `wait`
 *   seconds while heavyProcesses(pattern, ignore) finds any (a test suite, a build)
 */

/**
 * Before a measurement: waits while heavy processes run, if asked, then over one-second windows
 * until foreignCores is below `below` or cpuWait has passed. Returns the seconds waited in all and
 * for heavy processes (to 0.1 s), the heavy ones seen, and the last window's foreignCores.
 * @param {QuietOptions} options
 * @returns {Promise<{ waited: number, heavyWaited: number, heavySeen: string[], heavyStillRunning: boolean, cores: number }>}
 */
export async function waitForQuiet({ pids, below, cpuWait, foreignCores, heavy }) {
  const started = Date.now();
  let running = heavy ? heavyProcesses(heavy.pattern, heavy.ignore) : [];
  const seen = new Set(running.map((h) => h.replace(/^\d+ /, '').slice(0, 60)));
  let announced = false;
  while (heavy && running.length && Date.now() - started < heavy.wait * 1000) {
    if (!announced) log(`  waiting (up to ${heavy.wait} s) for: ${running.map((h) => h.slice(0, 90)).join('; ')}`);
    announced = true;
    await sleep(2000);
    running = heavyProcesses(heavy.pattern, heavy.ignore);
    for (const h of running) seen.add(h.replace(/^\d+ /, '').slice(0, 60));
  }
  const heavyWaited = Math.round((Date.now() - started) / 100) / 10;
  const cpuStarted = Date.now();
  let cores;
  do {
    const a = cpuSnapshot(pids);
    await sleep(1000);
    cores = foreignCores(cpuDelta(a, cpuSnapshot(pids)));
    if (cores < below) break;
  } while (Date.now() - cpuStarted < cpuWait * 1000);
  const waited = Math.round((Date.now() - started) / 100) / 10;
  return { waited, heavyWaited, heavySeen: [...seen], heavyStillRunning: running.length > 0, cores };
}
