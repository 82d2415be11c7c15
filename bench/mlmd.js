// @ts-check
// Benchmark: the backup-mlmd action (its dist bundle, run as a workflow step runs it) against the
// runbook's "Backup ML Metadata" steps scripted with the real tools, on the same MLMD database,
// through the same emulators: the Kubernetes API emulator (pod mlmd-0, exec over WebSocket into a
// real container filesystem), the emulated juju, and a real S3 server process.
//
//   node bench/mlmd.js            (or: node bench/run.js mlmd)
//
// Environment (all optional):
//   BENCH_MLMD_BYTES       size of the main database, bytes                     (default 1 GiB)
//   BENCH_MLMD_SMALL_BYTES size of the second database, for the RSS flatness; 0: none (default 256 MiB)
//   BENCH_MLMD_SMALL_CONTESTANTS  'both' or 'action': who runs on the second size (default both)
//   BENCH_ROUNDS           rounds per size; each runs both contestants, order rotated (default 2)
//   BENCH_MLMD_SEED        the database generator's seed                        (default 1)
//   BENCH_MLMD_VERIFY      1: restore every stored object (gunzip | sqlite3) and compare row counts;
//                          0: only check sizes and hashes                       (default 1)
//   BENCH_MLMD_RESTORE     1: after the main size's backups, restore-mlmd against the guide's
//                          restore, BENCH_ROUNDS rounds on one backup; 0: don't  (default 1)
//   BENCH_POLL_MS          /proc polling interval for peak RSS, ms              (default 50)
//   BENCH_QUIET_WAIT       before each run, wait up to this many seconds while a process matching
//                          BENCH_QUIET_PATTERN runs (a test suite, a build)     (default 300; 0: don't)
//   BENCH_QUIET_PATTERN    regular expression over command lines (default 'jest|@vercel/ncc|/tsc\b')
//   BENCH_QUIET_CPU_WAIT   then wait up to this many seconds until other processes (and hypervisor
//                          steal) use less than BENCH_QUIET_CORES cores          (default 20)
//   BENCH_QUIET_CORES      see above                                            (default 0.25)
//   BENCH_OUT              results file                            (default bench/results/mlmd.json)
//
// See bench/README.md ("mlmd") for what each figure means.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deleteObject, repoRoot, runActionBundle, startCkf } from '../sandbox/index.js';
import { DEFAULT_TOOLS } from '../sandbox/kube/containers.js';
import { rowCounts as mlmdRowCounts } from '../sandbox/mlmd.js';
import { rcloneEnvFor } from '../sandbox/s3.js';
import { cpuDelta, cpuSnapshot, waitForQuiet } from './lib/cpu.js';
import { intEnv, numEnv, resultsFile } from './lib/env.js';
import { bundleHash, bundleRecord, log, machineInfo, rotate, runMain, withCleanup, writeResults } from './lib/harness.js';
import { now, readProc, runProcess, sleep, versionLine } from './lib/proc.js';
import { checkRestored, restoreTheActionsWay, restoreTheGuidesWay } from './lib/mlmd-restore.js';
import { CA_BUNDLE, caArgs, rcloneEnv } from './lib/rclone.js';
import { fmtS, GiB, median, MiB, r1, r2, r3, summarise } from './lib/stats.js';

/** @typedef {Awaited<ReturnType<typeof startCkf>>} Ckf */

const settings = {
  bytes: intEnv('BENCH_MLMD_BYTES', GiB, MiB),
  smallBytes: intEnv('BENCH_MLMD_SMALL_BYTES', 256 * MiB, 0),
  smallContestants: process.env.BENCH_MLMD_SMALL_CONTESTANTS || 'both',
  rounds: intEnv('BENCH_ROUNDS', 2, 1),
  seed: intEnv('BENCH_MLMD_SEED', 1, 1),
  verify: process.env.BENCH_MLMD_VERIFY !== '0',
  restore: process.env.BENCH_MLMD_RESTORE !== '0',
  pollMs: intEnv('BENCH_POLL_MS', 50, 5),
  quietWait: intEnv('BENCH_QUIET_WAIT', 300, 0),
  quietPattern: process.env.BENCH_QUIET_PATTERN || 'jest|@vercel/ncc|/tsc\\b',
  quietCpuWait: intEnv('BENCH_QUIET_CPU_WAIT', 20, 0),
  quietCores: numEnv('BENCH_QUIET_CORES', 0.25),
  out: resultsFile('mlmd.json'),
};
if (!['both', 'action'].includes(settings.smallContestants)) throw new Error("BENCH_MLMD_SMALL_CONTESTANTS must be 'both' or 'action'");
if (settings.smallBytes && settings.smallBytes < MiB) throw new Error('BENCH_MLMD_SMALL_BYTES must be 0 or at least 1 MiB');

// The runbook's names, and the action's defaults for them.
const NAMESPACE = 'kubeflow';
const POD = 'mlmd-0';
const CONTAINER = 'mlmd-grpc-server';
const DB_PATH = '/data/mlmd.db';
const WRITER = 'kfp-metadata-writer';
const BUCKET = 'ckf-backups';
const RUNBOOK_PREFIX = 'mlmd-runbook'; // where the runbook contestant's rclone copy puts its file
// The runbook installs sqlite3 in the container first (apt, untimed); here the host's sqlite3 and
// gzip are bind-mounted into it, beside the default tools (kubectl cp needs tar).
const CONTAINER_TOOLS = [...new Set([...DEFAULT_TOOLS, 'sqlite3', 'gzip', 'mv'])];
const NAMES = { namespace: NAMESPACE, pod: POD, container: CONTAINER, dbPath: DB_PATH, writer: WRITER, bucket: BUCKET };

const GOALS = {
  pauseRatio: 0.05, // the action's pause at most 5 % of the runbook's
  totalRatio: 1, // the action no slower than the runbook
  rssMiB: 256, // the action's peak RSS at most 256 MiB
  flat: 0.1, // and flat: the larger database's peak within 10 % (or 16 MiB) of the smaller's
};

const BUNDLE = path.join(repoRoot, 'actions', 'backup-mlmd', 'dist', 'index.js');

// ---------------------------------------------------------------------------------------------
// Small helpers.

const fmtMiB = (/** @type {number} */ bytes) => `${(bytes / MiB).toFixed(bytes >= 100 * MiB ? 0 : 1)} MiB`;
const sizeLabel = (/** @type {number} */ bytes) => (bytes % GiB === 0 ? `${bytes / GiB} GiB` : `${Math.round(bytes / MiB)} MiB`);

/** The runbook's MLMD_BACKUP stamp: date +"%Y-%m-%d-%H-%M". */
function runbookStamp(d = new Date()) {
  const p = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}-${p(d.getMinutes())}`;
}

/**
 * @param {string} file
 * @returns {Promise<string>}
 */
function sha256File(file) {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

// ---------------------------------------------------------------------------------------------
// Peak RSS: VmHWM (the high-water mark, monotonic for one program image) of every process under a
// root, polled; the last value read per process is kept. A process that exec()s starts a new image
// and a new mark, so each (pid, program) pair is tracked separately.

/** @param {number} pid */
function childPids(pid) {
  let tasks;
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  /** @type {number[]} */
  const out = [];
  for (const t of tasks) {
    const text = readProc(`${pid}/task/${t}`, 'children');
    if (text) for (const c of text.trim().split(/\s+/)) if (c) out.push(Number(c));
  }
  return out;
}

const RCLONE_COMMANDS = new Set(['copy', 'copyto', 'lsjson', 'lsf', 'cat', 'deletefile', 'version', 'sync', 'check']);
const KUBECTL_COMMANDS = new Set(['exec', 'cp', 'get', 'version']);

/**
 * The program a command line runs, for the peaks by program: 'rclone copy', 'action (node)'...
 * @param {string[]} argv
 */
function labelOf(argv) {
  const base = path.basename(argv[0] ?? '?');
  if (base === 'node' || base === path.basename(process.execPath)) {
    const script = argv[1] ?? '';
    if (script.includes(path.join('backup-mlmd', 'dist'))) return 'action (node)';
    if (script.endsWith(`${path.sep}juju`)) return 'juju (node)';
    return `node ${path.basename(script)}`;
  }
  if (base === 'rclone') return `rclone ${argv.find((a) => RCLONE_COMMANDS.has(a)) ?? ''}`.trim();
  if (base.startsWith('kubectl')) return `${base} ${argv.find((a) => KUBECTL_COMMANDS.has(a)) ?? ''}`.trim();
  return base;
}

class PeakRss {
  /**
   * @param {number} root
   * @param {{ exclude?: number[], pollMs: number }} options
   */
  constructor(root, { exclude = [], pollMs }) {
    this.root = root;
    this.exclude = new Set(exclude);
    /** @type {Map<string, { pid: number, label: string, kib: number }>} */
    this.peaks = new Map(); // `${pid} ${label}` -> { pid, label, kib }
    this.timer = setInterval(() => this.tick(), pollMs);
    this.tick();
  }

  tick() {
    const stack = childPids(this.root);
    while (stack.length) {
      const pid = /** @type {number} */ (stack.pop());
      if (this.exclude.has(pid)) continue;
      const status = readProc(pid, 'status');
      const cmdline = readProc(pid, 'cmdline');
      const hwm = status && /^VmHWM:\s+(\d+) kB/m.exec(status);
      if (hwm && cmdline) {
        const label = labelOf(cmdline.split('\0'));
        const key = `${pid} ${label}`;
        const kib = Number(hwm[1]);
        const seen = this.peaks.get(key);
        if (!seen || kib > seen.kib) this.peaks.set(key, { pid, label, kib });
      }
      stack.push(...childPids(pid));
    }
  }

  stop() {
    clearInterval(this.timer);
    this.tick();
  }

  /**
   * Peak of one process (the last VmHWM read), bytes.
   * @param {number | undefined} pid
   */
  of(pid) {
    let kib = 0;
    for (const p of this.peaks.values()) if (p.pid === pid) kib = Math.max(kib, p.kib);
    return kib * 1024;
  }

  /** The largest peak per program, MiB, largest first. */
  byLabel() {
    /** @type {Record<string, number>} */
    const out = {};
    for (const p of this.peaks.values()) out[p.label] = Math.max(out[p.label] ?? 0, p.kib);
    return Object.fromEntries(
      Object.entries(out)
        .sort(([, a], [, b]) => b - a)
        .map(([k, v]) => [k, r1(v / 1024)]),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// CPU accounting (bench/lib/cpu.js): who used the two cores during a run.

/**
 * A run's CPU seconds as the results record them: the contestant (this process's reaped children,
 * in the pod too: they are the emulator's children), the emulators and this harness, the S3
 * server, the rest of the machine and steal; and those two last in cores over the run.
 * @param {import('./lib/cpu.js').CpuDelta} d
 */
function cpuRecord(d) {
  return {
    contestant: r2(d.contestant),
    emulatorAndHarness: r2(d.harness),
    s3Server: r2(d.procs[0]),
    other: r2(d.other),
    steal: r2(d.steal),
    otherCores: r2((d.other + d.steal) / d.seconds),
  };
}

/**
 * Before a run: waits (up to quietWait s) while a test suite or build runs, then (up to quietCpuWait
 * s) until other processes and steal use less than quietCores over a second.
 * @param {number} s3Pid
 */
async function untilQuiet(s3Pid) {
  const quiet = await waitForQuiet({
    pids: [s3Pid],
    below: settings.quietCores,
    cpuWait: settings.quietCpuWait,
    // Nothing of ours runs now: everything but this process and the idle S3 server is foreign.
    foreignCores: (d) => Math.max(0, d.busy - (d.harness + d.procs[0]) + d.steal) / d.seconds,
    heavy: { pattern: new RegExp(settings.quietPattern), ignore: 'bench/mlmd.js', wait: settings.quietWait },
  });
  return {
    waited: quiet.waited,
    waitedForHeavy: quiet.heavyWaited,
    heavySeen: quiet.heavySeen,
    heavyStillRunning: quiet.heavyStillRunning,
    otherCoresBefore: r2(quiet.cores),
    loadavg: os.loadavg().map((l) => r2(l)),
  };
}

// ---------------------------------------------------------------------------------------------
// The sandbox helpers: rclone against the target, writer state, verification.

/** @param {Ckf} ckf */
const rcloneTargetEnv = (ckf) => rcloneEnv(rcloneEnvFor(ckf.s3, 'target'));

/**
 * @param {Ckf} ckf
 * @param {string[]} args
 */
async function rcloneTarget(ckf, args) {
  const r = await runProcess('rclone', [args[0], '--config', '', ...caArgs(), ...args.slice(1)], { env: rcloneTargetEnv(ckf) });
  if (r.code !== 0) throw new Error(`rclone ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/**
 * Waits until the writer is back at its scale with every unit active (between runs, untimed).
 * @param {Ckf} ckf
 */
async function writerSettled(ckf, scale = 1) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const units = ckf.juju.units(WRITER);
    if (ckf.juju.scale(WRITER) === scale && units.length === scale && units.every((/** @type {{ phase: string }} */ u) => u.phase === 'active')) return;
    if (Date.now() > deadline)
      throw new Error(`${WRITER} did not settle at scale ${scale}: ${JSON.stringify(units.map((/** @type {{ phase: string }} */ u) => u.phase))}`);
    await sleep(100);
  }
}

/**
 * The scale-application calls the juju emulator logged since `since` (ms): { n, at }.
 * @param {Ckf} ckf
 * @param {number} since
 */
function scaleCalls(ckf, since) {
  return ckf.juju
    .calls()
    .filter((c) => c.argv[0] === 'scale-application' && c.at >= since)
    .map((c) => ({ n: Number(c.argv.at(-1)), at: c.at }));
}

/**
 * Pause from the juju call log: the scale-to-0 call's start to the scale-back call's start.
 * @param {Ckf} ckf
 * @param {number} since
 */
function jujuPause(ckf, since) {
  const calls = scaleCalls(ckf, since);
  const down = calls.find((c) => c.n === 0);
  const up = calls.find((c) => c.n > 0 && down && c.at >= down.at);
  if (calls.length !== 2 || !down || !up) throw new Error(`expected one scale to 0 and one back, the juju log has ${JSON.stringify(calls)}`);
  return (up.at - down.at) / 1000;
}

/**
 * Downloads the stored object, checks its size and sha256, restores it the runbook's way
 * (gunzip -c | sqlite3 new.db) and compares the row counts with the generated database's.
 * @param {Ckf} ckf
 * @param {string} key
 * @param {{ bytes?: number, sha256?: string }} expect
 * @param {string} work
 */
async function verifyObject(ckf, key, expect, work) {
  const dir = mkdtempSync(path.join(work, 'verify-'));
  try {
    const local = path.join(dir, path.basename(key));
    await rcloneTarget(ckf, ['copyto', `target:${BUCKET}/${key}`, local]);
    const bytes = statSync(local).size;
    const sha256 = await sha256File(local);
    if (expect.bytes !== undefined && bytes !== expect.bytes) throw new Error(`${key}: stored ${bytes} bytes, expected ${expect.bytes}`);
    if (expect.sha256 && sha256 !== expect.sha256) throw new Error(`${key}: stored sha256 ${sha256}, expected ${expect.sha256}`);
    /** @type {{ bytes: number, sha256: string, restored?: { rows: number, tables: number, seconds: number | null } }} */
    const result = { bytes, sha256 };
    if (settings.verify) {
      const started = now();
      const db = path.join(dir, 'restored.db');
      const r = await runProcess('sh', ['-c', 'gunzip -c "$1" | sqlite3 -batch "$2"', 'sh', local, db]);
      if (r.code !== 0 || r.stderr.trim()) throw new Error(`restoring ${key} failed (${r.code}): ${r.stderr.slice(0, 500)}`);
      const counts = mlmdRowCounts(db);
      const want = ckf.db.rowCounts;
      const diff = Object.keys({ ...want, ...counts }).filter((t) => counts[t] !== want[t]);
      if (diff.length) throw new Error(`${key} restores with other row counts: ${diff.map((t) => `${t} ${counts[t]} (want ${want[t]})`).join(', ')}`);
      result.restored = {
        rows: Object.values(counts).reduce((/** @type {number} */ a, /** @type {number} */ b) => a + b, 0),
        tables: Object.keys(counts).length,
        seconds: r1(now() - started),
      };
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Contestant (a): the runbook, every command a real process, in the runbook's order.

/**
 * @param {Ckf} ckf
 * @param {{ label: string, work: string, poll: number }} options
 */
async function runRunbook(ckf, { label, work, poll }) {
  const name = `mlmd-${runbookStamp()}-${label}.dump.gz`; // the runbook's MLMD_BACKUP, plus the run's label
  const dir = mkdtempSync(path.join(work, 'runbook-'));
  const kubectlEnv = { ...process.env, KUBECONFIG: '' };
  const kc = ['--kubeconfig', ckf.kube.kubeconfigPath, '--cache-dir', path.join(ckf.root, 'kubectl-cache')];
  /** @type {[string, string, string[], { env: NodeJS.ProcessEnv, cwd?: string }][]} */
  const steps = [
    ['scale 0', 'juju', ['scale-application', WRITER, '0'], { env: ckf.juju.env }],
    [
      'exec: sqlite3 .dump | gzip',
      'kubectl',
      [...kc, 'exec', '-n', NAMESPACE, POD, '-c', CONTAINER, '--', '/bin/sh', '-c', `sqlite3 ${DB_PATH} .dump | gzip -c > /tmp/${name}`],
      { env: kubectlEnv },
    ],
    ['kubectl cp', 'kubectl', [...kc, 'cp', '-n', NAMESPACE, '-c', CONTAINER, `${POD}:/tmp/${name}`, `./${name}`], { env: kubectlEnv, cwd: dir }],
    [
      'rclone copy',
      'rclone',
      ['--size-only', 'copy', `./${name}`, `target:${BUCKET}/${RUNBOOK_PREFIX}`, '--config', '', ...caArgs()],
      { env: rcloneTargetEnv(ckf), cwd: dir },
    ],
    ['scale 1', 'juju', ['scale-application', WRITER, '1'], { env: ckf.juju.env }],
  ];
  const sinceMs = Date.now();
  const peaks = new PeakRss(process.pid, { exclude: [ckf.s3.pid], pollMs: poll });
  const done = [];
  let failure;
  try {
    for (const [step, cmd, args, options] of steps) {
      const r = await runProcess(cmd, args, options);
      done.push({ step, ...r });
      if (r.code !== 0) {
        failure = new Error(`runbook step '${step}' failed (exit ${r.code}${r.signal ? `, ${r.signal}` : ''}): ${r.stderr.trim() || r.stdout.trim()}`);
        break;
      }
    }
  } finally {
    peaks.stop();
  }
  if (failure) {
    // Put the writer back whatever happened, as an operator would.
    if (done.some((d) => d.step === 'scale 0') && !done.some((d) => d.step === 'scale 1' && d.code === 0))
      await ckf.juju.run(['scale-application', WRITER, '1']);
    throw failure;
  }
  const t0 = done[0].start;
  const localFile = path.join(dir, name);
  const local = { bytes: statSync(localFile).size, sha256: await sha256File(localFile) };
  // Untimed: the runbook's optional rm of the dump in the pod, and the local copy.
  const inPod = ckf.kube.hostPath(POD, CONTAINER, `/tmp/${name}`);
  const dumpInPod = existsSync(inPod) ? statSync(inPod).size : undefined;
  rmSync(inPod, { force: true });
  rmSync(dir, { recursive: true, force: true });
  const last = done[done.length - 1];
  return {
    seconds: last.end - t0,
    pause: last.end - done[0].start,
    jujuPause: jujuPause(ckf, sinceMs),
    steps: done.map((d) => [d.step, r3(d.end - d.start)]),
    gaps: r3(last.end - t0 - done.reduce((n, d) => n + (d.end - d.start), 0)),
    key: `${RUNBOOK_PREFIX}/${name}`,
    local,
    dumpInPodBytes: dumpInPod,
    rss: peaks.byLabel(),
  };
}

// ---------------------------------------------------------------------------------------------
// Contestant (b): the action's dist bundle through the sandbox's runner.

/**
 * @param {Ckf} ckf
 * @param {{ label: string, poll: number }} options
 */
async function runAction(ckf, { label, poll }) {
  const bundle = await bundleHash(BUNDLE);
  const backupId = `bench-${label}`;
  const sinceMs = Date.now();
  let spawned = 0;
  /** @type {number | undefined} */
  let pid;
  /** @type {PeakRss | undefined} */
  let peaks;
  let rest = '';
  /** @type {Line[]} */
  const lines = [];
  const result = await runActionBundle('backup-mlmd', ckf.backupMlmdInputs({ 'backup-id': backupId }), {
    env: ckf.env,
    timeoutMs: 60 * 60_000,
    onStart: (child) => {
      spawned = now();
      pid = child.pid;
      peaks = new PeakRss(process.pid, { exclude: [ckf.s3.pid], pollMs: poll });
    },
    onStdout: (text) => {
      const at = now() - spawned;
      rest += text;
      let nl;
      while ((nl = rest.indexOf('\n')) >= 0) {
        lines.push({ at, line: rest.slice(0, nl) });
        rest = rest.slice(nl + 1);
      }
    },
  });
  peaks?.stop();
  if (result.code !== 0) {
    throw new Error(
      `the action failed (exit ${result.code}${result.signal ? `, ${result.signal}` : ''}):\n${result.stdout
        .split('\n')
        .filter((l) => l.startsWith('::error'))
        .join('\n')}\n${result.stderr}`,
    );
  }
  const o = result.outputs;
  const key = `mlmd/mlmd-${backupId}.dump.gz`;
  const problems = [];
  if (o['object-url'] !== `s3://${BUCKET}/${key}`) problems.push(`object-url ${o['object-url']}`);
  if (o['sidecar-url'] !== `s3://${BUCKET}/${key}.json`) problems.push(`sidecar-url ${o['sidecar-url']}`);
  if (o.format !== 'dump') problems.push(`format ${o.format}`);
  if (o['backup-id'] !== backupId) problems.push(`backup-id ${o['backup-id']}`);
  if (Number(o['db-size-bytes']) !== ckf.db.bytes) problems.push(`db-size-bytes ${o['db-size-bytes']}, the database has ${ckf.db.bytes}`);
  if (!/^[0-9a-f]{64}$/.test(o.sha256 ?? '')) problems.push(`sha256 ${o.sha256}`);
  if (!Number.isFinite(Number(o['writer-paused-seconds']))) problems.push(`writer-paused-seconds ${o['writer-paused-seconds']}`);
  if (problems.length) throw new Error(`the action's outputs are not as expected: ${problems.join('; ')}`);
  return {
    bundle,
    seconds: result.seconds,
    pause: Number(o['writer-paused-seconds']),
    jujuPause: jujuPause(ckf, sinceMs),
    key,
    sidecarKey: `${key}.json`,
    outputs: { sha256: o.sha256, bytes: Number(o['size-bytes']) },
    phases: actionPhases(lines, result.seconds),
    rssAction: /** @type {PeakRss} */ (peaks).of(pid),
    rss: /** @type {PeakRss} */ (peaks).byLabel(),
    warnings: result.stdout.split('\n').filter((l) => l.startsWith('::warning') || l.startsWith('::error')),
    stderr: result.stderr.trim() || undefined,
  };
}

/** @typedef {{ at: number, line: string }} Line a line of the action's stdout, seconds after its spawn */

/**
 * The action's wall time cut by the arrival of its log lines: start-up (spawn to the first group),
 * each group, the exit after the last one, and within the groups the steps their lines mark.
 * @param {Line[]} lines
 * @param {number} total
 */
function actionPhases(lines, total) {
  /** @typedef {{ name: string, start: number, end: number, lines: Line[] }} Group */
  /** @type {Group[]} */
  const groups = [];
  /** @type {Omit<Group, 'end'> | undefined} */
  let open;
  for (const { at, line } of lines) {
    if (line.startsWith('::group::')) open = { name: line.slice('::group::'.length), start: at, lines: [] };
    else if (line.startsWith('::endgroup::') && open) {
      groups.push({ ...open, end: at });
      open = undefined;
    } else if (open) open.lines.push({ at, line });
  }
  if (!groups.length) return undefined;
  const keyOf = (/** @type {string} */ name) =>
    /^Pre-flight/.test(name)
      ? 'preflight'
      : /^Pause /.test(name)
        ? 'pauseSnapshot'
        : /^Check the copy/.test(name)
          ? 'check'
          : /^Compress/.test(name)
            ? 'compressUpload'
            : /^Wait for/.test(name)
              ? 'writerBack'
              : name;
  // A line that is missing makes its step NaN, recorded as null.
  const at = (/** @type {Group} */ g, /** @type {RegExp} */ re, from = 0) => /** @type {number} */ (g?.lines.find((l) => l.at >= from && re.test(l.line))?.at);
  /** @type {Record<string, number>} */
  const phases = { startup: groups[0].start };
  /** @type {Record<string, number>} */
  const sub = {};
  for (const g of groups) {
    const key = keyOf(g.name);
    phases[key] = g.end - g.start;
    if (key === 'pauseSnapshot') {
      const down = at(g, /^scaling .* from \d+ to 0$/);
      const gone = at(g, /has no units left$/);
      const took = at(g, /^took /);
      const back = at(g, /^scaled .* back to \d+$/);
      sub.scaleDownAndWait = gone - down;
      sub.take = took - gone;
      sub.scaleBack = back - took;
      sub.pauseFromLog = back - down;
    } else if (key === 'check') {
      // Lines that arrive in one chunk share a time, so the steps are found by position.
      const i = g.lines.findIndex((l) => /^::debug::run: sqlite3 .*integrity_check/.test(l.line));
      const j = i < 0 ? -1 : g.lines.findIndex((l, k) => k > i && /^::debug::run: sqlite3 /.test(l.line));
      const integrity = i < 0 ? g.start : g.lines[i].at;
      const next = j < 0 ? g.end : g.lines[j].at;
      sub.beforeIntegrity = integrity - g.start; // the -wal checkpoint, when there is one
      sub.integrityCheck = next - integrity;
      sub.schemaAndRowCounts = g.end - next;
    } else if (key === 'compressUpload') {
      const i = g.lines.findIndex((l) => /^::debug::run: rclone copyto /.test(l.line));
      const j = i < 0 ? -1 : g.lines.findIndex((l, k) => k > i && /^::debug::run: rclone lsjson /.test(l.line));
      const copy = i < 0 ? g.end : g.lines[i].at;
      const stat = j < 0 ? g.end : g.lines[j].at;
      sub.compress = copy - g.start;
      sub.uploadObject = stat - copy;
      sub.statAndSidecar = g.end - stat;
    }
  }
  phases.exit = total - groups[groups.length - 1].end;
  // What falls between the groups (the "paused for" line, outputs before the last group).
  phases.between = total - Object.values(phases).reduce((a, b) => a + b, 0);
  const round = (/** @type {Record<string, number>} */ o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, r3(v)]));
  return { ...round(phases), sub: round(sub) };
}

// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// The restore: restore-mlmd against the guide's way, on one backup made by the action (untimed).

/**
 * @param {Ckf} ckf
 * @param {{ work: string, podFiles: string[], size: string }} options
 */
async function runRestoreRounds(ckf, { work, podFiles, size }) {
  const expected = await mlmdRowCounts(ckf.db.hostPath);
  const made = await runActionBundle('backup-mlmd', ckf.backupMlmdInputs({ 'backup-id': 'bench-restore' }), { env: ckf.env, timeoutMs: 60 * 60_000 });
  if (made.code !== 0) throw new Error(`the backup to restore from failed (exit ${made.code})`);
  const objectUrl = made.outputs['object-url'];
  const key = objectUrl.replace(`s3://${BUCKET}/`, '');
  /** @type {any[]} */
  const out = [];
  for (let round = 1; round <= settings.rounds; round++) {
    const order = rotate(['guide', 'action'], round);
    log(`${size} restore round ${round}/${settings.rounds}: ${order.join(' -> ')}`);
    for (const contestant of order) {
      // Untimed: rows deleted since the backup, so that a restore that did nothing cannot pass.
      await runProcess('sqlite3', [ckf.db.hostPath, 'DELETE FROM Artifact WHERE id IN (SELECT id FROM Artifact ORDER BY id DESC LIMIT 25);']);
      await writerSettled(ckf);
      const quiet = await untilQuiet(ckf.s3.pid);
      const sinceMs = Date.now();
      const run =
        contestant === 'guide'
          ? await restoreTheGuidesWay(ckf, { key, work, names: NAMES, round })
          : await restoreTheActionsWay(ckf, { objectUrl, round, names: NAMES });
      const juju = jujuPause(ckf, sinceMs);
      await checkRestored(ckf, expected, NAMES, podFiles);
      out.push({ size, round, contestant, ...run, jujuPause: r3(juju), quiet });
      log(
        `  ${contestant.padEnd(7)} ${fmtS(run.seconds).padStart(6)} s, writer paused ${fmtS(run.pause)} s (juju log ${fmtS(juju)} s); the rows are the backup's` +
          ('steps' in run ? `\n          ${run.steps.map(([s, v]) => `${s} ${fmtS(/** @type {number} */ (v))}`).join(' | ')}` : ''),
      );
    }
  }
  for (const k of [key, `${key}.json`]) await deleteObject(ckf.s3, BUCKET, k);
  const of = (/** @type {string} */ c, /** @type {string} */ f) => summarise(out.filter((x) => x.contestant === c).map((x) => x[f]));
  const stats = Object.fromEntries(['guide', 'action'].map((c) => [c, { seconds: of(c, 'seconds'), pause: of(c, 'pause'), jujuPause: of(c, 'jujuPause') }]));
  return {
    size,
    objectKey: key,
    guide: `rclone copy; juju scale-application ${WRITER} 0; kubectl cp <dump> ${POD}:/tmp; kubectl exec -- sh -c "mv ${DB_PATH} ${DB_PATH}.pre-restore-N && gzip -dc /tmp/<dump> | sqlite3 ${DB_PATH}"; juju scale-application ${WRITER} 1`,
    action: "restore-mlmd's bundle with object-url and restore-id (ckf.backupMlmdInputs)",
    stats,
    ratios: {
      seconds: r3(/** @type {any} */ (stats.action.seconds).median / /** @type {any} */ (stats.guide.seconds).median),
      pause: r3(/** @type {any} */ (stats.action.pause).median / /** @type {any} */ (stats.guide.pause).median),
    },
    samples: out,
  };
}

async function main() {
  /** @type {ReturnType<typeof machineInfo> & { rclone: string, sqlite3: string, kubectl: string, kubectlUsed?: string }} */
  const machine = machineInfo({
    rclone: versionLine('rclone', ['version']),
    sqlite3: versionLine('sqlite3', ['--version']),
    gzip: versionLine('gzip', ['--version']),
    kubectl: versionLine('kubectl', ['version', '--client']),
    caBundle: CA_BUNDLE ? 'AWS_CA_BUNDLE set: the runbook contestant passes it as --ca-cert, as the action does' : 'AWS_CA_BUNDLE unset',
  });
  log(
    `mlmd benchmark on ${machine.cores} cores (${machine.cpuModel}), Node ${machine.node}, ${machine.rclone}, sqlite3 ${machine.sqlite3.split(' ')[0]}, kubectl ${machine.kubectl}`,
  );
  const bundleAtStart = await bundleHash(BUNDLE);
  log(`action bundle ${path.relative(repoRoot, BUNDLE)} sha256 ${bundleAtStart}`);

  const work = mkdtempSync(path.join(os.tmpdir(), 'mlba-bench-mlmd-'));
  /** @type {Ckf | undefined} */
  let ckf;
  const cleanup = async () => {
    const c = ckf;
    ckf = undefined;
    await c?.stop().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  };

  const benchStarted = Date.now();
  /** @type {any[]} */
  const sizes = [];
  /** @type {any[]} */
  const samples = [];
  /** @type {Awaited<ReturnType<typeof runRestoreRounds>> | undefined} */
  let restore;
  await withCleanup('stopping the sandbox', cleanup, async () => {
    const plan = [{ bytes: settings.bytes, contestants: ['runbook', 'action'] }];
    if (settings.smallBytes) plan.push({ bytes: settings.smallBytes, contestants: settings.smallContestants === 'both' ? ['runbook', 'action'] : ['action'] });
    for (const { bytes, contestants } of plan) {
      const size = sizeLabel(bytes);
      log(`${size}: starting the sandbox and generating the database...`);
      const t = Date.now();
      ckf = await startCkf({ dbBytes: bytes, seed: settings.seed, tools: CONTAINER_TOOLS });
      const rows = Object.values(ckf.db.rowCounts).reduce((a, b) => a + b, 0);
      const dataset = {
        size,
        targetBytes: bytes,
        dbBytes: ckf.db.bytes,
        runs: ckf.db.runs,
        rows,
        rowCounts: ckf.db.rowCounts,
        schemaVersion: ckf.db.schemaVersion,
        generationSeconds: r1(ckf.db.seconds),
        sandboxSeconds: r1((Date.now() - t) / 1000),
        contestants,
      };
      sizes.push(dataset);
      log(`${size}: ${fmtMiB(ckf.db.bytes)} database, ${rows} rows (${ckf.db.runs} pipeline runs), generated in ${dataset.generationSeconds} s (not timed)`);

      // Untimed warm-up: kubectl's discovery cache (a user's is warm), the juju emulator, rclone.
      const kc = ['--kubeconfig', ckf.kube.kubeconfigPath, '--cache-dir', path.join(ckf.root, 'kubectl-cache')];
      const warm = await runProcess('kubectl', [...kc, 'get', 'pod', '-n', NAMESPACE, POD, '-o', 'name'], { env: { ...process.env, KUBECONFIG: '' } });
      if (warm.code !== 0) throw new Error(`kubectl get pod failed: ${warm.stderr}`);
      if (!machine.kubectlUsed) {
        // gcloud's kubectl is a dispatcher that runs the client matching the server's version.
        const v = await runProcess('kubectl', [...kc, 'version', '-o', 'json'], { env: { ...process.env, KUBECONFIG: '' } });
        try {
          const j = JSON.parse(v.stdout);
          machine.kubectlUsed = `client ${j.clientVersion?.gitVersion} against the emulator's ${j.serverVersion?.gitVersion}`;
        } catch {
          machine.kubectlUsed = 'unknown';
        }
      }
      const jujuStatus = await ckf.juju.run(['status', '--format', 'json']);
      if (jujuStatus.code !== 0) throw new Error(`juju status failed: ${jujuStatus.stderr}`);
      await rcloneTarget(ckf, ['lsf', `target:${BUCKET}`]);
      const podFiles = ckf.kube.listFiles(POD, CONTAINER);

      for (let round = 1; round <= settings.rounds; round++) {
        const order = rotate(contestants, round);
        log(`${size} round ${round}/${settings.rounds}: ${order.join(' -> ')}`);
        for (const contestant of order) {
          await writerSettled(ckf);
          const quiet = await untilQuiet(ckf.s3.pid);
          const label = `${size.replace(' ', '')}-r${round}`;
          const before = cpuSnapshot([ckf.s3.pid]);
          const loadBefore = os.loadavg()[0];
          /** @type {any} */
          const run =
            contestant === 'runbook' ? await runRunbook(ckf, { label, work, poll: settings.pollMs }) : await runAction(ckf, { label, poll: settings.pollMs });
          const cpu = cpuRecord(cpuDelta(before, cpuSnapshot([ckf.s3.pid])));
          const loadAfter = os.loadavg()[0];

          // Untimed checks: what is stored is what was made, and it restores to the same rows.
          const expect = contestant === 'runbook' ? run.local : run.outputs;
          const stored = await verifyObject(ckf, run.key, expect, work);
          const left = ckf.kube.listFiles(POD, CONTAINER);
          if (JSON.stringify(left) !== JSON.stringify(podFiles)) throw new Error(`${contestant}: the pod's files changed: ${JSON.stringify(left)}`);
          for (const k of [run.key, run.sidecarKey].filter(Boolean)) await deleteObject(ckf.s3, BUCKET, k);

          const sample = {
            size,
            round,
            contestant,
            seconds: r3(run.seconds),
            pause: r3(run.pause),
            jujuPause: r3(run.jujuPause),
            objectBytes: stored.bytes,
            objectSha256: stored.sha256,
            ...(stored.restored ? { restored: stored.restored } : {}),
            ...(contestant === 'runbook' ? { steps: run.steps, gapsBetweenCommands: run.gaps, dumpInPodBytes: run.dumpInPodBytes } : {}),
            ...(contestant === 'action'
              ? {
                  bundle: run.bundle,
                  rssActionMiB: r1(run.rssAction / MiB),
                  phases: run.phases,
                  ...(run.warnings.length ? { warnings: run.warnings } : {}),
                  ...(run.stderr ? { stderr: run.stderr } : {}),
                }
              : {}),
            rssPeaksMiB: run.rss,
            cpu,
            // Other processes and hypervisor steal took more than quietCores on average during the run.
            disturbed: cpu.otherCores > settings.quietCores,
            loadavg1: { before: r2(loadBefore), after: r2(loadAfter) },
            quiet,
          };
          samples.push(sample);
          log(
            `  ${contestant.padEnd(7)} ${fmtS(run.seconds).padStart(6)} s, writer paused ${fmtS(run.pause)} s (juju log ${fmtS(run.jujuPause)} s), ` +
              `object ${fmtMiB(stored.bytes)}` +
              (contestant === 'action' ? `, peak RSS ${r1(run.rssAction / MiB)} MiB` : '') +
              (stored.restored ? `; restored: ${stored.restored.rows} rows, as generated` : '') +
              `; other cores ${cpu.otherCores}, load ${sample.loadavg1.before}` +
              (quiet.waited > 1.5 ? ` (waited ${quiet.waited} s for quiet)` : ''),
          );
          if (contestant === 'action') {
            const p = run.phases;
            log(
              `          start-up ${fmtS(p.startup)} | pre-flight ${fmtS(p.preflight)} | pause+snapshot ${fmtS(p.pauseSnapshot)} ` +
                `(scale 0 + wait ${fmtS(p.sub.scaleDownAndWait)}, take ${fmtS(p.sub.take)}, scale back ${fmtS(p.sub.scaleBack)}) | ` +
                `check ${fmtS(p.check)} (integrity ${fmtS(p.sub.integrityCheck)}, counts ${fmtS(p.sub.schemaAndRowCounts)}) | ` +
                `compress+upload ${fmtS(p.compressUpload)} (compress ${fmtS(p.sub.compress)}, upload ${fmtS(p.sub.uploadObject)}, rest ${fmtS(p.sub.statAndSidecar)}) | ` +
                `writer back ${fmtS(p.writerBack)} | exit ${fmtS(p.exit)}`,
            );
          } else {
            log(`          ${run.steps.map((/** @type {[string, number]} */ [s, v]) => `${s} ${fmtS(v)}`).join(' | ')}`);
          }
        }
      }
      if (settings.restore && bytes === settings.bytes) restore = await runRestoreRounds(ckf, { work, podFiles, size });
      await writerSettled(ckf);
      const c = ckf;
      ckf = undefined;
      await c.stop();
    }

    // Summaries.
    const bundlesSeen = [...new Set([bundleAtStart, ...samples.filter((s) => s.bundle).map((s) => s.bundle), await bundleHash(BUNDLE)])];
    /** @type {Record<string, Record<string, any>>} */
    const stats = {};
    for (const { size, contestants } of sizes) {
      stats[size] = {};
      for (const c of contestants) {
        const xs = samples.filter((s) => s.size === size && s.contestant === c);
        /** @type {Record<string, any>} */
        const st = {
          seconds: summarise(xs.map((s) => s.seconds)),
          pause: summarise(xs.map((s) => s.pause)),
          jujuPause: summarise(xs.map((s) => s.jujuPause)),
          objectBytes: summarise(xs.map((s) => s.objectBytes)),
        };
        if (c === 'action') {
          st.rssActionMiB = summarise(xs.map((s) => s.rssActionMiB));
          const keys = Object.keys(xs[0].phases).filter((k) => k !== 'sub');
          st.phasesMedian = Object.fromEntries(keys.map((k) => [k, r3(median(xs.map((s) => s.phases[k] ?? 0)))]));
          st.subMedian = Object.fromEntries(Object.keys(xs[0].phases.sub).map((k) => [k, r3(median(xs.map((s) => s.phases.sub[k] ?? 0)))]));
        } else {
          st.stepsMedian = xs[0].steps.map((/** @type {[string, number]} */ [name]) => [
            name,
            r3(median(xs.map((s) => s.steps.find((/** @type {[string, number]} */ [n]) => n === name)[1]))),
          ]);
        }
        /** @type {string[]} */
        const labels = [...new Set(xs.flatMap((s) => Object.keys(s.rssPeaksMiB)))];
        st.rssPeaksMiBMax = Object.fromEntries(
          labels.map((l) => /** @type {[string, number]} */ ([l, Math.max(...xs.map((s) => s.rssPeaksMiB[l] ?? 0))])).sort(([, a], [, b]) => b - a),
        );
        stats[size][c] = st;
      }
    }
    /** @type {Record<string, any>} */
    const ratios = {};
    for (const { size, contestants } of sizes) {
      if (!contestants.includes('runbook')) continue;
      const a = stats[size].runbook;
      const b = stats[size].action;
      const paired = (/** @type {string} */ field) =>
        [...Array(settings.rounds).keys()].map((i) => {
          const pick = (/** @type {string} */ c) => samples.find((s) => s.size === size && s.round === i + 1 && s.contestant === c)[field];
          return r3(pick('action') / pick('runbook'));
        });
      ratios[size] = {
        pause: { median: r3(b.pause.median / a.pause.median), min: r3(b.pause.min / a.pause.min), perRound: paired('pause') },
        jujuPause: { median: r3(b.jujuPause.median / a.jujuPause.median), perRound: paired('jujuPause') },
        total: { median: r3(b.seconds.median / a.seconds.median), min: r3(b.seconds.min / a.seconds.min), perRound: paired('seconds') },
      };
    }
    const mainSize = sizeLabel(settings.bytes);
    const rssBySize = Object.fromEntries(sizes.map((s) => [s.size, stats[s.size].action.rssActionMiB.max]));
    const rssValues = Object.values(rssBySize);
    const small = settings.smallBytes ? sizeLabel(settings.smallBytes) : undefined;
    const flatness = small ? { small: rssBySize[small], large: rssBySize[mainSize], growthMiB: r1(rssBySize[mainSize] - rssBySize[small]) } : null;
    const goals = {
      pause: {
        goal: `action pause <= ${GOALS.pauseRatio * 100} % of the runbook's (${mainSize}, median)`,
        value: ratios[mainSize].pause.median,
        met: ratios[mainSize].pause.median <= GOALS.pauseRatio,
      },
      total: {
        goal: `action total <= the runbook's (${mainSize}, median)`,
        value: ratios[mainSize].total.median,
        met: ratios[mainSize].total.median <= GOALS.totalRatio,
      },
      rss: { goal: `action peak RSS <= ${GOALS.rssMiB} MiB at every size (max over runs)`, value: rssBySize, met: rssValues.every((v) => v <= GOALS.rssMiB) },
      flat: flatness
        ? {
            goal: `peak RSS flat: ${mainSize}'s within ${GOALS.flat * 100} % (or 16 MiB) of ${small}'s`,
            value: flatness,
            met: flatness.large <= Math.max(flatness.small * (1 + GOALS.flat), flatness.small + 16),
          }
        : { goal: 'needs a second size', value: null, met: null },
    };

    const results = {
      benchmark: 'mlmd',
      date: new Date().toISOString(),
      wallMinutes: r1((Date.now() - benchStarted) / 60_000),
      machine,
      action: {
        ...bundleRecord(BUNDLE, bundlesSeen, 'actions/backup-mlmd/dist'),
        inputs:
          "ckf.backupMlmdInputs({ backup-id }): the defaults (format dump, db-path /data/mlmd.db, writer kfp-metadata-writer), progress-interval-seconds 1 (the sandbox's)",
      },
      runbook: {
        commands: [
          `juju scale-application ${WRITER} 0`,
          `kubectl --kubeconfig <sandbox> --cache-dir <sandbox> exec -n ${NAMESPACE} ${POD} -c ${CONTAINER} -- /bin/sh -c "sqlite3 ${DB_PATH} .dump | gzip -c > /tmp/$MLMD_BACKUP"`,
          `kubectl --kubeconfig <sandbox> --cache-dir <sandbox> cp -n ${NAMESPACE} -c ${CONTAINER} ${POD}:/tmp/$MLMD_BACKUP ./$MLMD_BACKUP`,
          `rclone --size-only copy ./$MLMD_BACKUP target:${BUCKET}/${RUNBOOK_PREFIX} --config '' ${CA_BUNDLE ? '--ca-cert $AWS_CA_BUNDLE' : ''}`.trim(),
          `juju scale-application ${WRITER} 1`,
        ],
        untimed: "sqlite3 and gzip put in the container (the runbook's apt install); rm of the dump in the pod afterwards",
        containerTools: CONTAINER_TOOLS,
      },
      settings: { ...settings, goals: GOALS },
      datasets: sizes,
      stats,
      ratios,
      goals,
      samples,
      ...(restore ? { restore } : {}),
    };
    writeResults(settings.out, results);

    // The table.
    const lines = [''];
    lines.push(
      `mlmd: the runbook's steps vs backup-mlmd (dump format); ${settings.rounds} round(s); ${machine.cores} cores, Node ${machine.node}, ${machine.rclone}`,
    );
    lines.push('seconds as median (min); ratio = action / runbook');
    for (const { size, dbBytes, contestants } of sizes) {
      lines.push(`${size} (${fmtMiB(dbBytes)} database):`);
      for (const c of contestants) {
        const st = stats[size][c];
        lines.push(
          `  ${c.padEnd(7)} total ${fmtS(st.seconds.median)} (${fmtS(st.seconds.min)})  writer paused ${fmtS(st.pause.median)} (${fmtS(st.pause.min)}), juju log ${fmtS(st.jujuPause.median)}` +
            `  object ${fmtMiB(st.objectBytes.median)}` +
            (c === 'action' ? `  peak RSS ${st.rssActionMiB.max} MiB` : ''),
        );
      }
      const r = ratios[size];
      if (r)
        lines.push(
          `  ratio   total ${r.total.median.toFixed(2)} (${r.total.min.toFixed(2)})  pause ${r.pause.median.toFixed(3)} (${r.pause.min.toFixed(3)}), juju log ${r.jujuPause.median.toFixed(3)}`,
        );
      const act = stats[size].action;
      lines.push(
        `  action phases (median s): ${Object.entries(act.phasesMedian)
          .map(([k, v]) => `${k} ${fmtS(v)}`)
          .join(' | ')}`,
      );
      lines.push(
        `                 within:   ${Object.entries(act.subMedian)
          .map(([k, v]) => `${k} ${fmtS(v)}`)
          .join(' | ')}`,
      );
      if (stats[size].runbook)
        lines.push(
          `  runbook steps (median s): ${stats[size].runbook.stepsMedian.map((/** @type {[string, number]} */ [k, v]) => `${k} ${fmtS(v)}`).join(' | ')}`,
        );
      lines.push(`  peak RSS by program (MiB, max over runs): action run ${JSON.stringify(act.rssPeaksMiBMax)}`);
      if (stats[size].runbook) lines.push(`                                            runbook run ${JSON.stringify(stats[size].runbook.rssPeaksMiBMax)}`);
    }
    if (restore) {
      lines.push(`restore, ${restore.size}: restore-mlmd vs the guide's way (in-pod rebuild), ${settings.rounds} round(s) on one backup; median (min)`);
      for (const c of /** @type {const} */ (['guide', 'action'])) {
        const st = /** @type {any} */ (restore.stats[c]);
        lines.push(
          `  ${c.padEnd(7)} total ${fmtS(st.seconds.median)} (${fmtS(st.seconds.min)})  writer paused ${fmtS(st.pause.median)} (${fmtS(st.pause.min)}), juju log ${fmtS(st.jujuPause.median)}`,
        );
      }
      lines.push(`  ratio   total ${restore.ratios.seconds}  pause ${restore.ratios.pause}`);
    }
    lines.push('');
    for (const g of Object.values(goals))
      lines.push(`goal: ${g.goal}: ${JSON.stringify(g.value)} -> ${g.met === null ? 'not measured' : g.met ? 'met' : 'NOT met'}`);
    const disturbed = samples.filter((s) => s.disturbed);
    if (disturbed.length) {
      lines.push(
        `${disturbed.length} of ${samples.length} runs shared the machine (other processes and steal above ${settings.quietCores} cores on average): ` +
          disturbed.map((s) => `${s.size} ${s.contestant} round ${s.round} (${s.cpu.otherCores})`).join(', '),
      );
    }
    if (bundlesSeen.length > 1) lines.push(`WARNING: the bundle changed during the run (${bundlesSeen.join(', ')}); run it again on a quiet tree`);
    lines.push('');
    lines.push(`whole run ${results.wallMinutes} min; results: ${path.relative(process.cwd(), settings.out) || settings.out}`);
    process.stdout.write(lines.join('\n') + '\n');
  });
}

runMain('mlmd', main);
