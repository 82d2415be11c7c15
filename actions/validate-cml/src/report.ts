import { newReport, type Report } from '@ml-backup-actions/core';
import type { Check, MissingProject } from '@ml-backup-actions/cml';

export interface ValidationState {
  workspaceName?: string;
  instanceUrl?: string;
  version?: string;
  instanceStatus?: string;
  checks: Check[];
  projectsExpected?: number;
  projectsFound?: number;
  missingProjects: MissingProject[];
  /** Which key the workspace's API accepted: cml-api-key or original-cml-api-key. */
  keyUsed?: string;
}

export interface ValidationReport extends Report {
  validation: ValidationState;
}

export const newValidationReport = (now = new Date()): ValidationReport =>
  newReport({ validation: { checks: [] as Check[], missingProjects: [] as MissingProject[] } }, now);
