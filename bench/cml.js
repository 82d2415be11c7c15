// bench/cml: backup-cml's cold start, from spawning its bundle to the first CDP request arriving at
// the emulator, against a baseline measured in the same run: a bare `node` that sends one request
// to the same emulator (node's own start-up and fetch). Goal: the action at most 300 ms. Also the
// bundle's size. Runs alternate (baseline, action) so that machine noise hits both alike.
//   node bench/cml.js            BENCH_CML_RUNS=15 by default
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCdp } from '../sandbox/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const bundle = path.join(here, '..', 'actions', 'backup-cml', 'dist', 'index.js');
const runs = Number(process.env.BENCH_CML_RUNS || 15);
const out = process.env.BENCH_OUT || path.join(here, 'results', 'cml.json');

const cdp = await startCdp({ timeScale: 20_000 });
const firstRequestAfter = (t0) => cdp.requests.find((r) => r.at >= t0)?.at;

function spawnAndWait(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
}

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

const samples = { action: [], baseline: [] };
try {
  for (let i = 0; i < runs + 1; i++) {
    for (const [name, args, env] of [
      ['baseline', ['-e', baselineScript], { PATH: process.env.PATH }],
      ['action', [bundle], actionEnv],
    ]) {
      const t0 = Date.now();
      await spawnAndWait(args, env);
      const first = firstRequestAfter(t0);
      if (first === undefined) throw new Error(`${name}: no request reached the emulator`);
      if (i > 0) samples[name].push(first - t0); // the first round warms the page cache
    }
  }
} finally {
  await cdp.stop();
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))];
const result = {
  measuredAt: new Date().toISOString(),
  machine: { node: process.version, cpus: os.cpus().length, model: os.cpus()[0]?.model },
  runs,
  bundleBytes: statSync(bundle).size,
  // The Azure SDK and the EC2 client are chunks loaded only for their cloud: on disk, not in the start-up.
  distBytes: readdirSync(path.dirname(bundle)).reduce((n, f) => n + statSync(path.join(path.dirname(bundle), f)).size, 0),
  coldStartMs: { action: { median: median(samples.action), p90: p90(samples.action) }, baseline: { median: median(samples.baseline), p90: p90(samples.baseline) } },
  samples,
  goal: { actionColdStartMs: 300 },
};
result.coldStartMs.actionOverBaselineMs = result.coldStartMs.action.median - result.coldStartMs.baseline.median;
result.goalMet = result.coldStartMs.action.median <= 300;
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(
  `backup-cml bundle ${(result.bundleBytes / 2 ** 20).toFixed(2)} MiB (dist ${(result.distBytes / 2 ** 20).toFixed(2)} MiB with the cloud SDK chunks); cold start to the first CDP request: median ${result.coldStartMs.action.median} ms (p90 ${result.coldStartMs.action.p90}), ` +
    `bare node + fetch ${result.coldStartMs.baseline.median} ms (p90 ${result.coldStartMs.baseline.p90}); goal <= 300 ms ${result.goalMet ? 'met' : 'NOT met'}`,
);
