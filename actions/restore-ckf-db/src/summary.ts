import { endedAs, FAILED, formatDuration, JobSummary } from '@ml-backup-actions/core';
import { describeS3Location } from '@ml-backup-actions/juju';
import type { RestoreCkfDbConfig } from './config.js';
import type { DbRestore, RestoreCkfDbReport } from './report.js';

export function renderSummary(config: RestoreCkfDbConfig, run: RestoreCkfDbReport): JobSummary {
  const now = run.finishedAt ?? new Date();
  const dbs = run.databases.map((d): DbRestore =>
    d.status === 'running' && FAILED.includes(run.status) ? { ...d, status: run.status === 'timed out' ? 'failed' : run.status } : d,
  );
  const failed = dbs.filter((d) => FAILED.includes(d.status)).length;
  const ofAll = `${failed} of ${dbs.length} failed`;
  const stopped = run.status === 'interrupted' || run.status === 'timed out';
  const title = config.dryRun ? endedAs(run.status, true) : !failed ? endedAs(run.status, false) : stopped ? `${run.status} (${ofAll})` : ofAll;
  const summary = new JobSummary(`restore-ckf-db: ${title}`);
  summary.keyValues([
    ['Model', config.jujuModel],
    ['From', run.source ?? '-'],
  ]);
  summary.table(
    ['application', 'status', 'backup-id', 'unit', 'scale', 'row counts', 'duration'],
    dbs.map((d) => [
      d.application,
      d.error ? `${d.status} during ${d.phase}: ${d.error}` : d.status,
      d.backupId ?? '-',
      d.unit ?? '-',
      scaleText(d),
      d.rowCountsMatch === undefined ? 'not compared' : d.rowCountsMatch ? 'match' : `differ: ${d.rowCountDiffs.join('; ')}`,
      formatDuration(Math.round(((d.finishedAt ?? now).getTime() - d.startedAt.getTime()) / 100) / 10),
    ]),
  );
  const blocks = dbs.flatMap((d) =>
    d.s3Block ? [`${d.application} "${d.s3Block.message}"; to clear it, point its s3-integrator at a new path: \`${d.s3Block.command}\``] : [],
  );
  if (blocks.length) {
    summary.paragraph(`Blocked after the restore (revision 254 and later: no backups are written to the path restored from): ${blocks.join('; ')}`);
  }
  for (const d of dbs) {
    if (!d.damage) continue;
    const what = {
      'old data kept': 'the old data is in place',
      'unit blocked': `the unit is blocked with mysqld down: restore the same backup into a new application (README, "Restore into a new application")`,
      'still running': 'the restore was still running: follow its task',
    }[d.damage];
    summary.paragraph(`${d.application}: ${what}${d.location ? `; it reads from ${describeS3Location(d.location)}` : ''}.`);
  }
  const warnings = dbs.flatMap((d) => d.warnings.map((w) => `${d.application}: ${w}`));
  if (warnings.length) summary.paragraph(`Warnings: ${warnings.join('; ')}`);
  return summary;
}

function scaleText(d: DbRestore): string {
  if (d.originalScale === undefined) return '-';
  if (d.originalScale <= 1) return String(d.originalScale);
  const back = {
    restored: `back to ${d.originalScale}`,
    'left up': `left at 1, NOT back to ${d.originalScale}: ${d.scaleRestoreError ?? ''}`,
    failed: `NOT back to ${d.originalScale}: ${d.scaleRestoreError ?? ''}`,
    'left as asked': 'left at 1',
    'not needed': '',
  }[d.scaleRestored ?? 'failed'];
  return `${d.originalScale} → 1, ${d.scaleRestored ? back : `NOT back to ${d.originalScale}`}`;
}
