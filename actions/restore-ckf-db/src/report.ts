import { newReport, type Report, type Status } from '@ml-backup-actions/core';
import type { CharmBackup } from '@ml-backup-actions/ckf-set';
import type { CharmS3Location, ScaleRecord } from '@ml-backup-actions/juju';

/** How a restore that failed left the database. */
export type Damage =
  /** Refused by the charm's checks, or failed while downloading or preparing: the old data is in place. */
  | 'old data kept'
  /** Failed after the charm emptied the data directory: the unit is blocked, mysqld down. */
  | 'unit blocked'
  /** Still running when the run stopped or gave up: the outcome is the task's. */
  | 'still running';

/** One database application's restore, for outputs and the summary. */
export interface DbRestore extends ScaleRecord {
  application: string;
  status: Status;
  /** The step it was in, named as the runbook reader knows it. */
  phase: string;
  backupId?: string;
  /** What the manifest recorded for the backup (absent with backup-ids). */
  recorded?: CharmBackup;
  charmRevision?: number;
  clusterName?: string;
  originalScale?: number;
  /** Where the s3-integrator points now: where the charm reads the backup from. */
  location?: CharmS3Location;
  /** restore's parameters as the charm revision declares them. */
  restoreParams?: string[];
  unit?: string;
  taskId?: string;
  /** The unit statuses seen while the restore ran, in order. */
  phasesSeen: string[];
  damage?: Damage;
  /** After a success on revision 254 or later: the application's block and the command that clears it. */
  s3Block?: { message: string; command: string };
  /** When the charm's restore completed with {"completed": "ok"}: the data is the backup's from here on. */
  restoredAt?: Date;
  /** undefined: not compared (nothing recorded, or the restore did not get there). */
  rowCountsMatch?: boolean;
  rowCountDiffs: string[];
  warnings: string[];
  startedAt: Date;
  finishedAt?: Date;
  error?: string;
}

export const newDbRestore = (application: string, now = new Date()): DbRestore => ({
  application,
  status: 'running',
  phase: 'pre-flight',
  phasesSeen: [],
  rowCountDiffs: [],
  warnings: [],
  startedAt: now,
});

export interface RestoreCkfDbReport extends Report {
  /** Where the backup-ids came from. */
  source?: string;
  databases: DbRestore[];
}

export const newRestoreReport = (applications: readonly string[], now = new Date()): RestoreCkfDbReport =>
  newReport({ databases: applications.map((app) => newDbRestore(app, now)) }, now);
