// npm run check-dist: fails when a committed actions/<name>/dist differs from a fresh build.
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { actionNames, bundle, root } from './bundle.js';

const files = (dir) =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)))
        .sort()
    : [];

const tmp = mkdtempSync(path.join(os.tmpdir(), 'check-dist-'));
const stale = [];
try {
  for (const name of actionNames()) {
    const fresh = path.join(tmp, name);
    bundle(name, fresh);
    const committed = path.join(root, 'actions', name, 'dist');
    const all = new Set([...files(fresh), ...files(committed)]);
    for (const file of all) {
      const a = path.join(fresh, file);
      const b = path.join(committed, file);
      if (!existsSync(a) || !existsSync(b) || !readFileSync(a).equals(readFileSync(b))) stale.push(`actions/${name}/dist/${file}`);
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
if (stale.length) {
  console.error(`dist is out of date; run npm run build and commit:\n  ${stale.join('\n  ')}`);
  process.exit(1);
}
console.log(`dist is up to date for ${actionNames().join(', ')}`);
