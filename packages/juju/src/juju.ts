import { ActionError, putBack, type Logger } from '@ml-backup-actions/core';
import { type RowCounts, CHECK_USER, charmPassword, countRows } from './charms/mysql-client.js';
import { type BackupEntry, type ClusterStatus, clusterStatus, listBackups } from './charms/mysql-k8s.js';
import { type CallOptions, type JujuCall, JujuCli, type JujuError, type JujuExit, type JujuOptions } from './cli.js';
import { checkApplicationName } from './names.js';
import { type RunActionOptions, runAction, showTask, waitForTask } from './run-action.js';
import { readApplication, readStatus } from './status.js';
import { type ActionSpec, type ActionTask, parseActionSchemas } from './tasks.js';
import type { ApplicationScale, ApplicationStatus, JujuStatus } from './types.js';
import { byUnitNumber, isDying } from './units.js';
import { waitForUnits, type WaitForUnitsOptions } from './wait.js';

/**
 * What the actions ask of Juju, on top of the CLI runner (cli.ts): status, scales, waits and charm
 * actions. `call` and `callJson` run any subcommand, so further commands are added on top of them.
 */
export class Juju {
  readonly cli: JujuCli;

  constructor(options: JujuOptions | JujuCli) {
    this.cli = options instanceof JujuCli ? options : new JujuCli(options);
  }

  get model(): string {
    return this.cli.model;
  }

  get log(): Logger {
    return this.cli.log;
  }

  get signal(): AbortSignal | undefined {
    return this.cli.signal;
  }

  /**
   * The same client with some options changed, e.g. for a cleanup that must not listen to the
   * run's aborted signal and must finish quickly: juju.with({ signal: undefined, callTimeoutMs: 6000 }).
   */
  with(overrides: Partial<JujuOptions>): Juju {
    return new Juju(this.cli.with(overrides));
  }

  call(command: string, args: readonly string[] = [], options: CallOptions = {}): Promise<JujuCall> {
    return this.cli.call(command, args, options);
  }

  exec(command: string, args: readonly string[] = [], options: CallOptions = {}): Promise<JujuExit> {
    return this.cli.exec(command, args, options);
  }

  callJson(command: string, args: readonly string[] = [], options: CallOptions = {}): Promise<unknown> {
    return this.cli.callJson(command, args, options);
  }

  failure(command: string, stderr: string, code: number | null, subject?: string): JujuError {
    return this.cli.failure(command, stderr, code, subject);
  }

  /** The client's version, e.g. "3.6.1-genericlinux-amd64". */
  async version(): Promise<string> {
    const { stdout } = await this.call('version', [], { model: false });
    return stdout.trim();
  }

  /** `juju status --format json [apps...]`; each named application must be in the model. */
  status(apps: readonly string[] = [], options: CallOptions = {}): Promise<JujuStatus> {
    return readStatus(this.cli, apps, options);
  }

  /** One application's status (its related applications are left out). */
  application(app: string, options: CallOptions = {}): Promise<ApplicationStatus> {
    return readApplication(this.cli, app, options);
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
   * Puts an application's scale back and proves it by reading the scale juju reports: a slow
   * controller is waited for and a failed call tried again with backoff, until `until` aborts (see
   * Grace); then a PutBackError names the command to run. Resolves with the attempts it took.
   */
  putScaleBack(app: string, scale: number, until: AbortSignal): Promise<number> {
    // The budget bounds each call (through the signal), not a fixed per-call limit.
    const within = (signal: AbortSignal) => this.with({ signal, callTimeoutMs: 60 * 60_000 });
    return putBack(
      {
        what: `scale ${app} back to ${scale}`,
        command: `juju scale-application -m ${this.model} ${app} ${scale}`,
        attempt: (signal) => within(signal).scaleApplication(app, scale),
        done: async (signal) => (await within(signal).application(app)).scale === scale,
      },
      { log: this.log, until, attemptMs: 20_000 },
    );
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
  runAction(
    unit: string,
    action: string,
    params: Readonly<Record<string, unknown>> = {},
    options: RunActionOptions = { waitMs: 10 * 60_000 },
  ): Promise<ActionTask> {
    return runAction(this.cli, unit, action, params, options);
  }

  /**
   * Keeps polling a task already started (e.g. the taskId of an ActionTimeoutError) until it is
   * done; resolves with it whatever its final status (check succeeded()), throws ActionTimeoutError.
   */
  waitForTask(taskId: string, options: Omit<RunActionOptions, 'mode' | 'cliWaitMs' | 'onTask'>): Promise<ActionTask> {
    return waitForTask(this.cli, taskId, `task ${taskId}`, options);
  }

  /** `juju show-task <id> --format json`: the task now, or once done if waitMs is given (juju's --wait). */
  showTask(taskId: string, options: { waitMs?: number } = {}): Promise<ActionTask> {
    return showTask(this.cli, taskId, options);
  }

  /** The actions the application's charm declares, with their parameters (`juju actions --schema`). */
  async actionSchema(app: string): Promise<Record<string, ActionSpec>> {
    checkApplicationName(app);
    return parseActionSchemas(await this.callJson('actions', [app, '--schema'], { subject: app }));
  }

  /** mysql-k8s get-cluster-status on the unit: members with role and state, and the primary. */
  clusterStatus(unit: string, options: Partial<RunActionOptions> = {}): Promise<ClusterStatus> {
    return clusterStatus(this.cli, unit, options);
  }

  /** mysql-k8s get-password for the user checks read as (serverconfig), masked at once. */
  checkPassword(unit: string, options: Partial<RunActionOptions> = {}): Promise<string> {
    return charmPassword(this.cli, unit, CHECK_USER, options);
  }

  /** COUNT(*) per table of the application databases, through the charm's mysql client on the unit. */
  countRows(unit: string, password: string): Promise<RowCounts> {
    return countRows(this.cli, unit, password);
  }

  /** mysql-k8s list-backups on the unit: every backup in the S3 path with its status. */
  listBackups(unit: string, options: Partial<RunActionOptions> = {}): Promise<BackupEntry[]> {
    return listBackups(this.cli, unit, options);
  }
}
