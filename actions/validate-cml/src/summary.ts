import { JobSummary, statusLine } from '@ml-backup-actions/core';
import { failedChecks, type Check } from '@ml-backup-actions/cml';
import type { ValidateCmlConfig } from './config.js';
import type { ValidationReport } from './report.js';

const RESULT = { pass: 'pass', fail: '**FAIL**', warn: 'warning' } as const;

export function renderSummary(config: ValidateCmlConfig, report: ValidationReport): JobSummary {
  const v = report.validation;
  const failed = failedChecks(v.checks);
  const validated = report.status === 'succeeded' && failed.length === 0;
  const summary = new JobSummary(`validate-cml: ${validated ? 'validated' : report.status === 'succeeded' ? 'failed' : report.status}`);
  summary.keyValues([
    ['Workspace', `${v.workspaceName ?? ''} ${config.workspaceCrn}`.trim()],
    ['URL', v.instanceUrl ?? '-'],
    ['Version', v.version ?? '-'],
    ['Status', statusLine(report, v.instanceStatus ? ` (CDP: ${v.instanceStatus})` : '')],
    ['Projects', v.projectsExpected === undefined ? '-' : `${v.projectsFound ?? '?'} found of ${v.projectsExpected} in the record`],
    ['Expected URL', config.expectUrl === 'same' ? "the original's (final restore)" : 'its own (interim)'],
  ]);
  if (failed.length)
    summary.paragraph(`**What differs** (${failed.length} of ${v.checks.length} checks failed):`).table(
      ['Check', 'Expected', 'Found'],
      failed.map((c) => [c.name, c.expected, c.found]),
    );
  if (v.checks.length)
    summary.paragraph('Every check:').table(
      ['Check', 'Result', 'Expected', 'Found'],
      v.checks.map((c) => [c.name, RESULT[c.result], c.expected, c.found]),
    );
  return summary;
}

/** The checks as a plain-text table for the log. */
export function checkTable(checks: readonly Check[]): string {
  const rows = [['check', 'expected', 'found'], ...checks.map((c) => [c.name, c.expected, c.found])];
  const widths = [0, 1].map((i) => Math.min(48, Math.max(...rows.map((r) => r[i].length))));
  return rows.map((r) => `${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2]}`).join('\n');
}
