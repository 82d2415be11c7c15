// npm run build [action...]: rebuilds actions/<name>/dist from the sources.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { actionNames, bundle, root } from './bundle.js';

const names = process.argv.slice(2).length ? process.argv.slice(2) : actionNames();
for (const name of names) {
  const out = path.join(root, 'actions', name, 'dist');
  rmSync(out, { recursive: true, force: true });
  bundle(name, out);
  console.log(`built actions/${name}/dist`);
}
