import { BackupClient } from '@aws-sdk/client-backup';
import { ActionError, errorMessage } from '@ml-backup-actions/core';
import { missingOptIns } from '@ml-backup-actions/aws';

/** No AWS call may hang a run: the SDK's default is to wait for ever. */
export const AWS_TIMEOUTS = { connectionTimeout: 10_000, requestTimeout: 30_000 };

/** The AWS Backup client for the workspace's region; AWS_ENDPOINT_URL_BACKUP points it elsewhere (tests). */
export function backupClient(region: string): BackupClient {
  if (!region) throw new ActionError("Input 'aws-region' is required for a workspace on AWS (or set AWS_REGION): the region of the workspace's AWS Backup vault.");
  return new BackupClient({ region, maxAttempts: 5, requestHandler: AWS_TIMEOUTS });
}

/** DescribeRegionSettings: EBS and EFS must be opted in, or CML's backup jobs never start. */
export async function checkOptIns(client: BackupClient, region: string): Promise<void> {
  let missing: string[];
  try {
    missing = await missingOptIns(client);
  } catch (err) {
    throw new ActionError(`AWS Backup DescribeRegionSettings in ${region} failed: ${errorMessage(err)}; the role needs backup:DescribeRegionSettings`);
  }
  if (missing.length) {
    const prefs = missing.map((t) => `${t}=true`).join(',');
    throw new ActionError(`AWS Backup in ${region} has ${missing.join(' and ')} not opted in, so CML's backup jobs for them would not run: aws backup update-region-settings --region ${region} --resource-type-opt-in-preference ${prefs}`);
  }
}
