// @ts-check
// bench/cml: the cold start of backup-cml and of restore-cml, from spawning the bundle to the first
// CDP request arriving at the emulator, against a baseline measured in the same run: a bare `node`
// that sends one request to the same emulator (node's own start-up and fetch). Goal: each action
// at most 300 ms. Also the bundles' sizes. Runs alternate (baseline, backup-cml, restore-cml) so
// that machine noise hits all alike.
//   node bench/cml.js            BENCH_CML_RUNS=15 by default
//   BENCH_OUT                    results file (default bench/results/cml.json)
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, startCdp } from '../sandbox/index.js';
import { intEnv, resultsFile } from './lib/env.js';
import { writeResults } from './lib/harness.js';
import { runProcess } from './lib/proc.js';
import { percentile } from './lib/stats.js';

const bundleOf = (/** @type {string} */ action) => path.join(repoRoot, 'actions', action, 'dist', 'index.js');
const bundle = bundleOf('backup-cml');
const runs = intEnv('BENCH_CML_RUNS', 15, 1);
const out = resultsFile('cml.json');

const cdp = await startCdp({ timeScale: 20_000 });
const firstRequestAfter = (/** @type {number} */ t0) => cdp.requests.find((/** @type {{ at: number }} */ r) => r.at >= t0)?.at;

const actionEnv = {
  PATH: process.env.PATH,
  HOME: '/nonexistent',
  GITHUB_OUTPUT: path.join(os.tmpdir(), `bench-cml-${process.pid}.out`),
  GITHUB_STEP_SUMMARY: path.join(os.tmpdir(), `bench-cml-${process.pid}.md`),
  'INPUT_WORKSPACE-NAME': 'ml-prod',
  'INPUT_ENVIRONMENT-NAME': 'cdp-aws-env',
  'INPUT_CDP-ACCESS-KEY-ID': cdp.keys.ed25519.accessKeyId,
  'INPUT_CDP-PRIVATE-KEY': cdp.keys.ed25519.privateKey,
  'INPUT_CDP-ENDPOINT-URL': cdp.endpoint,
  'INPUT_DRY-RUN': 'true',
  ...cdp.awsEnv,
};
// restore-cml in a dry run, from an upgrade record of the same workspace: its first request asks
// CDP about the backup (the record's CRN names none the emulator knows; the run ends there).
const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-cml-'));
const w = cdp.workspace('ml-prod');
if (!w) throw new Error('the CDP emulator has no ml-prod');
const record = path.join(dir, 'record.json');
writeFileSync(
  record,
  JSON.stringify({
    recordVersion: 1,
    kind: 'cml-upgrade-record',
    writtenAt: new Date().toISOString(),
    cloud: 'AWS',
    original: {
      crn: w.crn,
      name: w.instanceName,
      environmentName: w.environmentName,
      instanceUrl: w.instanceUrl,
      version: w.version,
      filesystemId: w.filesystemID,
    },
    backup: { crn: 'crn:cdp:ml:us-west-1:9d74eee4-1cad-45d7-b645-7ccf9edbb73d:workspace_backup:0b7f3e52-9a51-4f4e-a0c6-6e1d8d1f2c33' },
    describeWorkspace: w,
  }),
);
const restoreEnv = {
  PATH: process.env.PATH,
  HOME: '/nonexistent',
  GITHUB_OUTPUT: path.join(dir, 'restore.out'),
  GITHUB_STEP_SUMMARY: path.join(dir, 'restore.md'),
  'INPUT_RECORD-FILE': record,
  'INPUT_WORKSPACE-NAME': 'ml-interim',
  'INPUT_WORKSPACE-PARAMETERS': '{"usePublicLoadBalancer":false}',
  'INPUT_CDP-ACCESS-KEY-ID': cdp.keys.ed25519.accessKeyId,
  'INPUT_CDP-PRIVATE-KEY': cdp.keys.ed25519.privateKey,
  'INPUT_CDP-ENDPOINT-URL': cdp.endpoint,
  'INPUT_DRY-RUN': 'true',
};
// The floor: node starting and sending one request to the same emulator (answered 403, unsigned).
const baselineScript = `fetch(${JSON.stringify(`${cdp.endpoint}/api/v1/ml/listWorkspaces`)}, { method: 'POST', body: '{}' }).catch(() => {})`;

/** @type {{ action: number[], restore: number[], baseline: number[] }} */
const samples = { action: [], restore: [], baseline: [] };
/** @type {['baseline' | 'action' | 'restore', string[], NodeJS.ProcessEnv][]} */
const contestants = [
  ['baseline', ['-e', baselineScript], { PATH: process.env.PATH }],
  ['action', [bundle], actionEnv],
  ['restore', [bundleOf('restore-cml')], restoreEnv],
];
try {
  for (let i = 0; i < runs + 1; i++) {
    for (const [name, args, env] of contestants) {
      const t0 = Date.now();
      await runProcess(process.execPath, args, { env, stdio: 'ignore' });
      const first = firstRequestAfter(t0);
      if (first === undefined) throw new Error(`${name}: no request reached the emulator`);
      if (i > 0) samples[name].push(first - t0); // the first round warms the page cache
    }
  }
} finally {
  await cdp.stop();
  rmSync(dir, { recursive: true, force: true });
}

// Median and p90 as samples at their rank (the upper middle one for an even count), as recorded so far.
const median = (/** @type {number[]} */ xs) => percentile(xs, 0.5);
const p90 = (/** @type {number[]} */ xs) => percentile(xs, 0.9);
/** @type {Record<string, any>} */
const result = {
  measuredAt: new Date().toISOString(),
  machine: { node: process.version, cpus: os.cpus().length, model: os.cpus()[0]?.model },
  runs,
  bundleBytes: statSync(bundle).size,
  // The Azure SDK and the EC2 client are chunks loaded only for their cloud: on disk, not in the start-up.
  distBytes: readdirSync(path.dirname(bundle)).reduce((n, f) => n + statSync(path.join(path.dirname(bundle), f)).size, 0),
  restoreBundleBytes: statSync(bundleOf('restore-cml')).size,
  coldStartMs: {
    action: { median: median(samples.action), p90: p90(samples.action) },
    restore: { median: median(samples.restore), p90: p90(samples.restore) },
    baseline: { median: median(samples.baseline), p90: p90(samples.baseline) },
  },
  samples,
  goal: { actionColdStartMs: 300 },
};
result.coldStartMs.actionOverBaselineMs = result.coldStartMs.action.median - result.coldStartMs.baseline.median;
result.coldStartMs.restoreOverBaselineMs = result.coldStartMs.restore.median - result.coldStartMs.baseline.median;
result.goalMet = result.coldStartMs.action.median <= 300 && result.coldStartMs.restore.median <= 300;
writeResults(out, result);
console.log(
  `backup-cml bundle ${(result.bundleBytes / 2 ** 20).toFixed(2)} MiB (dist ${(result.distBytes / 2 ** 20).toFixed(2)} MiB with the cloud SDK chunks); cold start to the first CDP request: median ${result.coldStartMs.action.median} ms (p90 ${result.coldStartMs.action.p90}), ` +
    `restore-cml bundle ${(result.restoreBundleBytes / 2 ** 20).toFixed(2)} MiB, cold start median ${result.coldStartMs.restore.median} ms (p90 ${result.coldStartMs.restore.p90}); ` +
    `bare node + fetch ${result.coldStartMs.baseline.median} ms (p90 ${result.coldStartMs.baseline.p90}); goal <= 300 ms each ${result.goalMet ? 'met' : 'NOT met'}`,
);
