import { newReport, type Report } from '@ml-backup-actions/core';

/** One comparison: pass, fail (the step fails), or warn (shown, the step passes). */
export interface Check {
  name: string;
  result: 'pass' | 'fail' | 'warn';
  expected: string;
  found: string;
}

export interface MissingProject {
  id: string;
  name: string;
  owner: string;
}

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

export const failedChecks = (v: ValidationState): Check[] => v.checks.filter((c) => c.result === 'fail');
