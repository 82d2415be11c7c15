import { errorMessage, type Grace, type Logger } from '@ml-backup-actions/core';
import type { Juju } from '@ml-backup-actions/juju';

/** The writer as this run found and left it. */
export interface WriterState {
  application: string;
  originalScale?: number;
  pausedAt?: Date;
  resumedAt?: Date;
  /** How putting the scale back went, when it was taken down. */
  restore?: 'restored' | 'failed';
  restoreError?: string;
}

/**
 * The runbook's `juju scale-application kfp-metadata-writer 0` ... `1`, except that the scale put
 * back is the one read before, and that it is put back on every path out: success, error, timeout
 * and cancellation (resume is idempotent and does not listen to the run's aborted signal). A slow
 * or failing controller is waited for and tried again within the run's grace (see putScaleBack).
 */
export class WriterPause {
  private resumed?: Promise<void>;

  constructor(
    private readonly juju: Juju,
    readonly state: WriterState & { originalScale: number },
    private readonly log: Logger,
    private readonly grace: Grace,
  ) {}

  /** Scales the writer to 0 and waits until its units are gone. */
  async pause(options: { timeoutMs: number; progressEveryMs: number }): Promise<void> {
    const { application: app, originalScale: scale } = this.state;
    if (scale === 0) {
      this.log.warning(`${app} is already at scale 0; it is left there`);
      return;
    }
    this.state.pausedAt = new Date();
    this.log.info(`scaling ${app} from ${scale} to 0`);
    await this.juju.scaleApplication(app, 0);
    await this.juju.waitForUnits(app, 0, { ...options, intervalMs: 250 });
    this.log.info(`${app} has no units left`);
  }

  /** Puts the original scale back, once; safe to call from any cleanup. */
  resume(): Promise<void> {
    if (!this.state.pausedAt) return Promise.resolve();
    this.resumed ??= this.scaleBack();
    return this.resumed;
  }

  private async scaleBack(): Promise<void> {
    const { application: app, originalScale: scale } = this.state;
    try {
      await this.juju.putScaleBack(app, scale, this.grace.budget());
      this.state.resumedAt = new Date();
      this.state.restore = 'restored';
      this.log.info(`scaled ${app} back to ${scale}`);
    } catch (err) {
      this.state.restore = 'failed';
      this.state.restoreError = errorMessage(err);
      throw err;
    }
  }
}
