// ckf-backup.yml called as users call it: from another repository's workflow, at a ref, with no
// actions-repository input. The harness runs the caller with its own (empty) workspace and this
// repository as the called workflow's checkout at that ref, as GitHub does: `$/actions/...` are
// found there, while `./actions/...` would be looked for in the caller's workspace.
import { afterAll, describe, expect, jest, test } from '@jest/globals';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../../sandbox/index.js';
import { runWorkflow } from '../harness/index.js';
import { BUCKET, jobResults, logOf, sandbox, stopSandboxesAfterEach, type Ckf } from '../support/ckf-workflow.js';

jest.setTimeout(300_000);
stopSandboxesAfterEach();
const scratch = mkdtempSync(path.join(os.tmpdir(), 'ckf-caller-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The platform team's repository: one workflow calling ours at v1, nothing else checked out. */
function callerRepository(): string {
  const dir = path.join(scratch, 'platform');
  mkdirSync(path.join(dir, '.github', 'workflows'), { recursive: true });
  writeFileSync(
    path.join(dir, '.github', 'workflows', 'nightly.yml'),
    [
      'name: Nightly CKF backup',
      'on: workflow_dispatch',
      'jobs:',
      '  backup:',
      '    uses: example/ml-backup-actions/.github/workflows/ckf-backup.yml@v1',
      '    with:',
      '      s3-bucket: ${{ vars.BUCKET }}',
      '      s3-endpoint: ${{ vars.ENDPOINT }}',
      '      dry-run: true',
      '    secrets: inherit',
      '',
    ].join('\n'),
  );
  return dir;
}

function nightly(ckf: Ckf, caller: string, ml: string) {
  return runWorkflow({
    workflow: '.github/workflows/nightly.yml',
    repoRoot: caller,
    remotes: { 'example/ml-backup-actions@v1': ml },
    env: {
      PATH: ckf.env.PATH,
      HOME: process.env.HOME,
      JUJU_SANDBOX_STATE: ckf.env.JUJU_SANDBOX_STATE,
      ...(process.env.AWS_CA_BUNDLE ? { AWS_CA_BUNDLE: process.env.AWS_CA_BUNDLE } : {}),
    },
    vars: { BUCKET, ENDPOINT: ckf.s3.endpoint },
    secrets: { S3_ACCESS_KEY_ID: ckf.s3.accessKey, S3_SECRET_ACCESS_KEY: ckf.s3.secretKey, KUBECONFIG: ckf.kube.kubeconfig },
    github: { repository: 'acme/platform', run_id: '77', run_attempt: '1' },
  });
}

describe('ckf-backup.yml called from another repository', () => {
  test('at a ref, with no actions-repository: every job finds its actions at the workflow’s own commit', async () => {
    const ckf = await sandbox();
    const caller = callerRepository();
    const run = await nightly(ckf, caller, repoRoot);
    expect(run.jobs.backup.result).toBe('success');
    const called = run.jobs.backup.called;
    expect(called && jobResults(called)).toMatchObject({ preflight: 'success', 'retention-plan': 'success', retention: 'skipped' });
    // The dry run's checks ran the actions themselves: juju, the MLMD pod, MinIO and the bucket were reached.
    const log = called ? logOf(called, 'preflight') : '';
    expect(log).toMatch(/kfp-db: would scale to 2, run create-backup on an ONLINE secondary/);
    expect(log).toMatch(/running workloads: all namespaces checked/);
    expect(log).toMatch(/bucket 'mlpipeline' holds \d+ objects/);
    expect(log).not.toContain('::warning::actions-repository and actions-ref are ignored');
  });

  test('the way it was (./actions after a checkout of the caller) is looked for in the caller’s workspace, and not found', async () => {
    const ckf = await sandbox();
    const caller = callerRepository();
    // Our repository at v1, with the workflow as it was before $/: ./actions/... and a checkout of github.repository.
    const old = path.join(scratch, 'ml-backup-actions-old');
    mkdirSync(path.join(old, '.github', 'workflows'), { recursive: true });
    symlinkSync(path.join(repoRoot, 'actions'), path.join(old, 'actions'));
    const text = readFileSync(path.join(repoRoot, '.github', 'workflows', 'ckf-backup.yml'), 'utf8').replaceAll('uses: $/actions/', 'uses: ./actions/');
    expect(Object.keys(parse(text).jobs)).toContain('preflight');
    writeFileSync(path.join(old, '.github', 'workflows', 'ckf-backup.yml'), text);
    cpSync(path.join(repoRoot, 'schemas'), path.join(old, 'schemas'), { recursive: true });
    await expect(nightly(ckf, caller, old)).rejects.toThrow(`no action.yml in ${path.join(caller, 'actions', 'backup-ckf-db')}`);
  });
});
