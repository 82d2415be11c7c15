// The cml-upgrade workflow run by the harness against the CDP emulator (and, for the Azure
// workspace, the Azure side): the repository with its two protected environments, the artifact
// service, a reviewer that decides as the test says, scaled time. What the upgrade's tests share.
import { ArtifactStore, Repository, runWorkflow, type RunWorkflowOptions } from '../harness/index.js';
import { repoRoot, startAzureForCml, startCdp } from '../../sandbox/index.js';
import { must } from './must.js';

export type Cdp = Awaited<ReturnType<typeof startCdp>>;
type Run = Awaited<ReturnType<typeof runWorkflow>>;

export const GATES = ['cml-upgrade-delete-original', 'cml-upgrade-delete-interim'] as const;
export type Gate = (typeof GATES)[number];
export const ORIGINAL = { aws: 'ml-prod', azure: 'ml-azure' } as const;
const ENVIRONMENT = { aws: 'cdp-aws-env', azure: 'cdp-azure-env' } as const;

export const CHAIN = [
  'preflight',
  'backup',
  'backup-2',
  'backup-3',
  'restore-interim',
  'restore-interim-2',
  'restore-interim-3',
  'validate-interim',
  'delete-original',
  'restore-final',
  'restore-final-2',
  'restore-final-3',
  'validate-final',
  'delete-interim',
  'report',
];

/** The jobs that follow a CDP backup or restore, and hand over at hand-over-minutes. */
const LONG_JOBS = /^(backup|restore-interim|restore-final)(-\d+)?$/;

/**
 * Time: the emulator runs timeScale times faster than real, and a job minute is jobMinuteMs, so
 * that a job's limit and hand-over-minutes mean the same model time as CDP's backups and restores.
 */
export interface UpgradeSandboxOptions {
  cloud: 'aws' | 'azure';
  cdp?: Parameters<typeof startCdp>[0];
  /**
   * The long jobs' limits in model time too (a job minute = 60 s / timeScale): the backup and the
   * restores, whose waits cross the 6-hour limit. The other jobs keep real minutes: the actions'
   * own seconds of work (bundles starting, artifacts) are not scaled, and on a loaded machine a
   * pre-flight's few real seconds would otherwise run into its scaled 120-minute limit.
   */
  scaledJobs?: boolean;
}

/** Starts the emulators; stops collects what afterEach undoes. */
export async function upgradeSandbox(stops: (() => unknown)[], options: UpgradeSandboxOptions) {
  const timeScale = options.cdp?.timeScale ?? 20_000;
  const cdp = await startCdp({ ...options.cdp, timeScale });
  stops.push(() => cdp.stop());
  const workspace = ORIGINAL[options.cloud];
  let azure: Awaited<ReturnType<typeof startAzureForCml>> | undefined;
  if (options.cloud === 'azure') {
    const side = (azure = await startAzureForCml(must(cdp.workspace(workspace), workspace).crn));
    stops.push(() => side.stop());
  }
  const repository = new Repository({ protectedEnvironments: [...GATES] });
  const store = new ArtifactStore();
  const jobMinuteMs = options.scaledJobs ? 60_000 / timeScale : 60_000;
  // hand-over-minutes is read by the action in real minutes: 330 model minutes, scaled.
  const realMinutes = (modelMinutes: number) => Number(((modelMinutes * jobMinuteMs) / 60_000).toFixed(4));
  const original = must(cdp.workspace(workspace), workspace);
  // The original's key, read while it exists: a re-run after its delete passes the same secret.
  const originalKey = cdp.cmlApiKey(workspace);

  /** Decides each review as decide says, as soon as a job waits for it; records what it was asked. */
  function reviewer(runId: string, decide: (gate: Gate) => 'approve' | 'reject' | 'wait' = () => 'approve') {
    const asked: Gate[] = [];
    const timer = setInterval(() => {
      for (const w of repository.waiting.filter((r) => r.run === runId)) {
        const gate = w.environment as Gate;
        const decision = decide(gate);
        if (decision === 'wait') continue;
        asked.push(gate);
        if (decision === 'approve') repository.approve(runId, gate);
        else repository.reject(runId, gate);
      }
    }, 20);
    return { asked, stop: () => clearInterval(timer) };
  }

  /** One attempt of the upgrade; extra overrides any option (rerunFailedOf, cancelWhen, signal, inputs). */
  async function upgrade(
    extra: Partial<RunWorkflowOptions> & { runId?: string; attempt?: number; decide?: Parameters<typeof reviewer>[1] } = {},
  ): Promise<Run> {
    const { runId = '5150', attempt = 1, decide, inputs, ...rest } = extra;
    const review = reviewer(runId, decide);
    try {
      return await runWorkflow({
        workflow: '.github/workflows/cml-upgrade.yml',
        repoRoot,
        event: 'workflow_dispatch',
        repository,
        stubs: store.stubs(),
        jobMinuteMs: (job: string) => (LONG_JOBS.test(job) ? jobMinuteMs : 60_000),
        env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', ...cdp.awsEnv, ...(azure?.env ?? {}) },
        inputs: {
          'environment-name': ENVIRONMENT[options.cloud],
          'workspace-name': workspace,
          'interim-workspace-name': 'ml-interim',
          'workspace-parameters': '{"usePublicLoadBalancer": false}',
          'cdp-endpoint-url': cdp.endpoint,
          'progress-interval-minutes': 0.01,
          'hand-over-minutes': realMinutes(330),
          ...(azure
            ? {
                'azure-subscription-id': azure.inputs['azure-subscription-id'],
                'azure-tenant-id': azure.inputs['azure-tenant-id'],
                'azure-client-id': azure.inputs['azure-client-id'],
                'azure-endpoint-url': azure.inputs['azure-endpoint-url'],
              }
            : {}),
          ...inputs,
        },
        secrets: {
          CDP_ACCESS_KEY_ID: cdp.keys.ed25519.accessKeyId,
          CDP_PRIVATE_KEY: cdp.keys.ed25519.privateKey,
          CML_API_KEY: originalKey,
        },
        github: { repository: 'example/ml-platform', run_id: runId, run_attempt: String(attempt) },
        killTimings: { sigintMs: 7500, sigtermMs: 2500 },
        ...rest,
      });
    } finally {
      review.stop();
    }
  }
  return { cdp, azure, repository, store, workspace, original, jobMinuteMs, realMinutes, reviewer, upgrade };
}

export const jobResults = (run: Run) => Object.fromEntries(Object.entries(run.jobs).map(([id, j]) => [id, j.result]));
export const logOf = (run: Run, job: string) =>
  (run.jobs[job]?.steps ?? []).map((s) => [s.stdout, s.stderr, ...(s.steps ?? []).map((a) => `${a.stdout}\n${a.stderr}`)].join('\n')).join('\n');
export const summaryOf = (run: Run, job: string) => (run.jobs[job]?.steps ?? []).map((s) => s.summary ?? '').join('\n');

/** What the CDP emulator was asked to do, by operation. */
export function cdpCalls(cdp: Cdp) {
  const backups = cdp.requests.filter((r: { operation?: string; status?: number }) => r.operation === 'backupWorkspace' && r.status === 200).length;
  return { backups, restores: cdp.restores().length, deletes: cdp.deletes().length };
}

/** Prints the log of every job that did not succeed: what a failing test needs to say why. */
export function explain(run: Run) {
  for (const [id, job] of Object.entries(run.jobs))
    if (job.result === 'failure' || job.result === 'cancelled') console.log(`--- ${id}: ${job.result} ${job.notes.join('; ')}\n${logOf(run, id).slice(-4000)}`);
}
