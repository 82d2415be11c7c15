import { JobSummary, formatBytes, formatDuration, statusLine } from '@ml-backup-actions/core';
import type { BackupSetConfig } from './config.js';
import { COMPONENTS, type ComponentName, type ComponentStatus, type Manifest, type Verification } from '@ml-backup-actions/ckf-set';
import type { PruneResult } from './prune.js';
import type { SetReport } from './report.js';

/** Whichever mode ran, and however it ended: the set as this run left it, or the retention, or why it stopped. */
export function renderSummary(config: BackupSetConfig, report: SetReport): JobSummary {
  const { manifest, url } = report;
  if (report.pruned) return pruneSummary(report.pruned, config.keep, config.dryRun);
  if (manifest && url) {
    // The set's table once per run, in complete: begin and verify say only what they add.
    const summary =
      manifest.verification && config.mode === 'verify'
        ? verifySummary(manifest, url, manifest.verification)
        : config.mode === 'begin'
          ? openedSummary(manifest, url)
          : setSummary(manifest, url, manifest.status);
    if (report.error) summary.paragraph(`${config.mode} ${statusLine(report)}`);
    return summary;
  }
  const what = config.mode === 'prune' ? 'Backup set retention' : `Backup set ${config.backupId}`;
  return new JobSummary(`${what}: ${config.mode} ${report.status}`).keyValues([
    ['Manifests', `s3://${config.s3.bucket}/${config.s3.prefix}`],
    ['Status', statusLine(report)],
  ]);
}

const LABEL: Record<ComponentName, string> = { databases: 'Databases (kfp-db, katib-db)', mlmd: 'ML Metadata', mlpipeline: 'mlpipeline bucket' };
const ICON: Record<ComponentStatus, string> = { complete: '✅', failed: '❌', cancelled: '⛔', skipped: '⏭️', pending: '⏳' };

/** The whole backup set in one table, and the chain as a mermaid diagram. */
export function setSummary(manifest: Manifest, url: string, title: string): JobSummary {
  const summary = new JobSummary(`Backup set ${manifest.backupId}: ${title}`);
  summary.keyValues([
    ['Model', manifest.model],
    ['Manifest', url],
    ['Started', manifest.startedAt],
    ['Finished', manifest.finishedAt ?? '-'],
  ]);
  summary.table(
    ['component', 'status', 'size', 'duration', 'location'],
    COMPONENTS.map((name) => row(manifest, name)),
  );
  summary.raw(mermaid(manifest));
  return summary;
}

function row(m: Manifest, name: ComponentName): string[] {
  const c = m.components[name];
  const status = `${ICON[c.status]} ${c.status}${c.error ? `: ${c.error}` : ''}`;
  const duration = c.durationSeconds !== undefined ? formatDuration(c.durationSeconds) : '-';
  if (name === 'databases') {
    const b = m.components.databases.backups ?? {};
    const where = Object.entries(b).map(([app, x]) => `${app} ${x.backupId}${x.bucket ? ` in s3://${x.bucket}/${x.path ?? ''}` : ''}`);
    return [LABEL[name], status, 'charm-managed', duration, where.join('; ') || '-'];
  }
  if (name === 'mlmd') {
    const x = m.components.mlmd;
    const size = x.object ? `${formatBytes(x.object.bytes)}${x.dbBytes !== undefined ? ` (database ${formatBytes(x.dbBytes)})` : ''}` : '-';
    const pause = x.writerPause ? `; writer paused ${x.writerPause.seconds} s` : '';
    return [LABEL[name], status, size, duration, `${x.object?.url ?? '-'}${pause}`];
  }
  const x = m.components.mlpipeline;
  const size = x.objects !== undefined ? `${x.objects} objects, ${formatBytes(x.bytes ?? 0)}` : '-';
  return [
    LABEL[name],
    status,
    size,
    duration,
    x.prefix !== undefined ? `s3://${x.bucket}/${x.prefix}${x.archivePrefix ? `; replaced: ${x.archivePrefix}` : ''}` : '-',
  ];
}

/** pre-flight, the three components at once, the manifest, verification. */
export function mermaid(m: Manifest): string {
  const cls = (s: ComponentStatus | 'complete' | 'incomplete') => (s === 'complete' ? 'ok' : s === 'pending' ? 'wait' : s === 'incomplete' ? 'bad' : 'bad');
  const lines = ['```mermaid', 'flowchart LR', '  preflight["pre-flight"]:::ok'];
  for (const name of COMPONENTS) {
    const c = m.components[name];
    lines.push(`  preflight --> ${name}["${LABEL[name]}<br/>${c.status}"]:::${cls(c.status)}`);
    lines.push(`  ${name} --> manifest`);
  }
  lines.push(`  manifest["manifest<br/>${m.status}"]:::${cls(m.status)}`);
  const v = m.verification;
  lines.push(`  manifest --> verify["verify<br/>${v ? (v.ok ? 'passed' : 'failed') : 'not yet'}"]:::${v ? (v.ok ? 'ok' : 'bad') : 'wait'}`);
  lines.push('  classDef ok fill:#dafbe1,stroke:#1a7f37', '  classDef bad fill:#ffebe9,stroke:#cf222e', '  classDef wait fill:#f6f8fa,stroke:#8c959f', '```');
  return lines.join('\n');
}

function openedSummary(manifest: Manifest, url: string): JobSummary {
  return new JobSummary(`Backup set ${manifest.backupId}: opened`).paragraph(
    `${url} says incomplete until every component is recorded (model ${manifest.model}, started ${manifest.startedAt}).`,
  );
}

export function verifySummary(manifest: Manifest, url: string, v: Verification): JobSummary {
  const summary = new JobSummary(`Backup set ${manifest.backupId}: ${v.ok ? 'verified' : 'verification FAILED'}`);
  summary.paragraph(`${url}, ${manifest.status}, checked ${v.at}.`);
  summary.raw(mermaid(manifest));
  summary.table(
    ['check', 'result', 'detail'],
    v.checks.map((c) => [c.what, c.ok ? '✅' : '❌', c.detail]),
  );
  return summary;
}

export function pruneSummary(result: PruneResult, keep: number, dryRun: boolean): JobSummary {
  const summary = new JobSummary(`Backup set retention: keep ${keep}${dryRun ? ' (dry run: nothing deleted)' : ''}`);
  summary.keyValues([
    ['Kept', result.kept.join(', ') || 'none'],
    [dryRun ? 'Would delete' : 'Deleted', result.deleted.join(', ') || 'none'],
    ['Objects', `${result.objects} (${formatBytes(result.bytes)})`],
    ...(result.unreadable.length ? ([['Not backup-set manifests, left alone', result.unreadable.join(', ')]] as [string, string][]) : []),
  ]);
  if (result.sets.length) {
    summary.table(
      ['Backup set', 'Status', 'Started', 'Objects (manifest included)', 'Size'],
      result.sets.map((s) => [s.backupId, s.status, s.startedAt, String(s.objects), formatBytes(s.bytes)]),
    );
  }
  return summary;
}
