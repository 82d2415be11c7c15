// @ts-check
// Seeds a MinIO bucket laid out like Kubeflow Pipelines' mlpipeline bucket: pipeline specs,
// v2 artifacts per run and component, Argo step logs, and a few large model files that go up
// as multipart uploads.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rclone } from './rclone.js';

/** A small deterministic PRNG (xorshift32): numbers in [0, 1). @param {number} seed */
function prng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

const uuid = (/** @type {() => number} */ r) =>
  [8, 4, 4, 4, 12].map((n) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('')).join('-');

/**
 * The keys and sizes of a realistic mlpipeline bucket.
 * @param {{ objects: number, large?: number, largeBytes?: number, seed?: number }} spec
 */
export function mlpipelineLayout({ objects, large = 0, largeBytes = 70 * 1024 * 1024, seed = 7 }) {
  const r = prng(seed);
  const pipelines = ['train-xgboost', 'tfx-taxi', 'data-prep', 'hpo-katib', 'batch-predict'];
  const components = ['load-data', 'preprocess', 'train', 'evaluate', 'deploy'];
  const files = [];
  for (let i = 0; i < large; i++) {
    files.push({ key: `v2/artifacts/train-xgboost/${uuid(r)}/train/model/model.bst`, size: largeBytes + Math.floor(r() * 8) * 1024 * 1024 });
  }
  while (files.length < objects) {
    const kind = r();
    if (kind < 0.05) {
      files.push({ key: `pipelines/${uuid(r)}`, size: 4096 + Math.floor(r() * 60_000) });
    } else if (kind < 0.4) {
      const day = String(1 + Math.floor(r() * 28)).padStart(2, '0');
      const wf = `${pipelines[Math.floor(r() * pipelines.length)]}-${uuid(r).slice(0, 5)}`;
      files.push({ key: `artifacts/${wf}/2026/11/${day}/${wf}-${Math.floor(r() * 1e9)}/main.log`, size: 200 + Math.floor(r() * 40_000) });
    } else {
      const p = pipelines[Math.floor(r() * pipelines.length)];
      const c = components[Math.floor(r() * components.length)];
      const big = r() < 0.05;
      files.push({
        key: `v2/artifacts/${p}/${uuid(r)}/${c}/${['metrics', 'dataset', 'schema', 'output'][Math.floor(r() * 4)]}`,
        size: big ? 1_000_000 + Math.floor(r() * 3_000_000) : 100 + Math.floor(r() * 80_000),
      });
    }
  }
  return files;
}

/**
 * Writes the layout to a local folder and copies it into the bucket with the real rclone
 * (objects over 16 MiB go up in parts, as MinIO stores large artifacts).
 * @param {import('./s3.js').S3Remote} server @param {string} bucket @param {Parameters<typeof mlpipelineLayout>[0]} spec
 */
export async function seedMlpipeline(server, bucket, spec) {
  const files = mlpipelineLayout(spec);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlpipeline-seed-'));
  try {
    for (const f of files) {
      const file = path.join(dir, f.key);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, randomBytes(f.size));
    }
    await rclone([server], ['copy', dir, `${server.name}:${bucket}`, '--transfers', '8', '--s3-upload-cutoff', '16M', '--s3-chunk-size', '16M']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { files, objects: files.length, bytes: files.reduce((n, f) => n + f.size, 0) };
}
