import { ActionError, errorMessage, type Grace, type Logger } from '@ml-backup-actions/core';
import type { Juju } from '@ml-backup-actions/juju';
import type { DbReport } from './report.js';

/**
 * The scales this run changed, put back on every path out: after the backup, and from the run's
 * cleanup on errors, timeouts, SIGINT and SIGTERM. restore() is idempotent per application, does
 * not listen to the run's aborted signal, and restores all applications in parallel, each retried
 * within the run's grace (see putScaleBack).
 */
export class ScaleKeeper {
  private readonly restoring = new Map<string, Promise<void>>();
  /** Each changed application's record and the scale owed back. */
  private readonly changed = new Map<string, { report: DbReport; original: number }>();

  constructor(
    private readonly juju: Juju,
    private readonly log: Logger,
    private readonly restoreScale: boolean,
    private readonly grace: Grace,
  ) {}

  /** Scales the application up; from here on its original scale is owed back. */
  async scaleUp(report: DbReport, scales: { from: number; to: number }, wait: (app: string, n: number) => Promise<void>): Promise<void> {
    const app = report.application;
    const scale = scales.to;
    this.changed.set(app, { report, original: scales.from });
    report.backupScale = scale;
    this.log.info(`${app}: scaling from ${scales.from} to ${scale} units so that a secondary can take the backup`);
    await this.juju.scaleApplication(app, scale);
    await wait(app, scale);
  }

  /**
   * Keeps the application at its backup scale: a create-backup is still running on one of its
   * units, and scaling down could remove the unit that writes the backup. restore() then fails
   * with `why` and the command to run once the task has ended.
   */
  leaveUp(app: string, why: string): void {
    const changed = this.changed.get(app);
    if (!changed) return;
    const command = `juju scale-application -m ${this.juju.model} ${app} ${changed.original}`;
    changed.report.scaleRestored = 'left up';
    changed.report.scaleRestoreError = `${why}; scaling down could remove the unit that writes the backup. NOT PUT BACK; once the task has ended, run: ${command}`;
    this.log.warning(`${app}: left at ${changed.report.backupScale} units: ${changed.report.scaleRestoreError}`);
  }

  /** Puts one application's original scale back, once. */
  restore(app: string): Promise<void> {
    const changed = this.changed.get(app);
    if (!changed) return Promise.resolve();
    if (changed.report.scaleRestored === 'left up') return Promise.reject(new ActionError(`${app}: ${changed.report.scaleRestoreError ?? 'left up'}`));
    if (!this.restoreScale) {
      changed.report.scaleRestored = 'left as asked';
      return Promise.resolve();
    }
    let done = this.restoring.get(app);
    if (!done) {
      done = this.scaleBack(changed.report, changed.original);
      this.restoring.set(app, done);
    }
    return done;
  }

  /** Every changed application at once (for the cleanup); throws naming each that failed. */
  async restoreAll(): Promise<void> {
    const apps = [...this.changed.keys()];
    const results = await Promise.allSettled(apps.map((a) => this.restore(a)));
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [errorMessage(r.reason)] : []));
    if (failed.length) throw new ActionError(failed.join('; '));
  }

  private async scaleBack(report: DbReport, scale: number): Promise<void> {
    const app = report.application;
    try {
      await this.juju.putScaleBack(app, scale, this.grace.budget());
      report.scaleRestored = 'restored';
      this.log.info(`${app}: scaled back to ${scale}`);
    } catch (err) {
      report.scaleRestored = 'failed';
      report.scaleRestoreError = errorMessage(err);
      throw err;
    }
  }
}
