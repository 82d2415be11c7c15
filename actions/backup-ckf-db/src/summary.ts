import { endedAs, FAILED, formatDuration, JobSummary } from '@ml-backup-actions/core';
import type { BackupCkfDbConfig } from './config.js';
import { type CkfDbReport, type DbReport, seconds } from './report.js';

export function renderSummary(config: BackupCkfDbConfig, run: CkfDbReport): JobSummary {
  const now = run.finishedAt ?? new Date();
  // A database whose backup never got to an end (the run failed around it) ends as the run did.
  const reports = run.databases.map((r): DbReport =>
    r.status === 'running' && FAILED.includes(run.status)
      ? { ...r, status: run.status === 'timed out' ? 'failed' : run.status, error: r.error ?? run.error }
      : r,
  );
  const failed = reports.filter((r) => r.status === 'failed' || r.status === 'interrupted').length;
  const title = config.dryRun ? endedAs(run.status, true) : failed ? `${failed} of ${reports.length} failed` : 'succeeded';
  const summary = new JobSummary(`backup-ckf-db: ${title}`);
  summary.keyValues([
    ['Model', config.jujuModel],
    ['Backup set', config.backupId],
  ]);
  summary.table(
    ['application', 'status', 'charm backup-id', 'unit', 'scale', 'duration', 'location'],
    reports.map((r) => [
      r.application,
      r.error ? `${r.status} during ${r.phase}: ${r.error}` : r.status,
      r.backupId ? `${r.backupId}${r.listed ? ` (${r.listed})` : ''}${r.reused ? ', reused from an earlier run of the set' : ''}` : '-',
      r.unit ?? '-',
      scaleText(r),
      formatDuration(seconds(r, now)),
      r.location ? `s3://${r.location.bucket}/${r.location.path}` : '-',
    ]),
  );
  const unfinished = reports.flatMap((r) => (r.unfinished ? [`${r.application}: ${r.unfinished}`] : []));
  if (unfinished.length) summary.paragraph(`Charm backups not confirmed: ${unfinished.join('; ')}`);
  const left = reports.flatMap((r) => r.unitsNotActive);
  if (left.length) summary.paragraph(`Units not active afterwards: ${left.join('; ')}`);
  return summary;
}

function scaleText(r: DbReport): string {
  if (r.originalScale === undefined) return '-';
  if (r.backupScale === undefined || r.backupScale === r.originalScale) return String(r.originalScale);
  const back = {
    restored: `back to ${r.originalScale}`,
    'left as asked': 'left there (restore-scale false)',
    'left up': `left there, NOT back to ${r.originalScale}: ${r.scaleRestoreError ?? ''}`,
    failed: `NOT back to ${r.originalScale}: ${r.scaleRestoreError ?? ''}`,
    'not needed': '',
  }[r.scaleRestored ?? 'failed'];
  return `${r.originalScale} → ${r.backupScale}, ${r.scaleRestored ? back : `NOT back to ${r.originalScale}`}`;
}
