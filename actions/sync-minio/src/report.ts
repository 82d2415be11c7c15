import type { RcloneStats } from '@ml-backup-actions/rclone';

/** What this run has done so far; the job summary is written from it however the run ends. */
export interface SyncReport {
  status: 'running' | 'succeeded' | 'failed' | 'interrupted' | 'planned';
  phase: string;
  startedAt: number;
  objectsTransferred: number;
  bytesTransferred: number;
  objectsArchived: number;
  bytesArchived: number;
  objectsChecked: number;
  differences: number;
  verified: boolean;
  /** The pre-flight listings matched (size-only), so rclone was not started. */
  upToDate: boolean;
  /** Objects rclone reported as copied into the target, and as moved into the archive. */
  copied: Set<string>;
  archived: Set<string>;
  /** dry-run: what would be copied, and archived because it would be replaced or deleted. */
  plan?: { copy: number; copyBytes: number; replace: number; remove: number; archiveBytes: number; examples: string[] };
  lastStats?: RcloneStats;
  error?: string;
  /** How MinIO was reached and where its keys came from, once known. */
  minioVia?: string;
  minioKeysFrom?: string;
}

export function newReport(now = Date.now()): SyncReport {
  return {
    status: 'running',
    phase: 'pre-flight',
    startedAt: now,
    objectsTransferred: 0,
    bytesTransferred: 0,
    objectsArchived: 0,
    bytesArchived: 0,
    objectsChecked: 0,
    differences: 0,
    verified: false,
    upToDate: false,
    copied: new Set(),
    archived: new Set(),
  };
}
