import { elapsedSeconds, endedAs, formatBytes, formatDuration, JobSummary, statusLine } from '@ml-backup-actions/core';
import type { RestoreMlmdConfig } from './config.js';
import { pausedSeconds, type RestoreReport, type SwapState } from './report.js';

const SWAP: Record<SwapState, string> = {
  untouched: 'nothing in the pod was changed',
  stopped: 'mlmd was stopped; the live file was not replaced',
  pushing: 'the push of the restored file had started (the live file is the old or the restored one)',
  restored: 'the restored database is in place, read back and served',
  'rolled back': 'failed after the stop: the old database is back in place and mlmd was started',
  'rollback failed': 'failed after the stop, and putting the old database back failed too',
};

export function renderSummary(config: RestoreMlmdConfig, report: RestoreReport): JobSummary {
  const now = report.finishedAt ?? new Date();
  const summary = new JobSummary(`restore-mlmd: ${endedAs(report.status, config.dryRun)}`);
  const { writer, source } = report;
  const rows: [string, string | number][] = [
    ['Database', `${config.namespace}/${report.pod ?? config.pod}${report.container ? ` container ${report.container}` : ''}: ${config.dbPath}`],
    ['Status', statusLine(report)],
    ['Restore id', config.restoreId],
  ];
  if (source) rows.push(['Backup', `${source.objectUrl} (${source.format}, ${formatBytes(source.bytes)}, sha256 ${source.sha256}; ${source.from})`]);
  if (report.liveSchemaVersion !== undefined) rows.push(['Schema version', `live ${report.liveSchemaVersion}, backup ${source?.schemaVersion ?? '?'}`]);
  if (report.restored) {
    rows.push([
      'Checked',
      `built ${formatBytes(report.restored.bytes)}, sha256 ${report.restored.sha256}; integrity ${report.restored.integrity}; ${report.restored.rows} rows in ${report.restored.tables} tables as recorded`,
    ]);
  }
  if (report.safety)
    rows.push(['Safety copy', `${report.safety.url} (the live database before: sha256 ${report.safety.dbSha256}, ${formatBytes(report.safety.dbBytes)})`]);
  rows.push(['Swap', SWAP[report.swap] + (report.rollbackError ? `: ${report.rollbackError}` : '')]);
  if (report.serviceDownSeconds !== undefined) rows.push(['mlmd down', `${report.serviceDownSeconds} s`]);
  if (writer.pausedAt) {
    const back =
      writer.scaleRestored === 'restored'
        ? `back to ${writer.originalScale}`
        : `NOT restored: ${writer.scaleRestoreError ?? 'not yet'}; run juju scale-application -m ${config.jujuModel} ${writer.application} ${writer.originalScale}`;
    rows.push(['Writer', `${writer.application} scaled ${writer.originalScale} -> 0 for ${pausedSeconds(report, now)} s, ${back}`]);
  } else if (writer.originalScale !== undefined) {
    rows.push(['Writer', `${writer.application} at scale ${writer.originalScale}, not touched`]);
  }
  rows.push(['Duration', formatDuration(elapsedSeconds(report))]);
  summary.keyValues(rows);
  if (report.safety && report.swap === 'restored') {
    summary.paragraph(`To undo this restore, run restore-mlmd with object-url: ${report.safety.url}`);
  }
  return summary;
}
