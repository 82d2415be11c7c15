import { ActionError, formatDuration, runProcess, throwIfAborted, type Logger } from '@ml-backup-actions/core';
import { JujuError, classify, jujuMessage, type JujuProblem } from './errors.js';
import { type BackupEntry, type ClusterStatus, parseBackupsTable, parseClusterStatus } from './mysql.js';
import { applicationOfUnit, checkApplicationName, checkUnitName } from './names.js';
import { type RunActionOptions, runAction, showTask, waitForTask } from './run-action.js';
import { parseStatus } from './status.js';
import { type ActionSpec, type ActionTask, parseActionSchemas } from './tasks.js';
import type { ApplicationScale, ApplicationStatus, JujuStatus } from './types.js';
import { byUnitNumber, isDying } from './units.js';
import { waitForUnits, type WaitForUnitsOptions } from './wait.js';

export interface JujuOptions {
  /** The model every command targets (-m): "kubeflow", "admin/kubeflow" or "controller:kubeflow". */
  model: string;
  log: Logger;
  /** Aborting stops the running juju child and any wait. */
  signal?: AbortSignal;
  binary?: string;
  /** The environment juju runs with (JUJU_DATA and PATH matter); process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** How long one juju command may take before it is abandoned; 2 minutes by default. */
  callTimeoutMs?: number;
}

export interface CallOptions {
  /** Add -m <model> (true for every model command). */
  model?: boolean;
  /** This call's own limit, instead of callTimeoutMs. */
  timeoutMs?: number;
  /** The application or unit the call is about, named in not-found errors. */
  subject?: string;
}

export interface JujuCall {
  stdout: string;
  stderr: string;
}

/** A juju invocation that ran to its end, whatever its exit code. */
export interface JujuExit extends JujuCall {
  code: number | null;
}

/**
 * The juju CLI, run with argument arrays only. Every failure becomes a JujuError that says what
 * failed, where, and what to check. `call` and `callJson` run any subcommand, so further commands
 * (juju run for the mysql-k8s actions) are added as methods on top of them.
 */
export class Juju {
  readonly model: string;
  readonly binary: string;
  readonly log: Logger;
  readonly signal?: AbortSignal;
  private readonly env?: NodeJS.ProcessEnv;
  private readonly callTimeoutMs: number;

  constructor(private readonly options: JujuOptions) {
    this.model = options.model;
    this.binary = options.binary ?? 'juju';
    this.log = options.log;
    this.signal = options.signal;
    this.env = options.env;
    this.callTimeoutMs = options.callTimeoutMs ?? 120_000;
  }

  /**
   * The same client with some options changed, e.g. for a cleanup that must not listen to the
   * run's aborted signal and must finish quickly: juju.with({ signal: undefined, callTimeoutMs: 6000 }).
   */
  with(overrides: Partial<JujuOptions>): Juju {
    return new Juju({ ...this.options, ...overrides });
  }

  /** Runs `juju <command> [-m <model>] <args...>`; resolves when it exits 0. */
  async call(command: string, args: readonly string[] = [], options: CallOptions = {}): Promise<JujuCall> {
    const { code, stdout, stderr } = await this.exec(command, args, options);
    if (code !== 0) throw this.failure(command, stderr, code, options.subject);
    return { stdout, stderr };
  }

  /**
   * Like call(), but resolves with the exit code instead of failing on a non-zero one (juju run
   * prints results and exits 1 when a task's return code is 1 or more). It still fails when juju
   * is missing, does not finish within the limit, or the client's signal aborts.
   */
  async exec(command: string, args: readonly string[] = [], options: CallOptions = {}): Promise<JujuExit> {
    throwIfAborted(this.signal);
    const argv = [command, ...(options.model === false ? [] : ['-m', this.model]), ...args];
    const limitMs = options.timeoutMs ?? this.callTimeoutMs;
    const deadline = AbortSignal.timeout(Math.max(1, limitMs));
    const signal = this.signal ? AbortSignal.any([this.signal, deadline]) : deadline;
    const stdout: string[] = [];
    const stderr: string[] = [];
    let result;
    try {
      result = await runProcess(this.binary, argv, {
        env: this.env,
        signal,
        killGraceMs: 2000,
        log: this.log,
        onStdoutLine: (l) => stdout.push(l),
        onStderrLine: (l) => stderr.push(l),
      });
    } catch (err) {
      if (err instanceof ActionError && /not found on PATH/.test(err.message)) {
        throw new JujuError('not-installed', `${this.binary} was not found on PATH: install the Juju client (snap install juju) and log in to the controller before this step`);
      }
      throw err;
    }
    const out = { stdout: stdout.join('\n'), stderr: stderr.join('\n') };
    if (result.aborted) {
      throwIfAborted(this.signal);
      throw new JujuError('timeout', `juju ${command} did not finish within ${formatDuration(limitMs / 1000)}; the controller may be overloaded or unreachable`, out.stderr);
    }
    for (const line of stderr) if (line.trim()) this.log.debug(`juju ${command}: ${line}`);
    return { ...out, code: result.code };
  }

  /** call() with --format json, parsed. */
  async callJson(command: string, args: readonly string[] = [], options: CallOptions = {}): Promise<unknown> {
    const { stdout } = await this.call(command, ['--format', 'json', ...args], options);
    try {
      return JSON.parse(stdout);
    } catch {
      throw new JujuError('unexpected-output', `juju ${command} printed something that is not JSON: ${stdout.slice(0, 200)}`);
    }
  }

  /** The client's version, e.g. "3.6.1-genericlinux-amd64". */
  async version(): Promise<string> {
    const { stdout } = await this.call('version', [], { model: false });
    return stdout.trim();
  }

  /** `juju status --format json [apps...]`; each named application must be in the model. */
  async status(apps: readonly string[] = [], options: CallOptions = {}): Promise<JujuStatus> {
    apps.forEach(checkApplicationName);
    const status = parseStatus(await this.callJson('status', apps, options));
    // A selector that matches nothing is not an error for juju: the output just lacks it.
    for (const app of apps) if (!status.applications[app]) throw this.notFound(app);
    return status;
  }

  /** One application's status (its related applications are left out). */
  async application(app: string, options: CallOptions = {}): Promise<ApplicationStatus> {
    const status = await this.status([app], options);
    return status.applications[app];
  }

  /** The desired scale as juju reports it, and the units listed now. */
  async applicationScale(app: string): Promise<ApplicationScale> {
    const a = await this.application(app);
    const units = Object.keys(a.units).sort(byUnitNumber);
    return { scale: a.scale, units, dying: units.filter((u) => isDying(a.units[u])) };
  }

  /** Sets the desired scale; juju returns at once and the units follow (see waitForUnits). */
  async scaleApplication(app: string, scale: number): Promise<void> {
    checkApplicationName(app);
    if (!Number.isInteger(scale) || scale < 0) throw new ActionError(`cannot scale ${app} to ${scale}: the scale must be a whole number, 0 or more`);
    this.log.info(`scaling ${app} in model ${this.model} to ${scale} unit${scale === 1 ? '' : 's'}`);
    await this.call('scale-application', [app, String(scale)], { subject: app });
  }

  /**
   * Waits until the application has exactly `count` units listed and none dying (for 0: until no
   * unit is listed), and by default until they are active; prints a progress line naming the
   * units and their states every progressEveryMs. Resolves with the last status.
   */
  waitForUnits(app: string, count: number, options: WaitForUnitsOptions): Promise<ApplicationStatus> {
    checkApplicationName(app);
    return waitForUnits(this, app, count, options);
  }

  /**
   * Runs a charm action on a unit ("app/N" or "app/leader") and waits for it, never relying on
   * juju's 60 s default wait: by default `juju run --background`, then `juju show-task` until the
   * task is done or options.waitMs has passed (progress lines meanwhile). If a wait runs out the
   * same task is polled, never run again. Resolves with the task when it completed with return
   * code 0; a task the charm failed (status failed, which juju reports with exit 0), one in status
   * error or cancelled, or one with a return code throws ActionFailedError naming the unit, the
   * action and the charm's message; a wait that runs out throws ActionTimeoutError with the task id.
   * Parameters go to juju's argv as key=value: never pass secrets.
   */
  runAction(unit: string, action: string, params: Readonly<Record<string, unknown>> = {}, options: RunActionOptions = { waitMs: 10 * 60_000 }): Promise<ActionTask> {
    return runAction(this, unit, action, params, options);
  }

  /**
   * Keeps polling a task already started (e.g. the taskId of an ActionTimeoutError) until it is
   * done; resolves with it whatever its final status (check succeeded()), throws ActionTimeoutError.
   */
  waitForTask(taskId: string, options: Omit<RunActionOptions, 'mode' | 'cliWaitMs' | 'onTask'>): Promise<ActionTask> {
    return waitForTask(this, taskId, `task ${taskId}`, options);
  }

  /** `juju show-task <id> --format json`: the task now, or once done if waitMs is given (juju's --wait). */
  showTask(taskId: string, options: { waitMs?: number } = {}): Promise<ActionTask> {
    return showTask(this, taskId, options);
  }

  /** The actions the application's charm declares, with their parameters (`juju actions --schema`). */
  async actionSchema(app: string): Promise<Record<string, ActionSpec>> {
    checkApplicationName(app);
    return parseActionSchemas(await this.callJson('actions', [app, '--schema'], { subject: app }));
  }

  /** mysql-k8s get-cluster-status on the unit: members with role and state, and the primary. */
  async clusterStatus(unit: string, options: Partial<RunActionOptions> = {}): Promise<ClusterStatus> {
    checkUnitName(unit);
    const task = await this.runAction(unit, 'get-cluster-status', {}, { waitMs: 5 * 60_000, ...options });
    return parseClusterStatus(task.results, applicationOfUnit(unit));
  }

  /** mysql-k8s list-backups on the unit: every backup in the S3 path with its status. */
  async listBackups(unit: string, options: Partial<RunActionOptions> = {}): Promise<BackupEntry[]> {
    checkUnitName(unit);
    const task = await this.runAction(unit, 'list-backups', {}, { waitMs: 5 * 60_000, ...options });
    const table = task.results.backups;
    if (typeof table !== 'string') throw new JujuError('unexpected-output', `list-backups on ${unit} returned no backups table (task ${task.id})`);
    return parseBackupsTable(table);
  }

  private notFound(app: string): JujuError {
    return new JujuError('application-not-found', `application "${app}" was not found in model "${this.model}"; check the name against "juju status -m ${this.model}"`);
  }

  /** The JujuError for a juju command that exited non-zero, worded for the job log. */
  failure(command: string, stderr: string, code: number | null, subject?: string): JujuError {
    const problem: JujuProblem = classify(stderr);
    const said = jujuMessage(stderr);
    const where = `juju ${command} on model "${this.model}"`;
    const messages: Record<JujuProblem, () => string> = {
      unreachable: () => `could not reach the Juju controller (${where}: ${said}); check the network path to the controller and that the runner's JUJU_DATA holds a working login`,
      'no-controller': () => `juju has no controller to talk to (${said}); log in first (juju login or juju register) with JUJU_DATA pointing at the credentials`,
      'model-not-found': () => `model "${this.model}" was not found on the controller (${said}); check the model name, "juju models" lists them`,
      'application-not-found': () => `application "${subject ?? '?'}" was not found in model "${this.model}" (${said})`,
      'unit-not-found': () => `unit "${subject ?? '?'}" was not found in model "${this.model}" (${said})`,
      usage: () => `${where} rejected its arguments (${said}); this juju version may not support what the action needs`,
      'not-installed': () => said,
      timeout: () => said,
      'unexpected-output': () => said,
      'action-failed': () => said,
      failed: () => `${where} failed (exit ${code}): ${said}`,
    };
    return new JujuError(problem, messages[problem](), stderr, code);
  }
}
