// Imported as @ml-backup-actions/aws/volumes, apart from the index: the EC2 client is large and only the disk checks need it.
// The workspace's EBS volumes and the tag that keeps garbage-collection scripts away from them.
// Cloudera: GC scripts must ignore disks tagged `kubernetes.io/cluster/liftie-*` = `owned` (AWS).
import { CreateTagsCommand, type EC2Client, paginateDescribeVolumes, type Tag } from '@aws-sdk/client-ec2';

export const CLUSTER_TAG_PREFIX = 'kubernetes.io/cluster/liftie-';
export const CLUSTER_TAG_VALUE = 'owned';

export interface WorkspaceVolume {
  id: string;
  sizeGiB?: number;
  state?: string;
  tags: Record<string, string>;
  /** The cluster tag key it carries with `owned`, if any. */
  clusterTag?: string;
}

const tagMap = (tags: Tag[] | undefined): Record<string, string> => Object.fromEntries((tags ?? []).filter((t) => t.Key).map((t) => [t.Key, t.Value ?? '']));
export const clusterTagOf = (tags: Record<string, string>): string | undefined =>
  Object.keys(tags).find((k) => k.startsWith(CLUSTER_TAG_PREFIX) && tags[k] === CLUSTER_TAG_VALUE);

/** DescribeVolumes (all pages) of the volumes tagged key=value (CDP's tag with the workspace's CRN), sorted by id. */
export async function findWorkspaceVolumes(
  ec2: EC2Client,
  tag: { key: string; value: string },
  signal?: AbortSignal,
  pageSize = 100,
): Promise<WorkspaceVolume[]> {
  const found: WorkspaceVolume[] = [];
  const pages = paginateDescribeVolumes({ client: ec2, pageSize }, { Filters: [{ Name: `tag:${tag.key}`, Values: [tag.value] }] });
  for await (const page of pages) {
    signal?.throwIfAborted();
    for (const v of page.Volumes ?? []) {
      const tags = tagMap(v.Tags);
      found.push({ id: v.VolumeId ?? '', sizeGiB: v.Size, state: v.State, tags, clusterTag: clusterTagOf(tags) });
    }
  }
  return found.sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * The cluster tag the untagged volumes should get: the one their sibling volumes carry. Undefined
 * when none does, or when they disagree (then which cluster owns the volumes is not for us to guess).
 */
export function clusterTagToAdd(volumes: WorkspaceVolume[]): string | undefined {
  const keys = new Set(volumes.map((v) => v.clusterTag).filter((k): k is string => !!k));
  return keys.size === 1 ? [...keys][0] : undefined;
}

/** CreateTags adds or overwrites only the keys it is given, so the volumes' other tags stay as they are. */
export async function addClusterTag(ec2: EC2Client, volumeIds: string[], key: string, signal?: AbortSignal): Promise<void> {
  await ec2.send(new CreateTagsCommand({ Resources: volumeIds, Tags: [{ Key: key, Value: CLUSTER_TAG_VALUE }] }), { abortSignal: signal });
}
