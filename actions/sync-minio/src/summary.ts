import { formatBytes, formatDuration, JobSummary } from '@ml-backup-actions/core';
import { formatProgress } from '@ml-backup-actions/rclone';
import type { SyncMinioConfig } from './config.js';
import type { SyncReport } from './report.js';

export function destination(config: SyncMinioConfig): string {
  return `s3://${config.s3.bucket}/${config.s3.prefix}`;
}

export function renderSummary(config: SyncMinioConfig, report: SyncReport, now = Date.now()): JobSummary {
  const seconds = (now - report.startedAt) / 1000;
  const summary = new JobSummary(`sync-minio: ${report.status}${config.dryRun ? ' (dry run)' : ''}`);
  const rows: [string, string | number][] = [
    ['Source', `minio:${config.minio.bucket} (${report.minioVia ?? (config.minio.endpoint || `svc/${config.kube.service} in ${config.kube.namespace}, not reached`)})`],
    ['MinIO keys', report.minioKeysFrom ?? (config.minio.accessKey ? 'the minio-access-key and minio-secret-key inputs' : `Juju model ${config.juju.model}, not read`)],
    ['Destination', destination(config)],
    ['Mode', `${config.mode}${config.sizeOnly ? ', size-only' : ''}${config.bandwidthLimit ? `, bandwidth ${config.bandwidthLimit}` : ''}`],
    ['Status', report.error ? `${report.status} during ${report.phase}: ${report.error}` : report.status],
  ];
  if (report.plan) {
    const p = report.plan;
    rows.push(
      ['Would copy', `${p.copy} objects (${formatBytes(p.copyBytes)})`],
      ['Would archive', `${p.replace + p.remove} objects (${formatBytes(p.archiveBytes)}): ${p.replace} replaced, ${p.remove} gone from the source`],
    );
  } else {
    rows.push(
      ['Objects transferred', report.objectsTransferred],
      ['Bytes transferred', `${report.bytesTransferred} (${formatBytes(report.bytesTransferred)})`],
      ['Objects archived', report.objectsArchived ? `${report.objectsArchived} under s3://${config.s3.bucket}/${config.archivePrefix}` : 0],
      ['Objects checked', report.objectsChecked],
      ['Verified', report.verified ? 'yes' : config.verify ? 'no' : 'not requested'],
    );
  }
  if (report.lastStats && (report.status === 'failed' || report.status === 'interrupted')) rows.push(['Last progress', formatProgress(report.lastStats)]);
  rows.push(['Duration', formatDuration(seconds)]);
  summary.keyValues(rows);
  if (report.plan?.examples.length) summary.raw(`<details><summary>First planned changes</summary>\n\n${report.plan.examples.map((e) => `- \`${e}\``).join('\n')}\n</details>`);
  return summary;
}
