import { newReport, type Report } from '@ml-backup-actions/core';
import type { ScaleRecord } from '@ml-backup-actions/juju';

/** What is restored, as its sidecar (and the manifest) recorded it. */
export interface Source {
  /** Where it was named: the manifest or object-url. */
  from: string;
  objectKey: string;
  objectUrl: string;
  sidecarKey: string;
  format: 'dump' | 'sqlite';
  sha256: string;
  bytes: number;
  schemaVersion: number;
  rowCounts: Record<string, number>;
  backupId?: string;
}

/** Where the swap got to: what the live file is, however the run ended. */
export type SwapState =
  /** Nothing in the pod changed. */
  | 'untouched'
  /** The service is stopped; the live file is still the old one. */
  | 'stopped'
  /** A push of the restored file was started: the live file is the old or the restored one (push is atomic). */
  | 'pushing'
  /** The restored file is in place, read back and served. */
  | 'restored'
  /** A failure after the stop: the safety copy was put back and the service started. */
  | 'rolled back'
  /** A failure after the stop, and putting the safety copy back failed too. */
  | 'rollback failed';

export interface RestoreReport extends Report {
  pod?: string;
  container?: string;
  source?: Source;
  /** The live database's schema version, before the restore. */
  liveSchemaVersion?: number;
  /** The checked restored file, on the runner. */
  restored?: { bytes: number; sha256: string; integrity: string; rows: number; tables: number };
  /** The live database as it was before the restore, stored where a restore can take it back. */
  safety?: { url: string; sidecarUrl: string; sha256: string; dbSha256: string; dbBytes: number };
  swap: SwapState;
  rollbackError?: string;
  writer: ScaleRecord & { originalScale?: number; pausedAt?: Date; resumedAt?: Date };
  /** How long the mlmd service was down. */
  serviceDownSeconds?: number;
}

export const newRestoreReport = (application: string, now = new Date()): RestoreReport =>
  newReport({ swap: 'untouched' as SwapState, writer: { application } }, now);

/** Seconds the writer was at 0, until now if not back yet. */
export function pausedSeconds(report: RestoreReport, now = new Date()): number {
  const { pausedAt, resumedAt } = report.writer;
  if (!pausedAt) return 0;
  return Math.round(((resumedAt ?? now).getTime() - pausedAt.getTime()) / 10) / 100;
}
