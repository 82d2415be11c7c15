import { ActionError, errorMessage, type Grace, type Logger } from '@ml-backup-actions/core';
import type { Juju } from './juju.js';

/** What the keeper writes back to the caller's record of an application. */
export interface ScaleRecord {
  application: string;
  scaleRestored?: 'restored' | 'not needed' | 'left as asked' | 'left up' | 'failed';
  scaleRestoreError?: string;
}

/**
 * The scales a run changed, put back on every path out: after the work, and from the run's
 * cleanup on errors, timeouts, SIGINT and SIGTERM. restore() is idempotent per application, does
 * not listen to the run's aborted signal, and restores all applications in parallel, each retried
 * within the run's grace (see Juju.putScaleBack).
 */
export class ScaleKeeper {
  private readonly restoring = new Map<string, Promise<void>>();
  /** Each changed application's record, the scale owed back and the one it was changed to. */
  private readonly changed = new Map<string, { record: ScaleRecord; original: number; to: number }>();

  constructor(
    private readonly juju: Juju,
    private readonly log: Logger,
    private readonly restoreScale: boolean,
    private readonly grace: Grace,
  ) {}

  /** Scales the application to `to`; from here on its original scale is owed back. */
  async change(record: ScaleRecord, scales: { from: number; to: number }, why: string, wait: (app: string, n: number) => Promise<void>): Promise<void> {
    const app = record.application;
    this.changed.set(app, { record, original: scales.from, to: scales.to });
    this.log.info(`${app}: scaling from ${scales.from} to ${scales.to} units ${why}`);
    await this.juju.scaleApplication(app, scales.to);
    await wait(app, scales.to);
  }

  /**
   * Keeps the application at the scale it was changed to, because putting it back now could do
   * harm (`why`, `harm`): restore() then fails with them and the command to run later.
   */
  leave(app: string, why: string, harm: string, when: string): void {
    const changed = this.changed.get(app);
    if (!changed) return;
    const command = `juju scale-application -m ${this.juju.model} ${app} ${changed.original}`;
    changed.record.scaleRestored = 'left up';
    changed.record.scaleRestoreError = `${why}; ${harm}. NOT PUT BACK; ${when}, run: ${command}`;
    this.log.warning(`${app}: left at ${changed.to} units: ${changed.record.scaleRestoreError}`);
  }

  /** Puts one application's original scale back, once. */
  restore(app: string): Promise<void> {
    const changed = this.changed.get(app);
    if (!changed) return Promise.resolve();
    const { record } = changed;
    if (record.scaleRestored === 'left up') return Promise.reject(new ActionError(`${app}: ${record.scaleRestoreError ?? 'left up'}`));
    if (!this.restoreScale) {
      record.scaleRestored = 'left as asked';
      return Promise.resolve();
    }
    let done = this.restoring.get(app);
    if (!done) {
      done = this.scaleBack(record, changed.original);
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

  private async scaleBack(record: ScaleRecord, scale: number): Promise<void> {
    const app = record.application;
    try {
      await this.juju.putScaleBack(app, scale, this.grace.budget());
      record.scaleRestored = 'restored';
      this.log.info(`${app}: scaled back to ${scale}`);
    } catch (err) {
      record.scaleRestored = 'failed';
      record.scaleRestoreError = errorMessage(err);
      throw err;
    }
  }
}
