/** A file taken out of the pod, as it arrived. */
export interface SnapshotFile {
  path: string;
  bytes: number;
  sha256: string;
}

/** What this run has done so far; the summary is written from it however the run ends. */
export interface BackupReport {
  status: 'running' | 'succeeded' | 'failed' | 'interrupted' | 'checked';
  phase: string;
  startedAt: Date;
  pod?: string;
  container?: string;
  writer: {
    application: string;
    originalScale?: number;
    pausedAt?: Date;
    resumedAt?: Date;
    /** How putting the scale back went, when it was taken down. */
    restore?: 'restored' | 'failed';
    restoreError?: string;
  };
  files: SnapshotFile[];
  check?: { integrity: string; schemaVersion: number; rowCounts: Record<string, number> };
  object?: { url: string; bytes: number; sha256: string };
  sidecarUrl?: string;
  finishedAt?: Date;
  error?: string;
}

export function newReport(application: string, now = new Date()): BackupReport {
  return { status: 'running', phase: 'pre-flight', startedAt: now, writer: { application }, files: [] };
}

/** Seconds the writer was down: from the scale to 0 to the scale back, or until now if not back yet. */
export function pausedSeconds(report: BackupReport, now = new Date()): number {
  const { pausedAt, resumedAt } = report.writer;
  if (!pausedAt) return 0;
  return Math.round(((resumedAt ?? now).getTime() - pausedAt.getTime()) / 10) / 100;
}
