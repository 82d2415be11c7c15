import { newReport, type Report } from '@ml-backup-actions/core';

/** The restore as it goes: what the summary and the outputs report. */
export interface RestoreState {
  backupCrn?: string;
  workspaceName?: string;
  environmentName?: string;
  workspaceCrn?: string;
  /** started: this run sent restoreWorkspace; attached: it follows one started before (a rerun, a lost answer, workspace-crn). */
  how?: 'started' | 'attached';
  why?: string;
  instanceStatus?: string;
  instanceUrl?: string;
  version?: string;
  failureMessage?: string;
  warnings: string[];
  /** The request as sent (or, in a dry run, as it would be), secrets replaced. */
  request?: string;
}

export interface RestoreReport extends Report {
  restore: RestoreState;
}

export const newRestoreReport = (now = new Date()): RestoreReport => newReport({ restore: { warnings: [] as string[] } }, now);
