import { elapsedSeconds, endedAs, formatBytes, formatDuration, JobSummary, statusLine } from '@ml-backup-actions/core';
import { formatProgress } from '@ml-backup-actions/rclone';
import type { SyncMinioConfig } from './config.js';
import type { SyncReport } from './report.js';

export function destination(config: SyncMinioConfig): string {
  return `s3://${config.s3.bucket}/${config.s3.prefix}`;
}

export function renderSummary(config: SyncMinioConfig, report: SyncReport): JobSummary {
  const summary = new JobSummary(`sync-minio: ${endedAs(report.status, config.dryRun)}`);
  const { transfer } = report;
  const rows: [string, string | number][] = [
    [
      'Source',
      `minio:${config.minio.bucket} (${report.minioVia ?? (config.minio.endpoint || `svc/${config.kube.service} in ${config.kube.namespace}, not reached`)})`,
    ],
    [
      'MinIO keys',
      report.minioKeysFrom ?? (config.minio.accessKey ? 'the minio-access-key and minio-secret-key inputs' : `Juju model ${config.juju.model}, not read`),
    ],
    ['Destination', destination(config)],
    ['Mode', `${config.mode}${config.sizeOnly ? ', size-only' : ''}${config.bandwidthLimit ? `, bandwidth ${config.bandwidthLimit}` : ''}`],
    ['Status', statusLine(report)],
  ];
  if (report.plan) {
    const p = report.plan;
    rows.push(
      ['Would copy', `${p.copy} objects (${formatBytes(p.copyBytes)})`],
      ['Would archive', `${p.replace + p.remove} objects (${formatBytes(p.archiveBytes)}): ${p.replace} replaced, ${p.remove} gone from the source`],
    );
  } else {
    rows.push(
      ['Objects transferred', transfer.copied.size],
      ['Bytes transferred', `${report.bytesTransferred} (${formatBytes(report.bytesTransferred)})`],
      [
        'Objects archived',
        transfer.archived.size ? `${transfer.archived.size} under s3://${config.s3.bucket}/${report.archivePrefix ?? config.archivePrefix}` : 0,
      ],
      ['Objects checked', report.objectsChecked],
      ['Verified', report.verified ? 'yes' : config.verify ? 'no' : 'not requested'],
    );
  }
  if (transfer.lastStats && (report.status === 'failed' || report.status === 'interrupted'))
    rows.push(['Last progress', formatProgress(transfer.lastStats, { copied: transfer.copied.size, archived: transfer.archived.size })]);
  rows.push(['Duration', formatDuration(elapsedSeconds(report))]);
  summary.keyValues(rows);
  if (report.plan?.examples.length)
    summary.raw(`<details><summary>First planned changes</summary>\n\n${report.plan.examples.map((e) => `- \`${e}\``).join('\n')}\n</details>`);
  return summary;
}

/** The step's outputs after a run that did not fail. */
export function syncOutputs(config: SyncMinioConfig, report: SyncReport) {
  const { plan, transfer } = report;
  return {
    'objects-transferred': plan ? plan.copy : transfer.copied.size,
    'bytes-transferred': plan ? plan.copyBytes : report.bytesTransferred,
    'objects-archived': plan ? plan.replace + plan.remove : transfer.archived.size,
    'objects-checked': report.objectsChecked,
    // A dry run (or verify: false) checked nothing: not a failed verification.
    verified: report.verified ? 'true' : plan || !config.verify ? 'not checked' : 'false',
    destination: destination(config),
    'archive-prefix': report.archivePrefix ?? config.archivePrefix,
    'duration-seconds': Math.round(elapsedSeconds(report)),
  };
}
