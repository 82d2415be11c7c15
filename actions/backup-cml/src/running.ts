import type { BackupClient } from '@aws-sdk/client-backup';
import type { BackupState } from './report.js';

/** Where the backup's AWS Backup jobs are: the vault CDP named, listed from shortly before the run began. */
export interface AwsJobs {
  client: BackupClient;
  vault: string;
  since: Date;
}

/**
 * The backup this run started or follows, as the cleanups need it: its state (the report's), the
 * AWS jobs that a cancel or a timeout may stop, and whether it is still running, which decides
 * whether a suspended workspace may be resumed.
 */
export class RunningBackup {
  running = true;

  constructor(
    readonly crn: string,
    readonly state: BackupState,
    readonly aws?: AwsJobs,
  ) {}
}
