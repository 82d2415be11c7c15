import { EC2Client } from '@aws-sdk/client-ec2';
import { ActionError, errorMessage, type Logger } from '@ml-backup-actions/core';
import { CDP_RESOURCE_TAG, CLUSTER_TAG_PREFIX, CLUSTER_TAG_VALUE, addClusterTag, clusterTagToAdd, findWorkspaceVolumes } from '@ml-backup-actions/aws/volumes';
import { AWS_TIMEOUTS } from './aws.js';
import type { BackupCmlConfig } from './config.js';
import type { CmlReport } from './report.js';

const GC_TAG = `${CLUSTER_TAG_PREFIX}*=${CLUSTER_TAG_VALUE}`;

/**
 * AWS: the workspace's EBS volumes (tagged with its CRN) must carry kubernetes.io/cluster/liftie-*=owned,
 * which GC scripts must spare; tag-disks adds the cluster tag their sibling volumes carry. AWS_ENDPOINT_URL_EC2
 * points the client elsewhere (tests).
 */
export async function checkAwsDisks(config: BackupCmlConfig, report: CmlReport, log: Logger, signal: AbortSignal): Promise<void> {
  const crn = report.workspace?.crn ?? '';
  const ec2 = new EC2Client({ region: config.awsRegion, maxAttempts: 5, requestHandler: AWS_TIMEOUTS });
  const volumes = await findWorkspaceVolumes(ec2, crn, signal).catch((err: unknown) => {
    throw new ActionError(`EC2 DescribeVolumes in ${config.awsRegion} failed: ${errorMessage(err)}; the role needs ec2:DescribeVolumes to check the workspace's disks`);
  });
  const missing = volumes.filter((v) => !v.clusterTag);
  report.disks = { count: volumes.length, gcTag: GC_TAG, missingTag: missing.map((v) => v.id), tagged: [] };
  if (volumes.length === 0) {
    log.warning(`no EBS volumes tagged ${CDP_RESOURCE_TAG}=${crn} found in ${config.awsRegion}: the garbage-collection tags cannot be checked`);
    return;
  }
  log.info(`${volumes.length} EBS volume(s) of the workspace: ${volumes.length - missing.length} carry ${GC_TAG}, ${missing.length} lack it`);
  if (missing.length === 0) return;
  const ids = missing.map((v) => `${v.id} (${v.sizeGiB ?? '?'} GiB)`).join(', ');
  if (!config.tagDisks) {
    log.warning(`${missing.length} EBS volume(s) lack ${GC_TAG}, so a garbage-collection script may delete them while the workspace's disks are detached: ${ids} (tag-disks: true adds the tag)`);
    return;
  }
  const key = clusterTagToAdd(volumes);
  if (!key) {
    throw new ActionError(`tag-disks: cannot tell which cluster owns ${ids}: none or several of the workspace's other volumes carry ${GC_TAG}; tag them by hand`);
  }
  if (config.dryRun) {
    log.info(`dry run: would add ${key}=${CLUSTER_TAG_VALUE} to ${ids}`);
    return;
  }
  await addClusterTag(ec2, missing.map((v) => v.id), key, signal).catch((err: unknown) => {
    throw new ActionError(`EC2 CreateTags ${key}=${CLUSTER_TAG_VALUE} on ${ids} failed: ${errorMessage(err)}; the role needs ec2:CreateTags on these volumes`);
  });
  report.disks.tagged = missing.map((v) => v.id);
  log.info(`added ${key}=${CLUSTER_TAG_VALUE} to ${ids}; their other tags are unchanged`);
}
