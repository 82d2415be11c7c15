// The composite actions bring their own Node.js 24 without changing the caller's job: a step after
// one of ours sees the same node and PATH as the step before it, even when the job's node is older
// (here a stand-in node 20 first on PATH, and Node 24 in the runner's tool cache, as actions/setup-node
// or a hosted image leaves it). Run through the workflow harness, as the runner runs a job.
import { afterAll, expect, test } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runWorkflow } from '../harness/index.js';
import { repoRoot } from '../../sandbox/index.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'composite-runtime-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("an action's own Node.js 24 leaves the job's node and PATH as they were", async () => {
  const oldNode = path.join(dir, 'old-node');
  const bin = path.join(oldNode, 'node');
  mkdirSync(oldNode);
  writeFileSync(
    bin,
    '#!/bin/sh\ncase "$*" in\n  *process.versions*) echo 20 ;;\n  --version) echo v20.19.0 ;;\n  *) echo "node 20 stand-in: $*" >&2; exit 1 ;;\nesac\n',
  );
  chmodSync(bin, 0o755);
  const look = 'printf \'node=%s\\nversion=%s\\npath=%s\\n\' "$(command -v node)" "$(node --version)" "$PATH" >> "$GITHUB_OUTPUT"';
  const workflow = path.join(dir, 'runtime.yml');
  writeFileSync(
    workflow,
    [
      'on: workflow_dispatch',
      'jobs:',
      '  use:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - name: Node.js 24 in the tool cache',
      `        run: mkdir -p "$RUNNER_TOOL_CACHE/node/24.1.0/x64/bin" && ln -s '${process.execPath}' "$RUNNER_TOOL_CACHE/node/24.1.0/x64/bin/node"`,
      '      - id: before',
      '        run: |',
      `          ${look}`,
      '      - id: ours',
      '        uses: ./actions/backup-set',
      '        continue-on-error: true',
      '        with: { mode: begin, s3-bucket: Not A Bucket }',
      '      - id: after',
      '        run: |',
      `          ${look}`,
    ].join('\n'),
  );
  const run = await runWorkflow({ workflow, repoRoot, event: 'workflow_dispatch', env: { PATH: `${oldNode}:${process.env.PATH}`, HOME: dir } });
  const [, before, ours, after] = run.jobs.use.steps;
  expect(before.outputs).toMatchObject({ node: bin, version: 'v20.19.0', path: expect.stringMatching(new RegExp(`^${oldNode}:`)) });
  expect(after.outputs).toEqual(before.outputs);
  expect(ours.outcome).toBe('failure');
  const [find] = ours.steps ?? [];
  expect(find.outputs.path).toMatch(/\/_tool\/node\/24\.1\.0\/x64\/bin\/node$/);
  expect(ours.steps?.at(-1)?.stdout).toContain("Input 's3-bucket' must be an S3 bucket name");
});
