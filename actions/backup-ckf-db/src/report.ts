import { newReport, type Report, type Status } from '@ml-backup-actions/core';
import type { CharmS3Location, RowCounts, ScaleRecord } from '@ml-backup-actions/juju';

/** What happened to one database application, for outputs, the summary and the manifest. */
export interface DbReport extends ScaleRecord {
  application: string;
  status: Status;
  /** The step it was in, named as the runbook reader knows it. */
  phase: string;
  charm?: string;
  charmRevision?: number;
  originalScale?: number;
  /** The scale the backup ran at. */
  backupScale?: number;
  forceDeclared?: boolean;
  location?: CharmS3Location;
  primary?: string;
  unit?: string;
  taskId?: string;
  /** The create-backup task has ended (the charm failed it): nothing of it is still running. */
  taskEnded?: boolean;
  /** The charm's backup-id, once create-backup returned it. */
  backupId?: string;
  /** list-backups' status for it. */
  listed?: string;
  /** The backup is one an earlier run of the set made (earlier-backup-ids): nothing was made this time. */
  reused?: boolean;
  /** The InnoDB cluster's name, from get-cluster-status: a restore into a new application needs it. */
  clusterName?: string;
  /** COUNT(*) per table of the application databases on the backup unit, right after the backup. */
  rowCounts?: RowCounts;
  /** The counts right before the backup were the same. */
  rowCountsExact?: boolean;
  countedAt?: Date;
  /** Why no row counts were recorded. */
  countError?: string;
  /** The run stopped before the charm's backup was confirmed: what may be in S3, and where. */
  unfinished?: string;
  startedAt: Date;
  finishedAt?: Date;
  /** Units not active afterwards, with their status (e.g. blocked "Failed to create backup; instance in bad state"). */
  unitsNotActive: string[];
  error?: string;
}

export function newDbReport(application: string, now = new Date()): DbReport {
  return { application, status: 'running', phase: 'pre-flight', startedAt: now, unitsNotActive: [] };
}

/** The run: each database backed up at once, each with its own record. */
export interface CkfDbReport extends Report {
  databases: DbReport[];
}

export const newCkfDbReport = (applications: readonly string[], now = new Date()): CkfDbReport =>
  newReport({ databases: applications.map((app) => newDbReport(app, now)) }, now);

export const seconds = (r: DbReport, now = new Date()): number => Math.round(((r.finishedAt ?? now).getTime() - r.startedAt.getTime()) / 100) / 10;
