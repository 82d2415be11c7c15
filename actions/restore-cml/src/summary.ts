import { durationSeconds, endedAs, formatDuration, JobSummary, statusLine } from '@ml-backup-actions/core';
import type { RestoreCmlConfig } from './config.js';
import type { RestoreReport } from './report.js';

export function renderSummary(config: RestoreCmlConfig, report: RestoreReport): JobSummary {
  const r = report.restore;
  const summary = new JobSummary(`restore-cml: ${endedAs(report.status, config.dryRun)}`);
  const rows: [string, string][] = [
    ['Workspace', r.workspaceCrn ? `${r.workspaceName ?? ''} ${r.workspaceCrn}`.trim() : (r.workspaceName ?? config.workspaceName) || '-'],
    ['Environment', r.environmentName ?? '-'],
    ['Backup', r.backupCrn ?? '-'],
    ['Status', statusLine(report, r.instanceStatus ? ` (CDP: ${r.instanceStatus})` : '')],
    ['Duration', formatDuration(durationSeconds(report))],
  ];
  if (r.how) rows.push(['Restore', r.how === 'started' ? 'started by this run' : `followed, not started: ${r.why ?? 'started before'}`]);
  if (r.instanceUrl) rows.push(['URL', r.instanceUrl]);
  if (r.version) rows.push(['Version', r.version]);
  if (r.failureMessage) rows.push(['CDP failure message', r.failureMessage]);
  if (config.useStaticSubdomain) rows.push(['Static subdomain', "yes: the original's URL"]);
  summary.keyValues(rows);
  if (r.request && config.dryRun) summary.paragraph('The request that would be sent (restoreWorkspace):').raw(`\`\`\`json\n${r.request}\n\`\`\``);
  return summary;
}

export { durationSeconds };
