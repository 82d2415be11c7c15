/** Where the charm writes its backups: the s3-integrator related on s3-parameters, and its settings. */
export interface CharmS3Location {
  integrator: string;
  endpoint: string;
  bucket: string;
  /** The key prefix, without leading or trailing "/" (the charm strips them). */
  path: string;
}

import { newReport, type Report, type Status } from '@ml-backup-actions/core';

/** What happened to one database application, for outputs, the summary and the manifest. */
export interface DbReport {
  application: string;
  status: Status;
  /** The step it was in, named as the runbook reader knows it. */
  phase: string;
  charm?: string;
  charmRevision?: number;
  originalScale?: number;
  /** The scale the backup ran at. */
  backupScale?: number;
  scaleRestored?: 'restored' | 'not needed' | 'left as asked' | 'left up' | 'failed';
  scaleRestoreError?: string;
  forceDeclared?: boolean;
  location?: CharmS3Location;
  primary?: string;
  unit?: string;
  taskId?: string;
  /** The charm's backup-id, once create-backup returned it. */
  backupId?: string;
  /** list-backups' status for it. */
  listed?: string;
  /** The backup is one an earlier run of the set made (earlier-backup-ids): nothing was made this time. */
  reused?: boolean;
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
