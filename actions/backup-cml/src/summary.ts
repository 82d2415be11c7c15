import { endedAs, formatBytes, formatDuration, JobSummary, statusLine } from '@ml-backup-actions/core';
import type { BackupCmlConfig } from './config.js';
import { type CmlReport, type WorkspaceView, durationSeconds } from './report.js';

export function renderSummary(config: BackupCmlConfig, report: CmlReport): JobSummary {
  const summary = new JobSummary(`backup-cml: ${endedAs(report.status, config.dryRun)}`);
  const w = report.workspace;
  const b = report.backup;
  const rows: [string, string][] = [
    [
      'Workspace',
      w ? `${w.name} in ${w.environment} (${w.crn})` : config.workspace && 'workspaceCrn' in config.workspace ? config.workspace.workspaceCrn : '-',
    ],
    ['Cloud', w?.platform ?? '-'],
    ['Backup', b.backupCrn ? `${b.backupName ?? ''} ${b.backupCrn}`.trim() : '-'],
    ['Status', statusLine(report, b.backupStatus ? ` (CDP: ${b.backupStatus})` : '')],
    ['Duration', formatDuration(durationSeconds(report))],
  ];
  if (b.earlier) rows.push(['Earlier run', b.earlier]);
  if (b.vaultName) rows.push(['AWS Backup vault', b.vaultName]);
  if (b.stoppedJobs.length) rows.push(['Stopped AWS Backup jobs', b.stoppedJobs.join(', ')]);
  if (report.suspend)
    rows.push([
      'Suspended',
      `${report.suspend.at.toISOString()}${report.suspend.outcome ? `; ${report.suspend.outcome}` : '; still suspended, as the upgrade needs'}${report.suspend.detail ? `: ${report.suspend.detail}` : ''}`,
    ]);
  if (w?.platform === 'AZURE') {
    rows.push([
      'NFS (not backed up)',
      `${w.filesystemId || 'unknown'}${w.nfsVersion ? `, NFS ${w.nfsVersion}` : ''}: the backup does not include the workspace's NFS; pass existing-nfs and nfs-version to the restore`,
    ]);
  }
  if (report.snapshotResourceGroup) rows.push(['Snapshot resource group', `${report.snapshotResourceGroup} (exists)`]);
  const d = report.disks;
  if (d) {
    const untagged = d.missingTag.filter((name) => !d.tagged.includes(name));
    const parts = [
      d.tagged.length ? `${d.gcTag} added to ${d.tagged.join(', ')}` : '',
      untagged.length ? `without ${d.gcTag}: ${untagged.join(', ')}` : '',
      d.otherValue?.length ? `another value, left as is: ${d.otherValue.join(', ')}` : '',
    ].filter(Boolean);
    rows.push(['Workspace disks', `${d.count}; ${parts.length ? parts.join('; ') : `all carry ${d.gcTag}`}`]);
  }
  summary.keyValues(rows);
  if (b.jobs.length) {
    summary.table(
      ['AWS Backup job', 'resource', 'state', 'percent (AWS estimate)', 'transferred'],
      b.jobs.map((j) => [
        j.id,
        `${j.resourceType} ${j.resource}`,
        j.state,
        j.percent === undefined ? '?' : `${j.percent.toFixed(1)}%`,
        j.bytesTransferred ? formatBytes(j.bytesTransferred) : '-',
      ]),
    );
  }
  return summary;
}

/** The workspace's outputs, set as soon as the pre-flight has read it. */
export function workspaceOutputs(w: WorkspaceView | undefined): Record<string, string> {
  if (!w) return {};
  return {
    'workspace-crn': w.crn,
    'workspace-name': w.name,
    'environment-name': w.environment,
    'cloud-platform': w.platform,
    'filesystem-id': w.filesystemId,
    // On Azure the workspace's NFS is not in the backup: the restore needs it back as existingNFS.
    'existing-nfs': w.platform === 'AZURE' ? w.filesystemId : '',
    'nfs-version': w.nfsVersion,
  };
}
