import { ActionError, errorMessage, type Logger } from '@ml-backup-actions/core';
import { type MlApi, waitForWorkspace } from '@ml-backup-actions/cdp';
import type { CmlReport } from './report.js';

/** A cleanup must finish inside the runner's grace period after a cancel (7.5 s, then 2.5 s). */
const RESUME_CALL_MS = 6000;

/**
 * Azure: the runbook suspends the workspace before the backup. It stays suspended after a backup
 * that succeeded (the upgrade restores from it); on any other way out the workspace is resumed,
 * unless a backup of it is still running, which a resume would disturb.
 */
export class Suspension {
  private resumed?: Promise<void>;

  constructor(
    private readonly ml: MlApi,
    private readonly crn: string,
    private readonly report: CmlReport,
    private readonly log: Logger,
  ) {}

  async suspend(options: { timeoutMs: number; progressEveryMs: number; intervalMs: number; signal: AbortSignal }): Promise<void> {
    this.log.info(`suspending workspace ${this.report.workspace?.name} before the backup, as the runbook requires on Azure`);
    this.report.suspend = { at: new Date() };
    await this.ml.suspendWorkspace({ workspaceCrn: this.crn }, { signal: options.signal, attempts: 1 });
    await waitForWorkspace(this.ml, { workspaceCrn: this.crn }, { ...options, log: this.log, ready: ['suspend:finished'] });
    this.log.info('workspace suspended');
  }

  /** After a failure or cancellation: resumes, once, unless the backup is still running. */
  undo(backupRunning: boolean): Promise<void> {
    const s = this.report.suspend;
    if (!s || s.outcome) return this.resumed ?? Promise.resolve();
    if (backupRunning) {
      s.outcome = 'left suspended';
      s.detail = `a backup is still running; resume it afterwards: cdp ml resume-workspace --workspace-crn ${this.crn}`;
      this.log.warning(`workspace left suspended: ${s.detail}`);
      return Promise.resolve();
    }
    this.resumed ??= this.resume();
    return this.resumed;
  }

  private async resume(): Promise<void> {
    const s = this.report.suspend!;
    try {
      await this.ml.resumeWorkspace({ workspaceCrn: this.crn }, { timeoutMs: RESUME_CALL_MS, attempts: 1 });
      s.outcome = 'resumed';
      this.log.info('workspace resume requested (it was suspended by this run)');
    } catch (err) {
      s.outcome = 'resume failed';
      s.detail = errorMessage(err);
      throw new ActionError(`could not resume workspace ${this.crn}: ${errorMessage(err)}. Run: cdp ml resume-workspace --workspace-crn ${this.crn}`);
    }
  }
}
