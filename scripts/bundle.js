// Bundles each action's src/index.ts into one ESM file with ncc, as the runner runs it.
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function actionNames() {
  const dir = path.join(root, 'actions');
  return readdirSync(dir)
    .filter((name) => existsSync(path.join(dir, name, 'src', 'index.ts')))
    .sort();
}

/** Builds one action into outDir; throws with ncc's output on failure. */
export function bundle(name, outDir) {
  const ncc = path.join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');
  const result = spawnSync(
    process.execPath,
    [ncc, 'build', path.join('actions', name, 'src', 'index.ts'), '--out', outDir, '--target', 'es2022', '--quiet', '--no-source-map-register', '--minify'],
    { cwd: root, encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`ncc failed for ${name}:\n${result.stdout}${result.stderr}`);
  minifyChunks(outDir);
}

/**
 * ncc --minify minifies the entry file only; the chunks of dynamic import()s (a cloud SDK loaded
 * for one platform only) stay as written. Minify them as ncc does the entry: names mangled except
 * classes' and functions' (errors and spans show them), not compressed.
 */
function minifyChunks(outDir) {
  const chunks = readdirSync(outDir).filter((f) => /^\d+\.index\.js$/.test(f));
  if (!chunks.length) return;
  const script = `
    import { minify } from 'terser';
    import { readFileSync, writeFileSync } from 'node:fs';
    for (const file of process.argv.slice(1)) {
      const out = await minify(readFileSync(file, 'utf8'), { module: true, compress: false, mangle: { keep_classnames: true, keep_fnames: true }, format: { comments: false } });
      writeFileSync(file, out.code);
    }`;
  const files = chunks.map((f) => path.join(outDir, f));
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script, ...files], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`minifying the chunks failed:\n${result.stdout}${result.stderr}`);
}
