import { newReport, type Report } from '@ml-backup-actions/core';
import type { WriterState } from './writer.js';

/** A file taken out of the pod, as it arrived. */
export interface SnapshotFile {
  path: string;
  bytes: number;
  sha256: string;
}

export interface CopyCheck {
  integrity: string;
  schemaVersion: number;
  rowCounts: Record<string, number>;
}

/** What this run has done so far; the summary is written from it however the run ends. */
export interface BackupReport extends Report {
  pod?: string;
  container?: string;
  /** Where the pre-flight looked for running pipelines and experiments, and what it found. */
  workloads?: string;
  /** The writer's scale and pause: kept by the WriterPause that owns them. */
  writer: WriterState;
  files: SnapshotFile[];
  check?: CopyCheck;
  object?: { url: string; bytes: number; sha256: string };
  sidecarUrl?: string;
}

export const newBackupReport = (application: string, now = new Date()): BackupReport =>
  newReport({ writer: { application }, files: [] as SnapshotFile[] }, now);

/** Seconds the writer was down: from the scale to 0 to the scale back, or until now if not back yet. */
export function pausedSeconds(report: BackupReport, now = new Date()): number {
  const { pausedAt, resumedAt } = report.writer;
  if (!pausedAt) return 0;
  return Math.round(((resumedAt ?? now).getTime() - pausedAt.getTime()) / 10) / 100;
}
