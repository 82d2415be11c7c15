import { ActionError, errorMessage, type Logger } from '@ml-backup-actions/core';
import { type MlApi, waitForWorkspace } from '@ml-backup-actions/cdp';
import type { Suspended } from './report.js';

/** A cleanup must finish inside the runner's grace period after a cancel (7.5 s, then 2.5 s). */
const RESUME_CALL_MS = 6000;

/**
 * Azure: the runbook suspends the workspace before the backup. It stays suspended after a backup
 * that succeeded (the upgrade restores from it); on any other way out the workspace is resumed,
 * unless a backup of it is still running, which a resume would disturb.
 */
export class Suspension {
  /** Set once the workspace is being suspended: the report shows it. */
  state?: Suspended;
  private resumed?: Promise<void>;

  constructor(
    private readonly ml: MlApi,
    private readonly workspace: { crn: string; name: string },
    private readonly log: Logger,
  ) {}

  async suspend(
    options: { timeoutMs: number; progressEveryMs: number; intervalMs: number; signal: AbortSignal },
    onSuspending: (state: Suspended) => void,
  ): Promise<void> {
    const { crn, name } = this.workspace;
    this.log.info(`suspending workspace ${name} before the backup, as the runbook requires on Azure`);
    this.state = { at: new Date() };
    onSuspending(this.state);
    await this.ml.suspendWorkspace({ workspaceCrn: crn }, { signal: options.signal, attempts: 1 });
    await waitForWorkspace(this.ml, { workspaceCrn: crn }, { ...options, log: this.log, ready: ['suspend:finished'] });
    this.log.info('workspace suspended');
  }

  /** After a success: the workspace stays suspended for the restore. */
  keep(): void {
    if (this.state) this.state.outcome = 'left suspended';
  }

  /** After a failure or cancellation: resumes, once, unless the backup is still running. */
  undo(backupRunning: boolean): Promise<void> {
    const s = this.state;
    if (!s || s.outcome) return this.resumed ?? Promise.resolve();
    if (backupRunning) {
      s.outcome = 'left suspended';
      s.detail = `a backup is still running; resume it afterwards: cdp ml resume-workspace --workspace-crn ${this.workspace.crn}`;
      this.log.warning(`workspace left suspended: ${s.detail}`);
      return Promise.resolve();
    }
    this.resumed ??= this.resume(s);
    return this.resumed;
  }

  private async resume(s: Suspended): Promise<void> {
    const { crn } = this.workspace;
    try {
      await this.ml.resumeWorkspace({ workspaceCrn: crn }, { timeoutMs: RESUME_CALL_MS, attempts: 1 });
      s.outcome = 'resumed';
      this.log.info('workspace resume requested (it was suspended by this run)');
    } catch (err) {
      s.outcome = 'resume failed';
      s.detail = errorMessage(err);
      throw new ActionError(`could not resume workspace ${crn}: ${errorMessage(err)}. Run: cdp ml resume-workspace --workspace-crn ${crn}`);
    }
  }
}
