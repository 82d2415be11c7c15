// @ts-check
// npm run bench: runs every bench/*.js benchmark (this file excepted) in turn, each in its own
// Node process with the terminal's output (bench/lib/ holds the helpers they share and is not run).
// Arguments pick benchmarks by name:
//   node bench/run.js                 all of them
//   node bench/run.js sync-minio      only bench/sync-minio.js
// Exits non-zero when a benchmark fails (a run that did not complete, not a missed goal).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProcess } from './lib/proc.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const self = path.basename(fileURLToPath(import.meta.url));
const all = readdirSync(here)
  .filter((f) => f.endsWith('.js') && f !== self)
  .sort();
const wanted = process.argv.slice(2).map((a) => a.replace(/\.js$/, ''));
const unknown = wanted.filter((w) => !all.includes(`${w}.js`));
if (unknown.length) {
  console.error(`no such benchmark: ${unknown.join(', ')} (have: ${all.map((f) => f.replace(/\.js$/, '')).join(', ')})`);
  process.exit(2);
}
const chosen = wanted.length ? all.filter((f) => wanted.includes(f.replace(/\.js$/, ''))) : all;

/** @type {import('node:child_process').ChildProcess | undefined} */
let current;
for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(sig, () => {
    // The benchmark stops its own servers on the signal; wait for it to exit.
    if (current && current.exitCode === null) current.kill(sig);
    else process.exit(130);
  });
}

const failed = [];
for (const file of chosen) {
  console.log(`\n=== bench/${file} ===`);
  const started = Date.now();
  const code = await runProcess(process.execPath, [path.join(here, file)], { stdio: 'inherit', onStart: (child) => (current = child) }).then(
    (r) => (r.signal ? 128 : r.code),
    () => 1,
  );
  current = undefined;
  console.log(`=== bench/${file}: ${code === 0 ? 'done' : `FAILED (exit ${code})`} in ${Math.round((Date.now() - started) / 1000)} s ===`);
  if (code !== 0) failed.push(file);
}
if (failed.length) {
  console.error(`\n${failed.length} benchmark(s) failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
