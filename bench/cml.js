// @ts-check
// bench/cml: backup-cml's cold start, from spawning its bundle to the first CDP request arriving at
// the emulator, against a baseline measured in the same run: a bare `node` that sends one request
// to the same emulator (node's own start-up and fetch). Goal: the action at most 300 ms. Also the
// bundle's size. Runs alternate (baseline, action) so that machine noise hits both alike.
//   node bench/cml.js            BENCH_CML_RUNS=15 by default
//   BENCH_OUT                    results file (default bench/results/cml.json)
import { readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, startCdp } from '../sandbox/index.js';
import { intEnv, resultsFile } from './lib/env.js';
import { writeResults } from './lib/harness.js';
import { runProcess } from './lib/proc.js';
import { percentile } from './lib/stats.js';

const bundle = path.join(repoRoot, 'actions', 'backup-cml', 'dist', 'index.js');
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
// The floor: node starting and sending one request to the same emulator (answered 403, unsigned).
const baselineScript = `fetch(${JSON.stringify(`${cdp.endpoint}/api/v1/ml/listWorkspaces`)}, { method: 'POST', body: '{}' }).catch(() => {})`;

/** @type {{ action: number[], baseline: number[] }} */
const samples = { action: [], baseline: [] };
/** @type {['baseline' | 'action', string[], NodeJS.ProcessEnv][]} */
const contestants = [
  ['baseline', ['-e', baselineScript], { PATH: process.env.PATH }],
  ['action', [bundle], actionEnv],
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
  coldStartMs: {
    action: { median: median(samples.action), p90: p90(samples.action) },
    baseline: { median: median(samples.baseline), p90: p90(samples.baseline) },
  },
  samples,
  goal: { actionColdStartMs: 300 },
};
result.coldStartMs.actionOverBaselineMs = result.coldStartMs.action.median - result.coldStartMs.baseline.median;
result.goalMet = result.coldStartMs.action.median <= 300;
writeResults(out, result);
console.log(
  `backup-cml bundle ${(result.bundleBytes / 2 ** 20).toFixed(2)} MiB (dist ${(result.distBytes / 2 ** 20).toFixed(2)} MiB with the cloud SDK chunks); cold start to the first CDP request: median ${result.coldStartMs.action.median} ms (p90 ${result.coldStartMs.action.p90}), ` +
    `bare node + fetch ${result.coldStartMs.baseline.median} ms (p90 ${result.coldStartMs.baseline.p90}); goal <= 300 ms ${result.goalMet ? 'met' : 'NOT met'}`,
);
