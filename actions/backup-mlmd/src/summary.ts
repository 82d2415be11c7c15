import { elapsedSeconds, endedAs, formatBytes, formatDuration, JobSummary, statusLine } from '@ml-backup-actions/core';
import type { BackupMlmdConfig } from './config.js';
import { pausedSeconds, type BackupReport } from './report.js';

export function renderSummary(config: BackupMlmdConfig, report: BackupReport): JobSummary {
  const now = report.finishedAt ?? new Date();
  const summary = new JobSummary(`backup-mlmd: ${endedAs(report.status, config.dryRun)}`);
  const { writer } = report;
  const rows: [string, string | number][] = [
    ['Database', `${config.namespace}/${report.pod ?? config.pod}${report.container ? ` container ${report.container}` : ''}: ${config.dbPath}`],
    ['Status', statusLine(report)],
    ['Backup id', config.backupId],
    ['Format', config.format],
  ];
  if (report.workloads) rows.push(['Running workloads', report.workloads]);
  if (writer.pausedAt) {
    const back =
      writer.restore === 'failed'
        ? `NOT restored: ${writer.restoreError ?? 'unknown error'}; run juju scale-application -m ${config.jujuModel} ${writer.application} ${writer.originalScale}`
        : `back to ${writer.originalScale}`;
    rows.push(['Writer', `${writer.application} scaled ${writer.originalScale} -> 0 for ${pausedSeconds(report, now)} s, ${back}`]);
  } else if (writer.originalScale !== undefined) {
    rows.push(['Writer', `${writer.application} at scale ${writer.originalScale}, not touched`]);
  }
  for (const f of report.files) rows.push([`Taken: ${f.path}`, `${formatBytes(f.bytes)}, sha256 ${f.sha256}`]);
  if (report.check) {
    const counts = Object.values(report.check.rowCounts).reduce((a, b) => a + b, 0);
    rows.push([
      'Check',
      `integrity ${report.check.integrity}, schema version ${report.check.schemaVersion}, ${counts} rows in ${Object.keys(report.check.rowCounts).length} tables`,
    ]);
  }
  if (report.object) rows.push(['Object', `${report.object.url} (${formatBytes(report.object.bytes)}, sha256 ${report.object.sha256})`]);
  if (report.sidecarUrl) rows.push(['Sidecar', report.sidecarUrl]);
  rows.push(['Duration', formatDuration(elapsedSeconds(report))]);
  summary.keyValues(rows);
  if (report.check) {
    summary.raw(
      `<details><summary>Row counts</summary>\n\n| table | rows |\n| --- | --- |\n` +
        Object.entries(report.check.rowCounts)
          .map(([t, n]) => `| ${t} | ${n} |`)
          .join('\n') +
        '\n</details>',
    );
  }
  return summary;
}

/** The step's outputs once the backup is stored. */
export function mlmdOutputs(config: BackupMlmdConfig, report: BackupReport) {
  const { object, sidecarUrl, files } = report;
  if (!object || !sidecarUrl || !files[0]) throw new Error('the outputs are set only once the object and its sidecar are stored');
  return {
    'object-url': object.url,
    'sidecar-url': sidecarUrl,
    sha256: object.sha256,
    'size-bytes': object.bytes,
    'db-size-bytes': files[0].bytes,
    format: config.format,
    'writer-paused-seconds': pausedSeconds(report),
    'backup-id': config.backupId,
  };
}
