import { ActionError, errorMessage, type Logger } from '@ml-backup-actions/core';
import type { Juju } from '@ml-backup-actions/juju';
import type { BackupReport } from './report.js';

/** A cleanup must finish inside the runner's grace period after a cancel (7.5 s, then 2.5 s). */
const RESTORE_CALL_MS = 6000;

/**
 * The runbook's `juju scale-application kfp-metadata-writer 0` ... `1`, except that the scale put
 * back is the one read before, and that it is put back on every path out: success, error, timeout
 * and cancellation (resume is idempotent and does not listen to the run's aborted signal).
 */
export class WriterPause {
  private resumed?: Promise<void>;

  constructor(
    private readonly juju: Juju,
    private readonly app: string,
    private readonly report: BackupReport,
    private readonly log: Logger,
  ) {}

  /** Scales the writer to 0 and waits until its units are gone. */
  async pause(options: { timeoutMs: number; progressEveryMs: number }): Promise<void> {
    const scale = this.report.writer.originalScale;
    if (scale === undefined) throw new Error('the writer scale was not read');
    if (scale === 0) {
      this.log.warning(`${this.app} is already at scale 0; it is left there`);
      return;
    }
    this.report.writer.pausedAt = new Date();
    this.log.info(`scaling ${this.app} from ${scale} to 0`);
    await this.juju.scaleApplication(this.app, 0);
    await this.juju.waitForUnits(this.app, 0, { ...options, intervalMs: 250 });
    this.log.info(`${this.app} has no units left`);
  }

  /** Puts the original scale back, once; safe to call from any cleanup. */
  resume(): Promise<void> {
    if (!this.report.writer.pausedAt) return Promise.resolve();
    this.resumed ??= this.scaleBack();
    return this.resumed;
  }

  private async scaleBack(): Promise<void> {
    const scale = this.report.writer.originalScale!;
    const juju = this.juju.with({ signal: undefined, callTimeoutMs: RESTORE_CALL_MS });
    try {
      await juju.scaleApplication(this.app, scale);
      this.report.writer.resumedAt = new Date();
      this.report.writer.restore = 'restored';
      this.log.info(`scaled ${this.app} back to ${scale}`);
    } catch (err) {
      this.report.writer.restore = 'failed';
      this.report.writer.restoreError = errorMessage(err);
      throw new ActionError(
        `could not scale ${this.app} back to ${scale}: ${errorMessage(err)}. ` +
          `Run: juju scale-application -m ${this.juju.model} ${this.app} ${scale}`,
      );
    }
  }
}
