// The ckf-backup workflow run by the harness against a CKF sandbox: what the workflow's tests share.
import { afterEach, expect } from '@jest/globals';
import { runWorkflow, type RunWorkflowOptions } from '../harness/index.js';
import { listObjects, readObject, repoRoot, seedMlpipeline, startCkf } from '../../sandbox/index.js';
import { BUCKET } from './manifests.js';

export type Ckf = Awaited<ReturnType<typeof startCkf>>;
type Run = Awaited<ReturnType<typeof runWorkflow>>;
export { BUCKET, validate, verifiedSetManifest } from './manifests.js';

const started: Ckf[] = [];
/** Stops each test's sandbox after it; call once at the top of a test file. */
export function stopSandboxesAfterEach(): void {
  afterEach(async () => {
    await Promise.all(started.splice(0).map((c) => c.stop()));
  });
}

export async function sandbox(): Promise<Ckf> {
  const ckf = await startCkf({ dbBytes: 2 * 1024 * 1024, charmBackups: true, timeScale: 0.01 });
  started.push(ckf);
  await seedMlpipeline(ckf.minio, 'mlpipeline', { objects: 40 });
  return ckf;
}

export function workflow(ckf: Ckf, extra: Partial<RunWorkflowOptions> = {}) {
  return runWorkflow({
    workflow: '.github/workflows/ckf-backup.yml',
    repoRoot,
    event: 'workflow_call',
    ...ckf.workflowOptions(),
    github: { repository: 'example/ml-backup-actions', run_id: '4242', run_attempt: '1' },
    killTimings: { sigintMs: 7500, sigtermMs: 2500 },
    ...extra,
  });
}

export const keys = async (ckf: Ckf) => (await listObjects(ckf.s3, BUCKET, '')).map((o: { Path: string }) => o.Path).sort();
export const manifestOf = async (ckf: Ckf, id: string) => JSON.parse(String(await readObject(ckf.s3, BUCKET, `manifests/${id}.json`)));
export const jobResults = (run: Run) => Object.fromEntries(Object.entries(run.jobs).map(([id, j]) => [id, j.result]));
export const logOf = (run: Run, job: string) => run.jobs[job].steps.map((s) => [s.stdout, ...(s.steps ?? []).map((a) => a.stdout)].join('\n')).join('\n');

export const JOBS = ['preflight', 'databases', 'mlmd', 'mlpipeline', 'manifest', 'verify', 'retention-plan', 'retention'];
// A first set leaves nothing to delete: the plan lists none, so no reviewer is asked.
export const ALL_SUCCEEDED = { ...Object.fromEntries(JOBS.map((job) => [job, 'success'])), retention: 'skipped' };

/** Every scale is where it was before the run. */
export function expectScalesBack(ckf: Ckf) {
  expect(ckf.juju.scale('kfp-db')).toBe(1);
  expect(ckf.juju.scale('katib-db')).toBe(1);
  expect(ckf.juju.scale('kfp-metadata-writer')).toBe(1);
}
