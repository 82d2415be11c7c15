import type { BackupClient } from '@aws-sdk/client-backup';
import { ActionError, errorMessage } from '@ml-backup-actions/core';
import { missingOptIns } from '@ml-backup-actions/aws';

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
    throw new ActionError(
      `AWS Backup in ${region} has ${missing.join(' and ')} not opted in, so CML's backup jobs for them would not run: aws backup update-region-settings --region ${region} --resource-type-opt-in-preference ${prefs}`,
    );
  }
}
