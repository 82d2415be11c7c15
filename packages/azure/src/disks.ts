// The workspace's managed disks and the tag that keeps garbage-collection scripts away from them.
// Cloudera: "Garbage collection scripts need to check for the following tags and ignore disks that
// are tagged with the corresponding values": Azure `k8s-azure-created-by` = `kubernetes-azure-dd`.
import type { Disk } from '@azure/arm-compute';
import { ActionError } from '@ml-backup-actions/core';
import type { AzureClients } from './clients.js';
import { AzureError, azureErrorInfo, describeAzureError } from './errors.js';

export const GC_TAG_KEY = 'k8s-azure-created-by';
export const GC_TAG_VALUE = 'kubernetes-azure-dd';

/**
 * Which disks of a resource group belong to the workspace when no filter is given: the persistent-volume
 * disks the AKS disk CSI driver creates (they carry the PVC name). UNVERIFIED for CML: Cloudera does not
 * document which disks belong to a workspace; pass `tagFilter: {}` to take every disk of the group.
 */
export const DEFAULT_WORKSPACE_DISK_FILTER: TagFilter = { 'kubernetes.io-created-for-pvc-name': true };

/** "<namespace>/<name>" of the PVC a disk was created for (AKS disk CSI driver tags), or undefined. */
export function pvcOf(disk: Pick<WorkspaceDisk, 'tags'>): string | undefined {
  const name = disk.tags['kubernetes.io-created-for-pvc-name'];
  return name === undefined ? undefined : `${disk.tags['kubernetes.io-created-for-pvc-namespace'] ?? '?'}/${name}`;
}

/** Tag name -> required value, or `true` for "the tag is present with any value". All must match. */
export type TagFilter = Record<string, string | true>;

export type GcTagState = 'tagged' | 'missing' | 'different-value';

export interface WorkspaceDisk {
  name: string;
  id: string;
  resourceGroup: string;
  location?: string;
  /** Attached, Unattached, Reserved, ... (as ARM reports it) */
  diskState?: string;
  sizeGB?: number;
  managedBy?: string;
  tags: Record<string, string>;
  gcTag: GcTagState;
}

export interface FindDisksOptions {
  /** The resource group holding the workspace's disks (on AKS the node resource group, `MC_...`); absent: the whole subscription. */
  resourceGroup?: string;
  /** Default DEFAULT_WORKSPACE_DISK_FILTER; `{}` for all disks in the group. */
  tagFilter?: TagFilter;
  abortSignal?: AbortSignal;
}

export function matchesTagFilter(tags: Record<string, string> | undefined, filter: TagFilter): boolean {
  return Object.entries(filter).every(([k, v]) => {
    const actual = tags?.[k];
    return v === true ? actual !== undefined : actual === v;
  });
}

export function gcTagState(tags: Record<string, string> | undefined): GcTagState {
  const v = tags?.[GC_TAG_KEY];
  return v === undefined ? 'missing' : v === GC_TAG_VALUE ? 'tagged' : 'different-value';
}

/** The resource group named in an ARM id (/subscriptions/s/resourceGroups/<rg>/providers/...). */
const resourceGroupOf = (id: string | undefined): string => /\/resourceGroups\/([^/]+)/i.exec(id ?? '')?.[1] ?? '';

function toWorkspaceDisk(resourceGroup: string, d: Disk): WorkspaceDisk {
  const tags = { ...(d.tags ?? {}) };
  return {
    name: d.name ?? '(unnamed)',
    id: d.id ?? '',
    resourceGroup,
    location: d.location,
    diskState: d.diskState,
    sizeGB: d.diskSizeGB,
    managedBy: d.managedBy,
    tags,
    gcTag: gcTagState(tags),
  };
}

/** Lists the disks (all pages) of the resource group, or of the subscription, and keeps those matching the tag filter, sorted by name. */
export async function findWorkspaceDisks(clients: Pick<AzureClients, 'compute' | 'subscriptionId'>, options: FindDisksOptions): Promise<WorkspaceDisk[]> {
  const filter = options.tagFilter ?? DEFAULT_WORKSPACE_DISK_FILTER;
  const { resourceGroup, abortSignal } = options;
  const found: WorkspaceDisk[] = [];
  try {
    const disks = resourceGroup ? clients.compute.disks.listByResourceGroup(resourceGroup, { abortSignal }) : clients.compute.disks.list({ abortSignal });
    for await (const d of disks) {
      if (matchesTagFilter(d.tags, filter)) found.push(toWorkspaceDisk(resourceGroup ?? resourceGroupOf(d.id), d));
    }
  } catch (err) {
    const info = azureErrorInfo(err);
    const hint = info.code === 'ResourceGroupNotFound' ? ' (the resource group does not exist)' : '';
    const where = resourceGroup ? `resource group '${resourceGroup}' in subscription` : 'subscription';
    throw new AzureError(`could not list the disks of ${where} '${clients.subscriptionId}'${hint}: ${describeAzureError(err)}`, err);
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

export interface GcTagReport {
  disks: WorkspaceDisk[];
  tagged: WorkspaceDisk[];
  /** No `k8s-azure-created-by` tag: a garbage-collection script may delete these. */
  missing: WorkspaceDisk[];
  /** The tag is there with another value: reported, never overwritten unless asked. */
  differentValue: WorkspaceDisk[];
}

export function gcTagReport(disks: WorkspaceDisk[]): GcTagReport {
  return {
    disks,
    tagged: disks.filter((d) => d.gcTag === 'tagged'),
    missing: disks.filter((d) => d.gcTag === 'missing'),
    differentValue: disks.filter((d) => d.gcTag === 'different-value'),
  };
}

/** One line per disk that a GC script could delete, for the log or the job summary. */
export function describeGcTagReport(r: GcTagReport): string {
  const lines = [
    `${r.disks.length} workspace disk(s): ${r.tagged.length} carry ${GC_TAG_KEY}=${GC_TAG_VALUE}, ${r.missing.length} lack it, ${r.differentValue.length} have another value`,
  ];
  for (const d of r.missing) lines.push(`- ${d.name} (${d.resourceGroup}, ${d.diskState ?? 'state unknown'}): no ${GC_TAG_KEY} tag`);
  for (const d of r.differentValue) lines.push(`- ${d.name} (${d.resourceGroup}): ${GC_TAG_KEY}=${d.tags[GC_TAG_KEY]}`);
  return lines.join('\n');
}

export interface TagDisksOptions {
  /** Also set the value on disks whose tag has another value (default false: they are left and reported). */
  replaceDifferentValue?: boolean;
  /** Report what would change, change nothing. */
  dryRun?: boolean;
  /** Polling interval of the update's long-running operation (SDK default 2000 ms). */
  pollIntervalMs?: number;
  abortSignal?: AbortSignal;
  /** Called after each disk, e.g. to log progress. */
  onDisk?: (outcome: TagOutcome) => void;
}

export interface TagOutcome {
  disk: string;
  resourceGroup: string;
  result: 'tagged' | 'already-tagged' | 'skipped-different-value' | 'would-tag' | 'failed';
  /** The tags after the update (tagged), or as read (other results). */
  tags?: Record<string, string>;
  error?: string;
  statusCode?: number;
  code?: string;
}

export interface TagDisksResult {
  outcomes: TagOutcome[];
  tagged: string[];
  failed: TagOutcome[];
}

/** At least one disk could not be tagged; `result` has every disk's outcome. */
export class DiskTaggingError extends ActionError {
  constructor(readonly result: TagDisksResult) {
    super(
      `could not add ${GC_TAG_KEY}=${GC_TAG_VALUE} to ${result.failed.length} disk(s):\n` +
        result.failed.map((f) => `- disk '${f.disk}' in resource group '${f.resourceGroup}': ${f.error}`).join('\n') +
        (result.failed.some((f) => f.statusCode === 403)
          ? '\n(the credential needs Microsoft.Compute/disks/write on these disks, e.g. the Disk Snapshot Contributor or Contributor role)'
          : ''),
    );
    this.name = 'DiskTaggingError';
  }
}

/**
 * Adds `k8s-azure-created-by=kubernetes-azure-dd` to the given disks that lack it, MERGED into the
 * disk's current tags: each disk is read again right before the update and the PATCH carries
 * `{...currentTags, [GC_TAG_KEY]: GC_TAG_VALUE}`, because tags in an ARM PATCH replace the whole map.
 * Every disk is attempted; failures are collected and thrown together as DiskTaggingError.
 */
export async function tagDisksForGc(
  clients: Pick<AzureClients, 'compute' | 'subscriptionId'>,
  disks: WorkspaceDisk[],
  options: TagDisksOptions = {},
): Promise<TagDisksResult> {
  const outcomes: TagOutcome[] = [];
  const record = (o: TagOutcome) => {
    outcomes.push(o);
    options.onDisk?.(o);
  };
  for (const disk of disks) {
    options.abortSignal?.throwIfAborted();
    const base = { disk: disk.name, resourceGroup: disk.resourceGroup };
    try {
      const current = await clients.compute.disks.get(disk.resourceGroup, disk.name, { abortSignal: options.abortSignal });
      const tags = { ...(current.tags ?? {}) };
      const state = gcTagState(tags);
      if (state === 'tagged') {
        record({ ...base, result: 'already-tagged', tags });
        continue;
      }
      if (state === 'different-value' && !options.replaceDifferentValue) {
        record({ ...base, result: 'skipped-different-value', tags });
        continue;
      }
      const merged = { ...tags, [GC_TAG_KEY]: GC_TAG_VALUE };
      if (options.dryRun) {
        record({ ...base, result: 'would-tag', tags: merged });
        continue;
      }
      const updated = await clients.compute.disks.update(
        disk.resourceGroup,
        disk.name,
        { tags: merged },
        {
          abortSignal: options.abortSignal,
          ...(options.pollIntervalMs !== undefined ? { updateIntervalInMs: options.pollIntervalMs } : {}),
        },
      );
      record({ ...base, result: 'tagged', tags: { ...(updated?.tags ?? merged) } });
    } catch (err) {
      if (options.abortSignal?.aborted) throw err;
      const info = azureErrorInfo(err);
      record({ ...base, result: 'failed', error: describeAzureError(err), statusCode: info.statusCode, code: info.code });
    }
  }
  const result: TagDisksResult = {
    outcomes,
    tagged: outcomes.filter((o) => o.result === 'tagged').map((o) => o.disk),
    failed: outcomes.filter((o) => o.result === 'failed'),
  };
  if (result.failed.length > 0) throw new DiskTaggingError(result);
  return result;
}
