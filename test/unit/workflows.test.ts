// Lints every actions/*/action.yml and .github/workflows/*.yml with GitHub's own parser and validator
// (@actions/languageservice, which powers the VS Code extension, on top of @actions/workflow-parser),
// offline. Errors fail the file's test case; warnings are printed.
import { describe, expect, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { registerLogger, validate, type ValidationConfig } from '@actions/languageservice';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { convertActionTemplate, parseAction } from '@actions/workflow-parser/actions/index';
import { ErrorPolicy } from '@actions/workflow-parser/model/convert';
import type { File } from '@actions/workflow-parser/workflows/file';
import type { FileProvider } from '@actions/workflow-parser/workflows/file-provider';
import type { FileReference } from '@actions/workflow-parser/workflows/file-reference';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { isMap, isScalar, LineCounter, parseDocument, visit } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

type Diagnostic = Awaited<ReturnType<typeof validate>>[number];

// vscode-languageserver-types' DiagnosticSeverity. Parser errors in workflows come without a
// severity, which LSP clients show as errors, and so does this test.
const severityName = ['', 'error', 'warning', 'info', 'hint'] as const;
const isError = (d: Diagnostic) => d.severity === undefined || d.severity === 1;

/** Resolves `./path` and `$/path` (workflow calls, local actions) to files in this repository. */
const fileProvider: FileProvider = {
  async getFileContent(ref: FileReference): Promise<File> {
    if ('repository' in ref) {
      throw new Error(`cannot read ${ref.owner}/${ref.repository}/${ref.path}@${ref.version} offline`);
    }
    const file = path.resolve(root, ref.path);
    if (!file.startsWith(root + path.sep)) throw new Error(`${ref.path} is outside the repository`);
    return { name: ref.path, content: await readFile(file, 'utf8') };
  },
};
const config: ValidationConfig = { fileProvider };

// The language service swallows its own exceptions (it logs them and returns what it has), so a
// crash would look like a clean file; collect what it logs and fail on it.
const internalErrors: string[] = [];
registerLogger({
  error: (message) => internalErrors.push(message),
  warn: (message) => internalErrors.push(message),
  info: () => {},
  log: () => {},
});

/**
 * The language service checks `with:` against the called action's inputs only for `$/path`
 * references (read through the fileProvider), not for `./path`. In a workflow both name a directory
 * of this repository (workflow-parser's parseFileReference treats them alike), so step references
 * `./x` are validated as `$/x`. The two prefixes have the same length, so positions are unchanged.
 * Reusable workflow calls (`uses: ./.github/workflows/x.yml`) are left alone.
 */
function localActionsAsSelfReferences(text: string): string {
  return text.replace(/^(\s*(?:-\s+)?uses:\s*["']?)\.\/(?![^\s"'#]*\.ya?ml["']?\s*(?:#.*)?$)/gm, '$1$/');
}

let documentVersion = 0;
const linted = new Set<string>();

/** All diagnostics for one action.yml or workflow; `file` is its path relative to the repository. */
async function lint(file: string, text: string): Promise<Diagnostic[]> {
  // The language service caches parse results by URI, so every document needs its own.
  const uri = pathToFileURL(path.join(root, file)).href;
  if (linted.has(uri)) throw new Error(`${file} was linted twice; give each document its own name`);
  linted.add(uri);
  const isWorkflow = /^\.github\/workflows\/[^/]+\.ya?ml$/.test(file);
  const isAction = /(^|\/)action\.ya?ml$/.test(file);
  if (!isWorkflow && !isAction) throw new Error(`${file} is neither a workflow nor an action.yml`);

  internalErrors.length = 0;
  const doc = TextDocument.create(uri, 'yaml', ++documentVersion, isWorkflow ? localActionsAsSelfReferences(text) : text);
  const diagnostics = await validate(doc, config);
  for (const message of internalErrors) {
    diagnostics.push({ message: `languageservice: ${message}`, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 1 });
  }

  // The parser and converter on their own, with the strict error policy, in case the language
  // service skipped something.
  const parsed = isWorkflow
    ? parseWorkflow({ name: file, content: text }, new NoOperationTraceWriter())
    : parseAction({ name: file, content: text }, new NoOperationTraceWriter());
  if (parsed.value) {
    if (isWorkflow) {
      await convertWorkflowTemplate(parsed.context, parsed.value, fileProvider, { errorPolicy: ErrorPolicy.ReturnErrorsOnly, fetchReusableWorkflowDepth: 1 });
    } else {
      convertActionTemplate(parsed.context, parsed.value, { errorPolicy: ErrorPolicy.ReturnErrorsOnly });
    }
  }
  const seen = new Set(diagnostics.map((d) => `${d.range.start.line}:${d.message}`));
  for (const error of parsed.context.errors.getErrors()) {
    const line = (error.range?.start.line ?? 1) - 1;
    const column = (error.range?.start.column ?? 1) - 1;
    if (seen.has(`${line}:${error.rawMessage}`)) continue;
    diagnostics.push({
      message: `workflow-parser: ${error.rawMessage}`,
      range: { start: { line, character: column }, end: { line, character: column } },
      severity: 1,
    });
  }
  diagnostics.push(...expressionsInRun(text));
  if (isWorkflow) diagnostics.push(...needsNotDeclared(text));
  return diagnostics;
}

/**
 * A job's needs context holds only the jobs in its needs: list, and GitHub's validator does not say
 * when an expression reads another: needs.<job> of an undeclared job is an error here.
 */
function needsNotDeclared(text: string): Diagnostic[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const jobs = doc.get('jobs', true);
  const found: Diagnostic[] = [];
  if (!isMap(jobs)) return found;
  for (const pair of jobs.items) {
    if (!isScalar(pair.key) || !isMap(pair.value)) continue;
    const name = String(pair.key.value);
    const declared = [pair.value.toJSON()?.needs ?? []].flat().map(String);
    visit(pair.value, {
      Scalar(_, node) {
        if (typeof node.value !== 'string') return;
        for (const [, job] of node.value.matchAll(/\bneeds\.([A-Za-z_][\w-]*)/g)) {
          if (declared.includes(job)) continue;
          const { line, col } = lineCounter.linePos(node.range?.[0] ?? 0);
          const position = { line: line - 1, character: col - 1 };
          found.push({
            message: `job ${name} reads needs.${job}, but ${job} is not in its needs:`,
            range: { start: position, end: position },
            severity: 1,
          });
        }
      },
    });
  }
  return found;
}

/**
 * This repository's rule on top of GitHub's: no `${{ }}` inside a `run:` script, where the expanded
 * value becomes shell code (script injection); pass values through `env:` instead.
 */
function expressionsInRun(text: string): Diagnostic[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const found: Diagnostic[] = [];
  visit(doc, {
    Pair(_, pair) {
      if (!isScalar(pair.key) || pair.key.value !== 'run' || !isScalar(pair.value)) return;
      if (typeof pair.value.value !== 'string' || !pair.value.value.includes('${{')) return;
      const { line, col } = lineCounter.linePos(pair.value.range?.[0] ?? 0);
      const position = { line: line - 1, character: col - 1 };
      found.push({ message: 'Expression ${{ }} inside run: pass the value through env: instead', range: { start: position, end: position }, severity: 1 });
    },
  });
  return found;
}

function format(file: string, diagnostics: Diagnostic[]): string {
  return diagnostics.map((d) => `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${severityName[d.severity ?? 1]}: ${d.message}`).join('\n');
}

/** Lints a file, prints its warnings and fails with the list of its errors. */
async function expectClean(file: string, text: string): Promise<void> {
  const diagnostics = await lint(file, text);
  const warnings = diagnostics.filter((d) => !isError(d));
  if (warnings.length) console.warn(format(file, warnings));
  const errors = diagnostics.filter(isError);
  if (errors.length) throw new Error(`${errors.length} error(s) in ${file}:\n${format(file, errors)}`);
}

function repositoryFiles(): string[] {
  const actions = readdirSync(path.join(root, 'actions'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => ['action.yml', 'action.yaml'].map((name) => `actions/${entry.name}/${name}`))
    .filter((file) => existsSync(path.join(root, file)));
  const workflowDir = path.join(root, '.github', 'workflows');
  const workflows = existsSync(workflowDir)
    ? readdirSync(workflowDir)
        .filter((name) => /\.ya?ml$/.test(name))
        .map((name) => `.github/workflows/${name}`)
    : [];
  return [...actions, ...workflows].sort();
}

describe('GitHub Actions metadata and workflows', () => {
  const files = repositoryFiles();

  test('finds the action.yml files and workflows', () => {
    expect(files).toContain('actions/sync-minio/action.yml');
    expect(files).toContain('.github/workflows/ci.yml');
  });

  test.each(files)('%s', async (file) => {
    await expectClean(file, readFileSync(path.join(root, file), 'utf8'));
  });
});

describe('the YAML examples of the READMEs, exactly as written', () => {
  const readmes = [
    'README.md',
    'docs/cml-upgrade.md',
    ...readdirSync(path.join(root, 'actions'))
      .map((name) => `actions/${name}/README.md`)
      .filter((file) => existsSync(path.join(root, file))),
  ];
  const examples = readmes.flatMap((file) =>
    [...readFileSync(path.join(root, file), 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m, i) => ({ file, n: i + 1, text: m[1] })),
  );
  /** This repository's own actions and workflow at @v1 are checked against the files here. */
  const asHere = (text: string) =>
    text
      .replace(/uses: owner\/ml-backup-actions\/(\.github\/workflows\/[^@\s]+)@v1/g, 'uses: ./$1')
      .replace(/uses: owner\/ml-backup-actions\/(actions\/[^@\s]+)@v1/g, 'uses: $$/$1');

  test('there are examples, and each is a whole workflow: on:, permissions: and jobs:', () => {
    expect(examples.length).toBeGreaterThanOrEqual(8);
    for (const e of examples)
      expect({ example: `${e.file} #${e.n}`, whole: /^on:/m.test(e.text) && /^permissions:/m.test(e.text) && /^jobs:/m.test(e.text) }).toEqual({
        example: `${e.file} #${e.n}`,
        whole: true,
      });
  });

  test.each(examples)('$file, example $n', async ({ file, n, text }) => {
    await expectClean(`.github/workflows/example-${file.replace(/\W+/g, '-')}-${n}.yml`, asHere(text));
  });

  test("this repository's own workflows pin every third-party action by full commit SHA, its version in a comment", () => {
    const uses = repositoryFiles().flatMap((f) =>
      [...readFileSync(path.join(root, f), 'utf8').matchAll(/uses:\s*([^\s$.][^\s]*)(.*)$/gm)].map((m) => `${f}: ${m[1]}${m[2]}`),
    );
    expect(uses.length).toBeGreaterThan(0);
    expect(uses.filter((u) => !/: [\w.-]+\/[\w.-]+(\/[^@\s]+)?@[0-9a-f]{40} # v\d+\.\d+\.\d+$/.test(u))).toEqual([]);
  });

  test('one version of each third-party action, across the examples and the workflows', () => {
    const texts = [...examples.map((e) => e.text), ...repositoryFiles().map((f) => readFileSync(path.join(root, f), 'utf8'))];
    const versions = new Map<string, Set<string>>();
    for (const text of texts) {
      for (const [, action, ref] of text.matchAll(/uses:\s*([\w.-]+\/[\w.-]+)(?:\/[^@\s]*)?@([^\s#]+)/g)) {
        if (action === 'owner/ml-backup-actions') continue;
        versions.set(action, (versions.get(action) ?? new Set()).add(ref));
      }
    }
    const several = [...versions].filter(([, refs]) => refs.size > 1).map(([action, refs]) => `${action}: ${[...refs].join(', ')}`);
    expect(several).toEqual([]);
    expect(versions.size).toBeGreaterThan(0);
  });
});

describe('the lint catches broken documents', () => {
  const action = (body: string) => `name: bad\ndescription: a broken action\n${body}`;
  const compositeRuns = `runs:\n  using: composite\n  steps:\n    - shell: bash\n      run: echo hi\n`;
  const workflow = (steps: string) =>
    `name: bad\non: push\npermissions:\n  contents: read\njobs:\n  job:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v5\n${steps}`;
  const syncMinioWith = (extra: string) =>
    `      - uses: ./actions/sync-minio\n        with:\n          minio-endpoint: http://localhost:9000\n          minio-access-key: key\n          minio-secret-key: secret\n          s3-bucket: backup\n${extra}`;

  const bad: Array<[string, string, string, RegExp]> = [
    ['an unknown top-level key', 'actions/bad-key/action.yml', action(`colour: blue\n${compositeRuns}`), /Unexpected value 'colour'/],
    [
      'a run step without shell',
      'actions/bad-shell/action.yml',
      action(`runs:\n  using: composite\n  steps:\n    - run: echo hi\n`),
      /Required property is missing: shell/,
    ],
    ['an invalid runs.using', 'actions/bad-using/action.yml', action(`runs:\n  using: node99\n  main: dist/index.js\n`), /Unexpected value 'node99'/],
    [
      'an unknown key under runs',
      'actions/bad-runs-key/action.yml',
      action(`runs:\n  using: composite\n  main: index.js\n  steps:\n    - shell: bash\n      run: echo hi\n`),
      /'main' is not valid for composite actions/,
    ],
    [
      'an unknown context in an expression',
      'actions/bad-context/action.yml',
      action(`runs:\n  using: composite\n  steps:\n    - shell: bash\n      run: echo hi\n      env:\n        X: \${{ foo.bar }}\n`),
      /Unrecognized named-value: 'foo'/,
    ],
    [
      'an unknown input to ./actions/sync-minio',
      '.github/workflows/bad-input.yml',
      workflow(syncMinioWith('          bogus: 1\n')),
      /Invalid action input 'bogus'/,
    ],
    [
      'an unknown input to $/actions/sync-minio',
      '.github/workflows/bad-self-input.yml',
      workflow(syncMinioWith('          bogus: 1\n').replace('./actions', '$/actions')),
      /Invalid action input 'bogus'/,
    ],
    [
      'a missing required input',
      '.github/workflows/bad-missing.yml',
      workflow(syncMinioWith('').replace('          s3-bucket: backup\n', '')),
      /Missing required input `s3-bucket`/,
    ],
    [
      'a local action that does not exist',
      '.github/workflows/bad-missing-action.yml',
      workflow('      - uses: $/actions/no-such-action\n'),
      /Unable to resolve action `\$\/actions\/no-such-action`/,
    ],
    [
      'an unknown job key',
      '.github/workflows/bad-job-key.yml',
      workflow('      - run: echo hi\n').replace('    runs-on:', '    runs_on: x\n    runs-on:'),
      /Unexpected value 'runs_on'/,
    ],
    [
      'an expression inside run',
      '.github/workflows/bad-run.yml',
      workflow('      - run: echo "${{ github.head_ref }}"\n'),
      /Expression \$\{\{ \}\} inside run/,
    ],
    [
      'a missing reusable workflow',
      '.github/workflows/bad-call.yml',
      `on: push\njobs:\n  call:\n    uses: ./.github/workflows/no-such-workflow.yml\n`,
      /Unable to find reusable workflow/,
    ],
    [
      "a job reading another job's outputs without needs:",
      '.github/workflows/bad-needs.yml',
      workflow('      - run: echo "$ID"\n        env:\n          ID: ${{ needs.preflight.outputs.backup-id }}\n'),
      /job job reads needs\.preflight, but preflight is not in its needs:/,
    ],
  ];

  test.each(bad)('reports %s', async (_name, file, text, expected) => {
    const errors = (await lint(file, text)).filter(isError);
    expect(format(file, errors)).toMatch(expected);
  });

  test('accepts valid inputs to ./actions/sync-minio', async () => {
    await expectClean('.github/workflows/good-input.yml', workflow(syncMinioWith('          dry-run: true\n')));
  });
});
