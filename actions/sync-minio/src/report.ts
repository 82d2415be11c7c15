import { newReport, type Report } from '@ml-backup-actions/core';
import type { RcloneStats } from '@ml-backup-actions/rclone';
import type { Plan } from './plan.js';

/** What rclone has moved so far: kept while it runs, so that a stopped run still reports it. */
export interface Transfer {
  /** Objects rclone reported as copied into the target, and as moved into the archive. */
  copied: Set<string>;
  archived: Set<string>;
  lastStats?: RcloneStats;
}

export interface SyncReport extends Report {
  /** How MinIO was reached and where its keys came from, once known. */
  minioVia?: string;
  minioKeysFrom?: string;
  transfer: Transfer;
  /** Where the run archives, once the pre-flight has found a prefix that holds nothing. */
  archivePrefix?: string;
  /** The pre-flight listings matched (size-only), so rclone was not started. */
  upToDate: boolean;
  /** dry-run: what would be copied, and archived because it would be replaced or deleted. */
  plan?: Plan;
  bytesTransferred: number;
  bytesArchived: number;
  objectsChecked: number;
  differences: number;
  verified: boolean;
}

export const newSyncReport = (now = new Date()): SyncReport =>
  newReport(
    {
      transfer: { copied: new Set<string>(), archived: new Set<string>() },
      upToDate: false,
      bytesTransferred: 0,
      bytesArchived: 0,
      objectsChecked: 0,
      differences: 0,
      verified: false,
    },
    now,
  );
