// @ts-check
// Benchmark: the sync-minio action (its dist bundle, run as a workflow step runs it) against bare
// `rclone sync` with the very flags and remote settings the action gives its sync, on the same
// mlpipeline-like dataset in the local S3 sandbox.
//
//   node bench/sync-minio.js            (or: npm run bench)
//
// Environment (all optional):
//   BENCH_OBJECTS      objects in the source bucket, large ones included      (default 2000)
//   BENCH_LARGE        large model files among them, uploaded as multipart    (default 2)
//   BENCH_LARGE_MIB    size of a large file in MiB (plus 0-7 MiB of jitter)   (default 70)
//   BENCH_ROUNDS       rounds; each round runs every contestant once, in a rotated order (default 3)
//   BENCH_RERUNS       no-change reruns per contestant and round               (default 2)
//   BENCH_STARTUP_REPS repetitions of the startup micro-measurements           (default 5)
//   BENCH_QUIET_WAIT   before each measurement, wait up to this many seconds for other processes
//                      (and hypervisor steal) to use less than BENCH_QUIET_CORES cores (default 20; 0: don't)
//   BENCH_QUIET_CORES  see above                                               (default 0.25)
//   BENCH_OUT          results file                      (default bench/results/sync-minio.json)
//   BENCH_BARE_CHECK   1: a second baseline, bare rclone sync followed by the rclone check that the
//                      action's verify stands for; 0: leave it out                   (default 1)
//
// Every contestant and round gets a fresh target S3 server (a new s3rver process on an empty
// directory), so each first sync really starts from an empty target and no contestant lists the
// others' objects. The source server (playing MinIO) is shared and only read.
// See bench/README.md for what each figure means.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, runActionBundle, SANDBOX_SECRETS, seedMlpipeline, startS3 } from '../sandbox/index.js';
import { cpuDelta, cpuSnapshot, waitForQuiet } from './lib/cpu.js';
import { intEnv, numEnv, resultsFile } from './lib/env.js';
import { bundleHash, bundleRecord, log, machineInfo, rotate, runMain, withCleanup, writeResults } from './lib/harness.js';
import { capture, runProcess, sleep, versionLine } from './lib/proc.js';
import { CA_BUNDLE, caArgs, rcloneEnv } from './lib/rclone.js';
import { fmtS, median, MiB, r2, r3, summarise } from './lib/stats.js';

/** @typedef {import('../sandbox/s3.js').S3Server} S3Server */

const settings = {
  objects: intEnv('BENCH_OBJECTS', 2000, 1),
  large: intEnv('BENCH_LARGE', 2, 0),
  largeMiB: intEnv('BENCH_LARGE_MIB', 70, 1),
  rounds: intEnv('BENCH_ROUNDS', 3, 1),
  reruns: intEnv('BENCH_RERUNS', 2, 1),
  startupReps: intEnv('BENCH_STARTUP_REPS', 5, 1),
  quietWait: intEnv('BENCH_QUIET_WAIT', 20, 0),
  quietCores: numEnv('BENCH_QUIET_CORES', 0.25),
  out: resultsFile('sync-minio.json'),
  bareCheck: intEnv('BENCH_BARE_CHECK', 1, 0) > 0,
};
if (settings.large > settings.objects) throw new Error('BENCH_LARGE cannot exceed BENCH_OBJECTS');

// What the action is given (besides endpoints and keys), and so what bare rclone must match.
const SOURCE_BUCKET = 'mlpipeline';
const TARGET_BUCKET = 'ckf-backups';
const TARGET_PREFIX = 'mlpipeline'; // the action's s3-prefix default
const STATS_SECONDS = 20; // the action's progress-interval-seconds default, passed as --stats 20s
const TRANSFERS = 4; // the action's transfers default
const TARGET_KEYS = { accessKey: 'AKIASANDBOXBACKUP01', secretKey: SANDBOX_SECRETS.s3 };
const SOURCE_KEYS = { accessKey: 'minio', secretKey: SANDBOX_SECRETS.minio };

// Baselines are bare rclone; 'bare' is the issue's, 'bare-check' adds what the action's default verify does.
/** @type {{ id: string, label: string, baseline?: boolean, check?: boolean, inputs?: Record<string, string> }[]} */
const CONTESTANTS = [
  { id: 'bare', label: 'bare rclone sync', baseline: true },
  ...(settings.bareCheck ? [{ id: 'bare-check', label: 'bare rclone sync, then rclone check --one-way --size-only', baseline: true, check: true }] : []),
  { id: 'action', label: 'action, defaults (verify=true)', inputs: {} },
  { id: 'action-noverify', label: 'action, verify=false', inputs: { verify: 'false' } },
];
const ACTIONS = CONTESTANTS.filter((c) => !c.baseline);
const PHASES = [
  { id: 'first', label: 'first sync (empty target)' },
  { id: 'rerun', label: 'rerun (no change)' },
  { id: 'dryrun', label: 'dry-run (no change)' },
];
const GOAL = 1.05;

// ---------------------------------------------------------------------------------------------
// The bare contestant: rclone exactly as the action's Rclone class and mirror.ts call it.

/**
 * RCLONE_CONFIG_* for the action's two remotes (packages/rclone/src/remote.ts, sync-minio/src/remotes.ts).
 * @param {S3Server} source
 * @param {S3Server} target
 */
function remotesEnv(source, target) {
  return {
    RCLONE_CONFIG_SOURCE_TYPE: 's3',
    RCLONE_CONFIG_SOURCE_PROVIDER: 'Minio',
    RCLONE_CONFIG_SOURCE_ACL: 'private',
    RCLONE_CONFIG_SOURCE_ENV_AUTH: 'false',
    RCLONE_CONFIG_SOURCE_ACCESS_KEY_ID: SOURCE_KEYS.accessKey,
    RCLONE_CONFIG_SOURCE_SECRET_ACCESS_KEY: SOURCE_KEYS.secretKey,
    RCLONE_CONFIG_SOURCE_ENDPOINT: source.endpoint,
    RCLONE_CONFIG_TARGET_TYPE: 's3',
    RCLONE_CONFIG_TARGET_PROVIDER: 'Other',
    RCLONE_CONFIG_TARGET_ACL: 'private',
    RCLONE_CONFIG_TARGET_ENV_AUTH: 'false',
    RCLONE_CONFIG_TARGET_ACCESS_KEY_ID: TARGET_KEYS.accessKey,
    RCLONE_CONFIG_TARGET_SECRET_ACCESS_KEY: TARGET_KEYS.secretKey,
    RCLONE_CONFIG_TARGET_ENDPOINT: target.endpoint,
    RCLONE_CONFIG_TARGET_UPLOAD_CUTOFF: '64M',
    RCLONE_CONFIG_TARGET_NO_CHECK_BUCKET: 'true',
  };
}

/**
 * The child environment: inherited minus RCLONE_CONFIG_* and AWS_CA_BUNDLE (given as --ca-cert), plus the remotes.
 * @param {S3Server} source
 * @param {S3Server} target
 */
const bareEnv = (source, target) => rcloneEnv(remotesEnv(source, target));

/**
 * argv of the action's sync: global flags, --stats, then mirror.ts's arguments.
 * @param {string} archiveStamp
 */
function bareArgs(archiveStamp, { dryRun = false } = {}) {
  return [
    'sync',
    '--config',
    '',
    '--use-json-log',
    '-v',
    ...caArgs(),
    '--stats',
    `${STATS_SECONDS}s`,
    `source:${SOURCE_BUCKET}`,
    `target:${TARGET_BUCKET}/${TARGET_PREFIX}`,
    '--backup-dir',
    `target:${TARGET_BUCKET}/${TARGET_PREFIX}.archive/${archiveStamp}`,
    '--transfers',
    String(TRANSFERS),
    '--fast-list',
    '--size-only',
    ...(dryRun ? ['--dry-run'] : []),
  ];
}

/** The action's default archive-prefix stamp (core's utcStamp). */
const utcStamp = (d = new Date()) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');

/**
 * What one contestant's run gives: the bare ones fill the first fields, the action all but checkSeconds.
 * @typedef {object} Run
 * @property {number | string | null} code
 * @property {NodeJS.Signals | null} signal
 * @property {number} seconds
 * @property {number | null} transfers
 * @property {string[]} errors
 * @property {number | null} [checks]
 * @property {number} [checkSeconds]
 * @property {string} [bundle]
 * @property {number | null} [checked]
 * @property {string | null} [verified]
 * @property {Record<string, number>} [phases]
 * @property {[string, number][]} [steps]
 * @property {string} [stdout]
 * @property {string} [stderr]
 */

/**
 * @param {S3Server} source
 * @param {S3Server} target
 * @param {{ dryRun: boolean }} options
 * @returns {Promise<Run>}
 */
async function runBare(source, target, { dryRun }) {
  const args = bareArgs(utcStamp(), { dryRun });
  const { code, signal, seconds, stderr } = await runProcess('rclone', args, { env: bareEnv(source, target) });
  let stats;
  const errors = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) {
      if (line.trim()) errors.push(line.trim());
      continue;
    }
    let json;
    try {
      json = JSON.parse(line);
    } catch {
      errors.push(line);
      continue;
    }
    if (json.stats) stats = json.stats;
    else if (json.level === 'error' || json.level === 'critical') errors.push(`${json.object ? `${json.object}: ` : ''}${json.msg}`);
  }
  return { code, signal, seconds, transfers: stats?.transfers ?? null, checks: stats?.checks ?? null, errors };
}

/**
 * The second baseline: bare rclone sync, then (not for a dry run) the check the action's verify
 * stands for, `rclone check --one-way --fast-list --size-only`, timed from the sync's spawn to the
 * check's exit. A check that finds a difference or fails makes the run fail.
 * @param {S3Server} source
 * @param {S3Server} target
 * @param {{ dryRun: boolean }} options
 * @returns {Promise<Run>}
 */
async function runBareThenCheck(source, target, { dryRun }) {
  const sync = await runBare(source, target, { dryRun });
  if (dryRun || sync.code !== 0) return sync;
  const args = [
    'check',
    '--config',
    '',
    ...caArgs(),
    `source:${SOURCE_BUCKET}`,
    `target:${TARGET_BUCKET}/${TARGET_PREFIX}`,
    '--one-way',
    '--fast-list',
    '--size-only',
  ];
  const started = process.hrtime.bigint();
  const check = spawnSync('rclone', args, { env: bareEnv(source, target), encoding: 'utf8' });
  const checkSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    ...sync,
    code: check.status === 0 ? 0 : `check exited ${check.status}`,
    seconds: sync.seconds + checkSeconds,
    checkSeconds,
    errors: check.status === 0 ? sync.errors : [...sync.errors, check.stderr.trim()],
  };
}

// ---------------------------------------------------------------------------------------------
// The action contestants: the dist bundle through the sandbox's runner, inputs as INPUT_* variables.

/**
 * @param {S3Server} source
 * @param {S3Server} target
 * @param {Record<string, string>} extra
 */
function actionInputs(source, target, extra) {
  return {
    'minio-endpoint': source.endpoint,
    'minio-access-key': SOURCE_KEYS.accessKey,
    'minio-secret-key': SOURCE_KEYS.secretKey,
    's3-bucket': TARGET_BUCKET,
    's3-endpoint': target.endpoint,
    's3-access-key-id': TARGET_KEYS.accessKey,
    's3-secret-access-key': TARGET_KEYS.secretKey,
    ...extra,
  };
}

const BUNDLE = path.join(repoRoot, 'actions', 'sync-minio', 'dist', 'index.js');

/**
 * @typedef {{ at: number, group?: string, end?: true, rclone?: string }} Mark
 *   a log group's start or end, or an rclone child's spawn, seconds after the action's spawn
 */

/**
 * @param {S3Server} source
 * @param {S3Server} target
 * @param {Record<string, string>} extra
 * @param {{ env?: Record<string, string> }} [options]
 * @returns {Promise<Run>}
 */
async function runAction(source, target, extra, { env } = {}) {
  const bundle = await bundleHash(BUNDLE);
  let spawned = 0n;
  /** @type {Mark[]} */
  const marks = [];
  const result = await runActionBundle('sync-minio', actionInputs(source, target, extra), {
    env,
    onStart: () => (spawned = process.hrtime.bigint()),
    onStdout: (text) => {
      const at = Number(process.hrtime.bigint() - spawned) / 1e9;
      for (const line of text.split('\n')) {
        if (line.startsWith('::group::')) marks.push({ at, group: line.slice('::group::'.length) });
        else if (line.startsWith('::endgroup::')) marks.push({ at, end: true });
        else if (line.startsWith('::debug::run: rclone ')) marks.push({ at, rclone: line.split(' ')[2] });
      }
    },
  });
  const errors = result.stdout
    .split('\n')
    .filter((l) => l.startsWith('::warning') || l.startsWith('::error'))
    .map((l) => l.replace(/^::\w+[^:]*::/, ''));
  const transfers = result.outputs['objects-transferred'] === undefined ? null : Number(result.outputs['objects-transferred']);
  return {
    bundle,
    code: result.code,
    signal: result.signal,
    seconds: result.seconds,
    transfers,
    checked: result.outputs['objects-checked'] === undefined ? null : Number(result.outputs['objects-checked']),
    verified: result.outputs.verified ?? null,
    errors,
    phases: phasesOf(marks, result.seconds),
    steps: stepsOf(marks, result.seconds),
    stdout: result.stdout,
    stderr: result.stderr,
  };
}

/**
 * Wall time per log group of the action (node start-up, pre-flight, sync or plan, verify, and what
 * follows the last group), and within the sync group the rclone sync child itself (from the debug
 * line logged as it is spawned to the next rclone spawn or the group's end) apart from the rest.
 * @param {Mark[]} marks
 * @param {number} total
 */
function phasesOf(marks, total) {
  /** @type {Record<string, number>} */
  const phases = {};
  /** @type {{ name: string, start: number, end: number, marks: Mark[] }[]} */
  const groups = [];
  /** @type {{ name: string, start: number, marks: Mark[] } | undefined} */
  let open;
  for (const m of marks) {
    if (m.group !== undefined) open = { name: m.group, start: m.at, marks: [] };
    else if (m.end && open) {
      groups.push({ ...open, end: m.at });
      open = undefined;
    } else if (m.rclone && open) open.marks.push(m);
  }
  if (!groups.length) return undefined;
  phases.startup = groups[0].start;
  for (const g of groups) {
    const key = /^Pre-flight/.test(g.name) ? 'preflight' : /^Verify/.test(g.name) ? 'verify' : /^(Sync|Copy|Plan)/.test(g.name) ? 'sync' : g.name;
    phases[key] = g.end - g.start;
    if (key === 'sync') {
      const i = g.marks.findIndex((m) => m.rclone === 'sync' || m.rclone === 'copy');
      if (i >= 0) {
        phases.syncRclone = (g.marks[i + 1]?.at ?? g.end) - g.marks[i].at;
        phases.syncOther = phases.sync - phases.syncRclone;
      }
    }
  }
  phases.exit = total - groups[groups.length - 1].end;
  return phases;
}

/**
 * The action's run as consecutive steps: node start-up (to its first log group), each rclone child
 * (from the debug line logged as it is spawned to the next log mark; children started together,
 * like the two pre-flight probes, are merged, as 'lsf x2'), and the exit after the last group.
 * What is left (the action's own work between children) is 'between'.
 * @param {Mark[]} marks
 * @param {number} total
 */
function stepsOf(marks, total) {
  const firstGroup = marks.find((m) => m.group !== undefined);
  if (!firstGroup) return undefined;
  /** @type {[string, number][]} */
  const steps = [['start-up', firstGroup.at]];
  for (let i = 0; i < marks.length; i++) {
    const rclone = marks[i].rclone;
    if (!rclone) continue;
    let j = i;
    while (marks[j + 1]?.rclone === rclone && marks[j + 1].at - marks[i].at < 0.05) j++;
    const end = marks[j + 1]?.at ?? total;
    const label = j > i ? `${rclone} x${j - i + 1}` : rclone;
    // a label seen before (the verify's listings after the pre-flight's) is numbered, so medians do not mix them
    const seen = steps.filter(([l]) => l === label || l.startsWith(`${label} #`)).length;
    steps.push([seen ? `${label} #${seen + 1}` : label, end - marks[i].at]);
    i = j;
  }
  const lastEnd = [...marks].reverse().find((m) => m.end);
  steps.push(['exit', total - (lastEnd?.at ?? total)]);
  steps.push(['between', total - steps.reduce((n, [, v]) => n + v, 0)]);
  return steps;
}

// ---------------------------------------------------------------------------------------------
// CPU accounting (bench/lib/cpu.js): who used the two cores during a measurement.

/**
 * A measurement's CPU seconds as the results record them: the contestant (node and rclone), the
 * source and target servers, this process, the rest of the machine, steal, the machine's total.
 * @param {import('./lib/cpu.js').CpuDelta} d
 */
function cpuRecord(d) {
  const [source = 0, target = 0] = d.procs;
  return {
    contestant: r2(d.contestant),
    sourceServer: r2(source),
    targetServer: r2(target),
    harness: r2(d.harness),
    other: r2(d.other),
    steal: r2(d.steal),
    machineBusy: r2(d.busy),
  };
}

/**
 * Waits (up to quietWait seconds) until processes other than ours use less than quietCores cores
 * over one second (the window's CPU seconds, rounded as cpuRecord rounds them). Returns how long it
 * waited and the last second's foreign load.
 * @param {S3Server[]} servers
 */
async function untilQuiet(servers) {
  const quiet = await waitForQuiet({
    pids: servers.map((s) => s.pid),
    below: settings.quietCores,
    cpuWait: settings.quietWait,
    foreignCores: (d) => {
      const c = cpuRecord(d);
      return c.other + c.contestant + c.steal; // no contestant is running: reaped children count as foreign here
    },
  });
  return { waited: quiet.waited, otherCores: r2(quiet.cores) };
}

// ---------------------------------------------------------------------------------------------
// Parity: the action's actual sync invocation, captured through an rclone wrapper on PATH, must be
// the bare contestant's argv and RCLONE_* environment.

/** @typedef {{ argv: string[], env: Record<string, string> }} Invocation */

/**
 * An rclone wrapper script for PATH that records each invocation's argv and environment.
 * @param {string} dir
 */
function makeWrapper(dir) {
  const real = capture('sh', ['-c', 'command -v rclone']);
  if (!real) throw new Error('rclone is not on PATH');
  const bin = path.join(dir, 'bin');
  const captured = path.join(dir, 'captured');
  mkdirSync(bin, { recursive: true });
  mkdirSync(captured, { recursive: true });
  const script = path.join(bin, 'rclone');
  writeFileSync(script, `#!/bin/sh\nn="$(date +%s%N)-$$"\nprintf '%s\\0' "$@" > "${captured}/$n.argv"\nenv -0 > "${captured}/$n.env"\nexec '${real}' "$@"\n`);
  chmodSync(script, 0o755);
  return {
    env: { PATH: `${bin}:${process.env.PATH}` },
    real,
    /** @returns {Invocation[]} */
    invocations() {
      return readdirSync(captured)
        .filter((f) => f.endsWith('.argv'))
        .sort()
        .map((f) => {
          const argv = readFileSync(path.join(captured, f), 'utf8').split('\0').slice(0, -1);
          const env = Object.fromEntries(
            readFileSync(path.join(captured, f.replace(/\.argv$/, '.env')), 'utf8')
              .split('\0')
              .filter(Boolean)
              .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
          );
          return { argv, env };
        });
    },
  };
}

/**
 * @param {Invocation[]} invocations
 * @param {S3Server} source
 * @param {S3Server} target
 */
function parityCheck(invocations, source, target) {
  const problems = [];
  const sync = invocations.find((i) => i.argv[0] === 'sync');
  if (!sync) return { ok: false, problems: ['the action ran no rclone sync'], commands: invocations.map((i) => i.argv[0]) };
  const backup = sync.argv[sync.argv.indexOf('--backup-dir') + 1] ?? '';
  const stamp = backup.slice(backup.lastIndexOf('/') + 1);
  const expected = bareArgs(stamp);
  if (JSON.stringify(sync.argv) !== JSON.stringify(expected)) {
    problems.push(`argv differs:\n  action: ${JSON.stringify(sync.argv)}\n  bare:   ${JSON.stringify(expected)}`);
  }
  const relevant = (/** @type {Record<string, string | undefined>} */ env) =>
    Object.fromEntries(
      Object.entries(env)
        .filter(([k]) => /^(RCLONE_|AWS_)/.test(k))
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  const got = relevant(sync.env);
  const want = relevant(bareEnv(source, target));
  for (const key of new Set([...Object.keys(got), ...Object.keys(want)])) {
    if (got[key] !== want[key]) {
      const show = (/** @type {string | undefined} */ v) => (v === undefined ? '(unset)' : /SECRET/.test(key) ? '(a different secret)' : JSON.stringify(v));
      problems.push(`env ${key}: action ${show(got[key])}, bare ${show(want[key])}`);
    }
  }
  const redactArgv = (/** @type {string[]} */ argv) => argv.map((a) => a.replace(/\/\d{8}T\d{6}Z$/, '/<stamp>'));
  return {
    ok: problems.length === 0,
    problems,
    commands: invocations.map((i) => redactArgv(i.argv).join(' ')),
    syncArgv: redactArgv(sync.argv),
    syncEnv: Object.fromEntries(Object.entries(got).map(([k, v]) => [k, /SECRET/.test(k) ? '***' : v])),
  };
}

// ---------------------------------------------------------------------------------------------

const fmtR = (/** @type {number} */ n) => n.toFixed(2);

async function main() {
  const nodeVersion = process.version;
  const rcloneVersion = versionLine('rclone', ['version']);
  const machine = machineInfo({
    rclone: rcloneVersion,
    caBundle: CA_BUNDLE ? 'AWS_CA_BUNDLE set: both contestants pass it as --ca-cert' : 'AWS_CA_BUNDLE unset',
  });
  log(`sync-minio benchmark on ${machine.cores} cores (${machine.cpuModel}), Node ${nodeVersion}, ${rcloneVersion}`);

  const root = mkdtempSync(path.join(os.tmpdir(), 'mlba-bench-'));
  /** @type {Set<S3Server>} */
  const servers = new Set();
  const stopServer = async (/** @type {S3Server} */ s) => {
    servers.delete(s);
    await s.stop();
    rmSync(s.dir, { recursive: true, force: true });
  };
  const cleanup = async () => {
    await Promise.all([...servers].map(stopServer));
    rmSync(root, { recursive: true, force: true });
  };

  await withCleanup('stopping the S3 servers', cleanup, async () => {
    const source = await startS3({ name: 'minio', root, ...SOURCE_KEYS, buckets: [SOURCE_BUCKET] });
    servers.add(source);
    log(`seeding ${settings.objects} objects (${settings.large} of ~${settings.largeMiB} MiB) into the source...`);
    const seedStart = Date.now();
    const seeded = await seedMlpipeline(source, SOURCE_BUCKET, {
      objects: settings.objects,
      large: settings.large,
      largeBytes: settings.largeMiB * MiB,
    });
    const dataset = {
      objects: seeded.objects,
      large: settings.large,
      largeMiB: settings.largeMiB,
      multipartObjects: seeded.files.filter((f) => f.size > 64 * MiB).length,
      bytes: seeded.bytes,
      MiB: Math.round((seeded.bytes / MiB) * 10) / 10,
      seedSeconds: Math.round((Date.now() - seedStart) / 100) / 10,
    };
    log(`seeded ${dataset.objects} objects, ${dataset.MiB} MiB (${dataset.multipartObjects} over the 64M upload cutoff) in ${dataset.seedSeconds} s`);

    let serial = 0;
    const freshTarget = async (/** @type {string} */ label) => {
      const s = await startS3({ name: `target-${++serial}-${label}`, root, ...TARGET_KEYS, buckets: [TARGET_BUCKET] });
      servers.add(s);
      await sleep(300);
      return s;
    };

    // Warm-up (untimed): one action run through an rclone wrapper that records each invocation's
    // argv and environment, checked against the bare contestant's. It also warms the source server.
    log('warm-up and parity check: one untimed action run with an rclone wrapper on PATH...');
    const wrapper = makeWrapper(path.join(root, 'wrapper'));
    const warmTarget = await freshTarget('warmup');
    const warm = await runAction(source, warmTarget, {}, { env: wrapper.env });
    if (warm.code !== 0) throw new Error(`the warm-up action run failed (${warm.code}):\n${warm.stdout}\n${warm.stderr}`);
    const parity = { bundle: warm.bundle, ...parityCheck(wrapper.invocations(), source, warmTarget) };
    await stopServer(warmTarget);
    log(`the action ran: ${parity.commands.map((c) => c.split(' ')[0]).join(', ')}`);
    if (!parity.ok) throw new Error(`the bare contestant would not run what the action runs:\n${parity.problems.join('\n')}`);
    log("parity: the action's sync argv and RCLONE_* environment equal the bare contestant's");

    // Start-up micro-measurements.
    log('start-up micro-measurements...');
    /** @type {Record<'nodeEmpty' | 'bundleToConfigError' | 'rcloneVersion', number[]>} */
    const startup = { nodeEmpty: [], bundleToConfigError: [], rcloneVersion: [] };
    const timeProcess = async (/** @type {string} */ cmd, /** @type {string[]} */ args) => (await runProcess(cmd, args, { stdio: 'ignore' })).seconds;
    const startupBundles = new Set();
    for (let i = 0; i < settings.startupReps; i++) {
      if (settings.quietWait) await untilQuiet([source]);
      startupBundles.add(await bundleHash(BUNDLE));
      startup.nodeEmpty.push(await timeProcess(process.execPath, ['-e', '0']));
      // The bundle with no inputs: loads, validates, reports the missing inputs, exits 1.
      startup.bundleToConfigError.push((await runActionBundle('sync-minio', {})).seconds);
      startup.rcloneVersion.push(await timeProcess('rclone', ['version']));
    }

    // The rounds.
    /** @type {any[]} */
    const samples = []; // { round, contestant, phase, seconds, transfers, steps, cpu, errors, ... }
    const check = (/** @type {boolean} */ ok, /** @type {string} */ what) => {
      if (!ok) throw new Error(what);
    };
    for (let round = 1; round <= settings.rounds; round++) {
      const order = rotate(CONTESTANTS, round);
      log(`round ${round}/${settings.rounds}: ${order.map((c) => c.id).join(' -> ')}`);
      for (const contestant of order) {
        const target = await freshTarget(`${contestant.id}-r${round}`);
        /**
         * @param {string} phase
         * @param {boolean} dryRun
         * @returns {Promise<void>}
         */
        const measure = async (phase, dryRun, attempt = 1) => {
          const quiet = settings.quietWait ? await untilQuiet([source, target]) : undefined;
          const pids = [source.pid, target.pid];
          const before = cpuSnapshot(pids);
          const load = os.loadavg()[0];
          /** @type {Run} */
          const run =
            contestant.id === 'bare'
              ? await runBare(source, target, { dryRun })
              : contestant.check
                ? await runBareThenCheck(source, target, { dryRun })
                : await runAction(source, target, { ...contestant.inputs, ...(dryRun ? { 'dry-run': 'true' } : {}) });
          const cpu = cpuRecord(cpuDelta(before, cpuSnapshot(pids)));
          const where = `${contestant.id} ${phase} (round ${round})`;
          if (run.code !== 0 && run.bundle && !run.phases && run.bundle !== (existsSync(BUNDLE) ? await bundleHash(BUNDLE) : undefined) && attempt < 3) {
            // It failed to load, before any group began: nothing was copied, so the target is as it was.
            log(`  ${where}: the bundle was rebuilt under the run (exit ${run.code}); measuring again`);
            return measure(phase, dryRun, attempt + 1);
          }
          check(run.code === 0, `${where} failed with exit ${run.code}${run.signal ? ` (${run.signal})` : ''}:\n${run.errors.join('\n')}\n${run.stderr ?? ''}`);
          const wantTransfers = phase === 'first' ? dataset.objects : 0;
          check(run.transfers === wantTransfers, `${where}: ${run.transfers} objects transferred, expected ${wantTransfers}`);
          if (contestant.id === 'action' && !dryRun) check(run.verified === 'true' && run.checked === dataset.objects, `${where}: not verified`);
          const retries = run.errors.filter((e) => /Attempt \d+\/\d+/.test(e)).length;
          const sample = {
            round,
            contestant: contestant.id,
            phase,
            seconds: r3(run.seconds),
            transfers: run.transfers,
            ...(run.bundle ? { bundle: run.bundle } : {}),
            ...(run.phases ? { phases: Object.fromEntries(Object.entries(run.phases).map(([k, v]) => [k, r3(v)])) } : {}),
            ...(run.steps ? { steps: run.steps.map(([k, v]) => [k, r3(v)]) } : {}),
            ...(run.checkSeconds !== undefined ? { checkSeconds: r3(run.checkSeconds) } : {}),
            cpu,
            loadavg1: r2(load),
            ...(quiet ? { quietWaitSeconds: quiet.waited, otherCoresBefore: quiet.otherCores } : {}),
            errors: run.errors.length,
            retries,
            ...(run.errors.length ? { firstErrors: run.errors.slice(0, 5) } : {}),
          };
          samples.push(sample);
          log(
            `  ${contestant.id.padEnd(16)} ${phase.padEnd(7)} ${fmtS(run.seconds).padStart(6)} s` +
              `  cpu: contestant ${cpu.contestant}s, source ${cpu.sourceServer}s, target ${cpu.targetServer}s, other ${cpu.other}s, steal ${cpu.steal}s` +
              (run.errors.length ? `  [${run.errors.length} rclone errors, ${retries} retry notices]` : '') +
              (quiet && quiet.waited > 1.5 ? `  (waited ${quiet.waited}s for quiet, ${quiet.otherCores} cores busy elsewhere at start)` : ''),
          );
        };
        await measure('first', false);
        for (let i = 0; i < settings.reruns; i++) await measure('rerun', false);
        await measure('dryrun', true);
        await stopServer(target);
      }
    }

    // Summaries and ratios.
    /** @type {Record<string, Record<string, any>>} */
    const stats = {};
    for (const c of CONTESTANTS) {
      stats[c.id] = {};
      for (const p of PHASES) {
        const xs = samples.filter((s) => s.contestant === c.id && s.phase === p.id).map((s) => s.seconds);
        /** @type {Record<string, number>[]} */
        const cpu = samples.filter((s) => s.contestant === c.id && s.phase === p.id).map((s) => s.cpu);
        stats[c.id][p.id] = {
          ...summarise(xs),
          cpuMedian: Object.fromEntries(Object.keys(cpu[0]).map((k) => [k, r3(median(cpu.map((x) => x[k])))])),
        };
        /** @type {[string, number][][]} */
        const steps = samples.filter((s) => s.contestant === c.id && s.phase === p.id && s.steps).map((s) => s.steps);
        if (steps.length) {
          // Median per step, by name in the order of the first run (a step another run lacks counts as 0).
          stats[c.id][p.id].stepsMedian = steps[0].map(([name]) => [name, r3(median(steps.map((st) => st.find(([n]) => n === name)?.[1] ?? 0)))]);
        }
        // The action's time beside its rclone sync child (start-up, pre-flight, listing, verify, exit).
        const syncStep = (/** @type {any} */ x) => x.steps?.find((/** @type {[string, number]} */ [n]) => n === 'sync')?.[1];
        const withSync = samples.filter((x) => x.contestant === c.id && x.phase === p.id && syncStep(x) !== undefined);
        if (withSync.length) {
          stats[c.id][p.id].syncChildMedian = r3(median(withSync.map(syncStep)));
          stats[c.id][p.id].besideSyncMedian = r3(median(withSync.map((x) => x.seconds - syncStep(x))));
        }
        const phases = samples.filter((s) => s.contestant === c.id && s.phase === p.id && s.phases).map((s) => s.phases);
        if (phases.length) {
          stats[c.id][p.id].phasesMedian = Object.fromEntries(
            Object.keys(phases[0]).map((k) => [k, r3(median(phases.map((x) => x[k]).filter((v) => v !== undefined)))]),
          );
        }
      }
    }
    const disturbed = (/** @type {any} */ x) => x.cpu.other + x.cpu.steal > 0.25 * x.seconds;
    /** @type {Record<string, Record<string, any>>} */
    const ratios = {};
    for (const c of CONTESTANTS.filter((c) => c.id !== 'bare')) {
      ratios[c.id] = {};
      for (const p of PHASES) {
        const a = stats[c.id][p.id];
        const b = stats.bare[p.id];
        // Paired: each round's action median over the same round's bare median.
        const perRound = [];
        for (let round = 1; round <= settings.rounds; round++) {
          const pick = (/** @type {string} */ id) => samples.filter((s) => s.contestant === id && s.phase === p.id && s.round === round).map((s) => s.seconds);
          perRound.push(median(pick(c.id)) / median(pick('bare')));
        }
        // The same over undisturbed runs only (other processes and steal below 0.25 cores on average).
        const undisturbed = (/** @type {string} */ id) => samples.filter((s) => s.contestant === id && s.phase === p.id && !disturbed(s)).map((s) => s.seconds);
        const [ua, ub] = [undisturbed(c.id), undisturbed('bare')];
        ratios[c.id][p.id] = {
          median: r3(a.median / b.median),
          min: r3(a.min / b.min),
          pairedMedian: r3(median(perRound)),
          pairedPerRound: perRound.map(r3),
          // Derived, not measured: the ratio if the sync child inside the action ran exactly as long as
          // bare rclone sync (same argv, same environment), i.e. only the action's own steps added.
          ...(a.besideSyncMedian !== undefined
            ? {
                syncChildOverBare: r3(a.syncChildMedian / b.median),
                besideSync: a.besideSyncMedian,
                estimatedFromSteps: r3((b.median + a.besideSyncMedian) / b.median),
              }
            : {}),
          undisturbed:
            ua.length && ub.length ? { n: [ua.length, ub.length], action: r3(median(ua)), bare: r3(median(ub)), median: r3(median(ua) / median(ub)) } : null,
          ...(p.id === 'dryrun' || c.baseline ? {} : { goal: GOAL, meetsGoal: a.median / b.median <= GOAL }),
          // Against the second baseline: bare rclone sync plus the check the defaults' verify stands for.
          ...(!c.baseline && stats['bare-check'] && p.id !== 'dryrun'
            ? { overSyncThenCheck: r3(a.median / stats['bare-check'][p.id].median), overSyncThenCheckMin: r3(a.min / stats['bare-check'][p.id].min) }
            : {}),
        };
      }
    }
    /** @type {Record<string, any>} */
    const startupStats = Object.fromEntries(Object.entries(startup).map(([k, xs]) => [k, summarise(xs)]));

    // Every bundle the timed runs used, and the warm-up's and start-up runs' too.
    const bundlesSeen = [...new Set([parity.bundle, ...startupBundles, ...samples.filter((x) => x.bundle).map((x) => x.bundle)])];
    const results = {
      benchmark: 'sync-minio',
      date: new Date().toISOString(),
      machine,
      action: {
        ...bundleRecord(BUNDLE, bundlesSeen, 'actions/sync-minio'),
        rcloneCommands: parity.commands.map((c) => c.split(' ')[0]),
      },
      dataset,
      settings: { rounds: settings.rounds, rerunsPerRound: settings.reruns, startupReps: settings.startupReps, goalRatio: GOAL },
      contestants: Object.fromEntries(CONTESTANTS.map((c) => [c.id, c.label])),
      parity,
      stats,
      ratios,
      startup: startupStats,
      samples,
    };
    writeResults(settings.out, results);

    // The table.
    const lines = [];
    lines.push('');
    lines.push(
      `sync-minio vs bare rclone sync: ${dataset.objects} objects (${dataset.large} large), ${dataset.MiB} MiB; ` +
        `${settings.rounds} rounds; ${machine.cores} cores, Node ${nodeVersion}, ${rcloneVersion}`,
    );
    lines.push('seconds as median (min); ratio = action / bare as median/median (min/min)');
    const head = ['', 'bare', 'action verify=true', 'ratio', 'action verify=false', 'ratio'];
    const rows = PHASES.map((p) => {
      const cell = (/** @type {string} */ id) => `${fmtS(stats[id][p.id].median)} (${fmtS(stats[id][p.id].min)})`;
      const ratio = (/** @type {string} */ id) => `${fmtR(ratios[id][p.id].median)} (${fmtR(ratios[id][p.id].min)})`;
      return [`${p.label} n=${stats.bare[p.id].n}`, cell('bare'), cell('action'), ratio('action'), cell('action-noverify'), ratio('action-noverify')];
    });
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const fmtRow = (/** @type {string[]} */ r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    lines.push(fmtRow(head));
    for (const r of rows) lines.push(fmtRow(r));
    lines.push('');
    lines.push(`goal: ratio <= ${GOAL} (median) for first sync and rerun`);
    for (const c of ACTIONS) {
      const verdict = ['first', 'rerun'].map((p) => `${p} ${fmtR(ratios[c.id][p].median)} ${ratios[c.id][p].meetsGoal ? 'met' : 'MISSED'}`).join(', ');
      lines.push(`  ${c.label}: ${verdict}`);
    }
    lines.push('');
    if (stats['bare-check']) {
      lines.push('against the second baseline, bare rclone sync then rclone check --one-way --size-only (median (min) s, ratio):');
      for (const c of ACTIONS) {
        const parts = ['first', 'rerun'].map(
          (p) =>
            `${p} ${fmtS(stats['bare-check'][p].median)} (${fmtS(stats['bare-check'][p].min)}) -> ${fmtR(ratios[c.id][p].overSyncThenCheck)} (${fmtR(ratios[c.id][p].overSyncThenCheckMin)})`,
        );
        lines.push(`  ${c.label}: ${parts.join(', ')}`);
      }
      lines.push('');
    }
    lines.push("where the action's time goes (median seconds per step: node start-up, each rclone child, exit, the rest)");
    for (const c of ACTIONS) {
      for (const p of PHASES) {
        /** @type {[string, number][]} */
        const st = stats[c.id][p.id].stepsMedian ?? [];
        lines.push(
          `  ${`${c.id} ${p.id}`.padEnd(24)} ${st.map(([n, v]) => `${n} ${fmtS(v)}`).join(' | ')}   (bare rclone sync: ${fmtS(stats.bare[p.id].median)})`,
        );
      }
    }
    lines.push('');
    lines.push("the action's own cost, apart from its rclone sync child (median s), and the ratio it alone would give");
    lines.push('(derived: (bare + that cost) / bare); then the sync child inside the action over bare rclone sync:');
    for (const c of ACTIONS) {
      const parts = PHASES.map((p) => {
        const r = ratios[c.id][p.id];
        return r.besideSync === undefined
          ? `${p.id} -`
          : `${p.id} +${fmtS(r.besideSync)} s -> ${fmtR(r.estimatedFromSteps)}, sync child ${fmtR(r.syncChildOverBare)}`;
      });
      lines.push(`  ${c.label}: ${parts.join('; ')}`);
    }
    const st = startupStats;
    lines.push(
      `start-up alone (median of ${settings.startupReps}): node -e 0 ${fmtS(st.nodeEmpty.median)} s, ` +
        `bundle to its missing-input error ${fmtS(st.bundleToConfigError.median)} s, rclone version ${fmtS(st.rcloneVersion.median)} s`,
    );
    lines.push('');
    lines.push('CPU seconds per run (median): contestant (node + rclone) / source s3rver / target s3rver / other processes / steal');
    for (const c of CONTESTANTS) {
      for (const p of PHASES) {
        const u = stats[c.id][p.id].cpuMedian;
        lines.push(
          `  ${`${c.id} ${p.id}`.padEnd(24)} ${u.contestant} / ${u.sourceServer} / ${u.targetServer} / ${u.other} / ${u.steal}   (wall ${fmtS(stats[c.id][p.id].median)})`,
        );
      }
    }
    const busy = samples.filter(disturbed);
    if (busy.length) {
      lines.push('');
      lines.push(
        `${busy.length} of ${samples.length} runs shared the machine with other work (other processes and hypervisor steal > 0.25 cores on average during them);`,
      );
      lines.push('medians over the undisturbed runs only, action / bare = ratio (runs counted):');
      for (const c of ACTIONS) {
        const parts = PHASES.map((p) => {
          const u = ratios[c.id][p.id].undisturbed;
          return u ? `${p.id} ${fmtS(u.action)}/${fmtS(u.bare)} = ${fmtR(u.median)} (${u.n.join('+')})` : `${p.id} -`;
        });
        lines.push(`  ${c.label}: ${parts.join(', ')}`);
      }
    }
    const noisy = samples.filter((s) => s.errors);
    if (noisy.length) {
      lines.push('');
      lines.push(`${noisy.length} run(s) logged rclone errors (see samples[].firstErrors):`);
      for (const s of noisy) lines.push(`  ${s.contestant} ${s.phase} round ${s.round}: ${s.errors} errors, ${s.retries} retry notices, ${s.seconds} s`);
    }
    if (bundlesSeen.length > 1) {
      lines.push('');
      lines.push(
        `WARNING: the action's bundle changed during the benchmark (${bundlesSeen.join(', ')}; warm-up ${parity.bundle}, ` +
          `timed runs ${[...new Set(samples.filter((x) => x.bundle).map((x) => x.bundle))].join(', ')}): run it again on a quiet tree`,
      );
    }
    lines.push('');
    lines.push(`results: ${path.relative(process.cwd(), settings.out) || settings.out}`);
    process.stdout.write(lines.join('\n') + '\n');
  });
}

runMain('sync-minio', main);
