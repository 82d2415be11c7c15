import { newReport, type Report } from '@ml-backup-actions/core';
import type { Check } from '@ml-backup-actions/cml';

export interface DeleteState {
  workspaceName?: string;
  /** The target's status when the run found it; 'NOT_FOUND' when an earlier run had deleted it. */
  foundStatus?: string;
  proofName?: string;
  proofChecks: Check[];
  /** The proof's failed check (or the guard) that stopped the delete. */
  refused?: string;
  filesystemId?: string;
  cloud?: 'AWS' | 'AZURE';
  sent?: { force: boolean; removeStorage: boolean };
  deleted: boolean;
  failureMessage?: string;
}

export interface DeleteReport extends Report {
  delete: DeleteState;
}

export const newDeleteReport = (now = new Date()): DeleteReport => newReport({ delete: { proofChecks: [] as Check[], deleted: false } }, now);
