import type { BackupMlmdConfig } from './config.js';
import { pausedSeconds, type BackupReport } from './report.js';

/**
 * The JSON written next to the backup object: enough to restore it without guessing (the format)
 * and to check it (sha256 and size of the object; row counts and schema version of the database).
 */
export function sidecar(config: BackupMlmdConfig, report: BackupReport, objectKey: string) {
  const { object, check, writer } = report;
  if (!object || !check) throw new Error('sidecar before the object was stored');
  const db = report.files[0];
  return {
    kind: 'ml-backup-actions/backup-mlmd',
    version: 1,
    'backup-id': config.backupId,
    format: config.format,
    restore:
      config.format === 'dump'
        ? 'gunzip -c <object> | sqlite3 mlmd.db   (gzip-compressed SQL text from sqlite3 .dump)'
        : 'gunzip -c <object> > mlmd.db   (the gzip-compressed SQLite database file)',
    object: { key: objectKey, url: object.url, sha256: object.sha256, 'size-bytes': object.bytes, 'content-encoding': 'gzip' },
    database: {
      path: config.dbPath,
      'size-bytes': db?.bytes,
      files: report.files.map((f) => ({ path: f.path, 'size-bytes': f.bytes, sha256: f.sha256 })),
      'schema-version': check.schemaVersion,
      'integrity-check': check.integrity,
      'row-counts': check.rowCounts,
    },
    source: { namespace: config.namespace, pod: report.pod, container: report.container, 'juju-model': config.jujuModel },
    writer: {
      application: writer.application,
      'original-scale': writer.originalScale,
      'paused-at': writer.pausedAt?.toISOString(),
      'resumed-at': writer.resumedAt?.toISOString(),
      'paused-seconds': pausedSeconds(report),
    },
    'started-at': report.startedAt.toISOString(),
    'finished-at': (report.finishedAt ?? new Date()).toISOString(),
  };
}
