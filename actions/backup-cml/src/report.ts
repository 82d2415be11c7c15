import { newReport, type Report } from '@ml-backup-actions/core';
import type { JobView } from '@ml-backup-actions/aws';

/** The workspace as the pre-flight found it. */
export interface WorkspaceView {
  crn: string;
  name: string;
  environment: string;
  platform: string;
  status: string;
  filesystemId: string;
  nfsVersion: string;
}

/** The workspace's disks (EBS volumes, Azure managed disks) and the tag GC scripts must spare; tagged grows disk by disk. */
export interface DiskTags {
  count: number;
  gcTag: string;
  missingTag: string[];
  otherValue?: string[];
  tagged: string[];
}

/** What the cloud checks of the pre-flight found, recorded as they go (a failure part-way still shows it). */
export interface CloudFindings {
  /** Azure: the snapshot resource group, once found to exist. */
  snapshotResourceGroup?: string;
  disks?: DiskTags;
}

/** The backup as it runs: what a cancel or a timeout must stop, and what the summary reports. */
export interface BackupState {
  backupCrn?: string;
  backupName?: string;
  vaultName?: string;
  /** A rerun with the same backup-name: what became of the backup the first run made. */
  earlier?: string;
  backupStatus?: string;
  /** AWS Backup jobs as last seen. */
  jobs: JobView[];
  stoppedJobs: string[];
}

export interface Suspended {
  at: Date;
  outcome?: 'left suspended' | 'resumed' | 'resume failed';
  detail?: string;
}

export interface CmlReport extends Report, CloudFindings {
  workspace?: WorkspaceView;
  backup: BackupState;
  suspend?: Suspended;
}

export const newCmlReport = (now = new Date()): CmlReport => newReport({ backup: { jobs: [] as JobView[], stoppedJobs: [] as string[] } }, now);

export { durationSeconds } from '@ml-backup-actions/core';
