import { durationSeconds, endedAs, formatDuration, JobSummary, statusLine } from '@ml-backup-actions/core';
import { failedChecks } from '@ml-backup-actions/cml';
import type { DeleteCmlConfig } from './config.js';
import type { DeleteReport } from './report.js';

export function renderSummary(config: DeleteCmlConfig, report: DeleteReport): JobSummary {
  const d = report.delete;
  const summary = new JobSummary(`delete-cml (${config.role}): ${d.deleted ? 'deleted' : endedAs(report.status, config.dryRun)}`);
  const rows: [string, string][] = [
    ['Workspace', `${d.workspaceName ?? ''} ${config.workspaceCrn}`.trim()],
    ['Found', d.foundStatus ?? '-'],
    ['Proof', `${d.proofName ?? ''} ${config.proofWorkspaceCrn}`.trim()],
    ['Status', statusLine(report)],
    ['Deleted', d.deleted ? 'yes (NOT_FOUND twice, not listed)' : 'no'],
    ['Storage', config.removeStorage ? (d.deleted ? 'removed' : 'to be removed') : kept(d.cloud, d.filesystemId)],
    ['Duration', formatDuration(durationSeconds(report))],
  ];
  if (d.sent?.force) rows.push(['Force', 'yes: CDP does not guarantee the cleanup of its cloud resources']);
  if (d.refused) rows.push(['Refused', d.refused]);
  if (d.failureMessage) rows.push(['CDP failure message', d.failureMessage]);
  summary.keyValues(rows);
  const failed = failedChecks(d.proofChecks);
  if (failed.length)
    summary.paragraph('The proof failed:').table(
      ['Check', 'Expected', 'Found'],
      failed.map((c) => [c.name, c.expected, c.found]),
    );
  return summary;
}

function kept(cloud: 'AWS' | 'AZURE' | undefined, id: string | undefined): string {
  if (!id) return 'kept';
  // On Azure the NFS is the customer's, and the restored workspaces run on it.
  return cloud === 'AZURE'
    ? `kept: ${id}, the NFS the restored workspaces run on (never remove it for the upgrade)`
    : `kept: ${id} (remove it later, once nothing uses it)`;
}

export { durationSeconds };
