// Loads the workflow harness (test/harness, TypeScript) for plain Node scripts such as the demo:
// each file is transpiled with the repository's TypeScript into .cache/harness, where its
// imports resolve as they do in the tests.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { repoRoot } from '../sandbox/runner.js';

export async function loadHarness() {
  const source = path.join(repoRoot, 'test', 'harness');
  // Two levels below the root, where the harness's own ../../node_modules paths still hold.
  const out = path.join(repoRoot, '.cache', 'harness');
  mkdirSync(out, { recursive: true });
  for (const name of readdirSync(source).filter((n) => n.endsWith('.ts'))) {
    const { outputText } = ts.transpileModule(readFileSync(path.join(source, name), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
      fileName: name,
    });
    writeFileSync(path.join(out, name.replace(/\.ts$/, '.js')), outputText);
  }
  writeFileSync(path.join(out, 'package.json'), '{"type":"module"}\n');
  return import(pathToFileURL(path.join(out, 'index.js')).href);
}
