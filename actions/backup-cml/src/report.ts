import type { JobView } from '@ml-backup-actions/aws';

export interface CmlReport {
  status: 'pending' | 'checked' | 'started' | 'succeeded' | 'failed' | 'timed out' | 'interrupted';
  /** The step it is in, named as the runbook reader knows it. */
  phase: string;
  workspace?: { crn: string; name: string; environment: string; platform: string; status: string; filesystemId: string; nfsVersion: string };
  backupCrn?: string;
  backupName?: string;
  vaultName?: string;
  backupStatus?: string;
  /** AWS Backup jobs as last seen. */
  jobs: JobView[];
  stoppedJobs: string[];
  /** Azure: the snapshot resource group, once found to exist. */
  snapshotResourceGroup?: string;
  /** The workspace's disks (EBS volumes, Azure managed disks) and the tag GC scripts must spare. */
  disks?: { count: number; gcTag: string; missingTag: string[]; otherValue?: string[]; tagged: string[] };
  suspend?: { at: Date; outcome?: 'left suspended' | 'resumed' | 'resume failed'; detail?: string };
  startedAt: Date;
  finishedAt?: Date;
  error?: string;
}

export const newReport = (now = new Date()): CmlReport => ({ status: 'pending', phase: 'pre-flight', jobs: [], stoppedJobs: [], startedAt: now });

export const durationSeconds = (r: CmlReport, now = new Date()): number => Math.round(((r.finishedAt ?? now).getTime() - r.startedAt.getTime()) / 1000);
