import type { KillTimings } from './process.js';
import type { Repository } from './repository.js';

export type Conclusion = 'success' | 'failure' | 'cancelled' | 'skipped';

export interface StepResult {
  /** The step's id, or the runner's generated one (__run, __run_2, __actions_checkout, ...). */
  id: string;
  name: string;
  uses?: string;
  outcome: Conclusion;
  /** The outcome after continue-on-error. */
  conclusion: Conclusion;
  outputs: Record<string, string>;
  stdout: string;
  stderr: string;
  summary: string;
  /** What the harness did instead of the runner: remote action not run, timeout, expression error, ... */
  notes: string[];
  /** A local action's own steps. */
  steps?: StepResult[];
  /** Signals sent to the step's process on timeout or cancellation. */
  signals?: string[];
  seconds: number;
}

export interface JobResult {
  result: Conclusion;
  outputs: Record<string, string>;
  steps: StepResult[];
  summary: string;
  notes: string[];
  /** A job that calls a reusable workflow: that workflow's run. */
  called?: WorkflowResult;
}

export interface WorkflowResult {
  result: 'success' | 'failure' | 'cancelled';
  /** The inputs context the run had. */
  inputs: Record<string, string | number | boolean>;
  jobs: Record<string, JobResult>;
  /** Job ids in the order they were considered (run or skipped). */
  order: string[];
  /** The job summaries, in order. */
  summary: string;
}

export interface LogLine {
  job: string;
  /** The workflow step's id (for a local action, the step that uses it). */
  step: string;
  stepName: string;
  /** Inside a local action: the action's step. */
  actionStep?: string;
  stream: 'stdout' | 'stderr' | 'harness';
  line: string;
}

export interface StubCall {
  uses: string;
  inputs: Record<string, string>;
  env: Record<string, string>;
  /** The step's github and runner contexts (run_id, run_attempt, workspace; temp). */
  github: Record<string, unknown>;
  runner: Record<string, string>;
}

export interface StubResult {
  outputs?: Record<string, string>;
  /** Written to GITHUB_ENV. */
  env?: Record<string, string>;
  /** Added to GITHUB_PATH. */
  path?: string[];
  summary?: string;
  /** Fails the step (a string is the error message). */
  fail?: boolean | string;
}

/** Replaces an action (remote, or local to override it): called instead of running it. */
export type ActionStub = (call: StubCall) => StubResult | void | Promise<StubResult | void>;

export interface CancelWhen {
  job: string;
  /** A workflow step's id or name. */
  step: string;
  /** A line of the step's stdout or stderr (a string matches as a substring). */
  line: RegExp | string;
}

export interface RunWorkflowOptions {
  /** The workflow file (absolute, or relative to repoRoot). */
  workflow: string;
  /** The workflow's own repository: where `uses: $/...` resolves, and the default workspace. */
  repoRoot: string;
  /** GITHUB_WORKSPACE, the default working directory, and where `uses: ./...` resolves; repoRoot by default. */
  workspace?: string;
  /** The environment every process starts from (PATH, HOME, ...): nothing else is inherited. */
  env: Record<string, string | undefined>;
  /** github.event_name; workflow_dispatch by default. */
  event?: string;
  /** workflow_dispatch / workflow_call inputs; declared defaults fill the rest. */
  inputs?: Record<string, string | number | boolean>;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /** Overrides of the github context (run_id, run_attempt, repository, sha, ref, token, event, ...). */
  github?: Record<string, unknown>;
  /** Overrides of the runner context (os, arch, name, ...); temp and tool_cache are per job. */
  runner?: Record<string, string>;
  /** Stubs for actions, by `uses` with or without @ref: `actions/setup-node` or `actions/setup-node@v6`. */
  stubs?: Record<string, ActionStub>;
  /** Aborting it cancels the run, as the Cancel button does. */
  signal?: AbortSignal;
  /** Cancels the run when a step prints a matching line. */
  cancelWhen?: CancelWhen | CancelWhen[];
  onLog?: (line: LogLine) => void;
  /** The cancellation sequence's waits; the runner's by default. */
  killTimings?: Partial<KillTimings>;
  /**
   * How long a minute of a job's `timeout-minutes` (360 by default, GitHub-hosted runners' limit)
   * lasts here, in ms; 60,000 by default. A test scales it down to prove a hand-over at 6 hours;
   * a function scales only the jobs it names (the others keep real minutes, so a short job's
   * real start-up on a loaded machine never runs into a scaled limit).
   */
  jobMinuteMs?: number | ((job: string) => number);
  /** Holds RUNNER_TEMP etc.; a fresh directory, removed afterwards, by default. */
  tempDir?: string;
  /**
   * "Re-run failed jobs" of this earlier run: its failed and cancelled jobs and every job that
   * needs them run again; the others keep their result and outputs (set github.run_attempt too).
   */
  rerunFailedOf?: WorkflowResult;
  /**
   * The repository's concurrency groups and protected environments, shared by the runs of a test
   * that overlap (github.run_id tells them apart). Without it, concurrency: and environment: are
   * not emulated: nothing waits.
   */
  repository?: Repository;
  /**
   * Other repositories' checkouts, by "owner/repo@ref", for jobs that call their reusable
   * workflows (uses: owner/repo/.github/workflows/x.yml@ref).
   */
  remotes?: Record<string, string>;
}
