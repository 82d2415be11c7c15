import { ActionError, errorMessage } from '@ml-backup-actions/core';
import {
  CLUSTER_TAG_PREFIX,
  CLUSTER_TAG_VALUE,
  addClusterTag,
  clusterTagToAdd,
  findWorkspaceVolumes,
  type WorkspaceVolume,
} from '@ml-backup-actions/aws/volumes';
import { CDP_RESOURCE_TAG } from '@ml-backup-actions/cdp';
import type { BackupCmlRun } from './clients.js';

const GC_TAG = `${CLUSTER_TAG_PREFIX}*=${CLUSTER_TAG_VALUE}`;

/**
 * AWS: the workspace's EBS volumes (tagged with its CRN) must carry kubernetes.io/cluster/liftie-*=owned,
 * which GC scripts must spare; tag-disks adds the cluster tag their sibling volumes carry. AWS_ENDPOINT_URL_EC2
 * points the client elsewhere (tests).
 */
export async function checkAwsDisks({ config, clients, report, log, signal }: BackupCmlRun): Promise<void> {
  const crn = report.workspace?.crn ?? '';
  const ec2 = await clients.ec2(config.awsRegion);
  let volumes: WorkspaceVolume[];
  try {
    volumes = await findWorkspaceVolumes(ec2, { key: CDP_RESOURCE_TAG, value: crn }, signal);
  } catch (err) {
    const problem = describeEc2Error('DescribeVolumes', config.awsRegion, err, signal);
    // Only tagging needs the answer: without tag-disks an unanswered check warns, as on Azure.
    if (config.tagDisks) throw problem;
    log.warning(`${problem.message}; the garbage-collection tags were not checked`);
    return;
  }
  const missing = volumes.filter((v) => !v.clusterTag);
  const disks = { count: volumes.length, gcTag: GC_TAG, missingTag: missing.map((v) => v.id), tagged: [] as string[] };
  report.disks = disks;
  if (volumes.length === 0) {
    log.warning(`no EBS volumes tagged ${CDP_RESOURCE_TAG}=${crn} found in ${config.awsRegion}: the garbage-collection tags cannot be checked`);
    return;
  }
  log.info(`${volumes.length} EBS volume(s) of the workspace: ${volumes.length - missing.length} carry ${GC_TAG}, ${missing.length} lack it`);
  if (missing.length === 0) return;
  const ids = missing.map((v) => `${v.id} (${v.sizeGiB ?? '?'} GiB)`).join(', ');
  if (!config.tagDisks) {
    log.warning(
      `${missing.length} EBS volume(s) lack ${GC_TAG}, so a garbage-collection script may delete them while the workspace's disks are detached: ${ids} (tag-disks: true adds the tag)`,
    );
    return;
  }
  const key = clusterTagToAdd(volumes);
  if (!key) {
    throw new ActionError(
      `tag-disks: cannot tell which cluster owns ${ids}: none or several of the workspace's other volumes carry ${GC_TAG}; tag them by hand`,
    );
  }
  if (config.dryRun) {
    log.info(`dry run: would add ${key}=${CLUSTER_TAG_VALUE} to ${ids}`);
    return;
  }
  try {
    await addClusterTag(
      ec2,
      missing.map((v) => v.id),
      key,
      signal,
    );
  } catch (err) {
    throw describeEc2Error(`CreateTags ${key}=${CLUSTER_TAG_VALUE} on ${ids}`, config.awsRegion, err, signal);
  }
  disks.tagged = missing.map((v) => v.id);
  log.info(`added ${key}=${CLUSTER_TAG_VALUE} to ${ids}; their other tags are unchanged`);
}

/** A cancel or the deadline passes through as it is; IAM refusals name the permission; the rest says which call failed. */
function describeEc2Error(call: string, region: string, err: unknown, signal: AbortSignal): Error {
  if (signal.aborted) return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
  if (err instanceof ActionError) return err;
  const name = (err as { name?: string })?.name ?? '';
  const hint = /^(UnauthorizedOperation|AccessDenied)/.test(name)
    ? `; the role needs ec2:${call.split(' ')[0]}${call.startsWith('CreateTags') ? ' on these volumes' : ''}`
    : name === 'AuthFailure'
      ? '; the AWS credentials were not accepted'
      : '';
  return new ActionError(`EC2 ${call} in ${region} failed: ${errorMessage(err)}${hint}`, { cause: err });
}
