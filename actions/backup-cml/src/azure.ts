import { ActionError, type Logger } from '@ml-backup-actions/core';
import {
  DEFAULT_WORKSPACE_DISK_FILTER,
  GC_TAG_KEY,
  GC_TAG_VALUE,
  describeGcTagReport,
  findWorkspaceDisks,
  gcTagReport,
  pvcOf,
  requireResourceGroup,
  tagDisksForGc,
  type AzureClients,
  type GcTagReport,
  type WorkspaceDisk,
} from '@ml-backup-actions/azure';
import { CDP_RESOURCE_TAG } from '@ml-backup-actions/cdp';
import type { BackupCmlRun } from './clients.js';
import type { BackupCmlConfig } from './config.js';
import type { CloudFindings, DiskTags } from './report.js';

/** What each Azure check works with. */
interface Check {
  clients: AzureClients;
  config: BackupCmlConfig;
  /** Where the findings go as they are made: the report. */
  found: CloudFindings;
  log: Logger;
  signal: AbortSignal;
}

/**
 * The Azure side of the pre-flight, through the job's OIDC credential (az login tokens expire
 * within the hour; this one refreshes from GitHub's ID token): the snapshot resource group
 * exists (cml-snapshots-<region>, or the environment's own group), and the workspace's disks
 * carry the tag that garbage-collection scripts must spare; tag-disks adds it where missing.
 */
export async function checkAzure({ config, clients: { azure: connect }, report, log, signal }: BackupCmlRun): Promise<void> {
  const { azure } = config;
  if (!azure.subscriptionId) {
    if (config.tagDisks)
      throw new ActionError(
        "tag-disks is true, but azure-subscription-id is empty: tagging the workspace's Azure disks needs azure-subscription-id, azure-tenant-id and azure-client-id",
      );
    log.warning(
      'Azure checks skipped (snapshot resource group, disk tags): set azure-subscription-id, azure-tenant-id and azure-client-id (GitHub OIDC) to have them',
    );
    return;
  }
  if (!azure.tenantId || !azure.clientId) {
    throw new ActionError(
      `azure-subscription-id is ${azure.subscriptionId}, but azure-${azure.tenantId ? 'client' : 'tenant'}-id is empty (nor set as AZURE_${azure.tenantId ? 'CLIENT' : 'TENANT'}_ID): the Azure checks sign in with GitHub OIDC as that app registration`,
    );
  }
  const check: Check = { clients: await connect(), config, found: report, log, signal };
  const gc = await workspaceDisks(check, report.workspace?.crn ?? '');
  await checkSnapshotGroup(check, gc.disks);
  await tagOrWarn(check, gc);
}

/** The workspace's PV disks and their GC tag: in azure-disk-resource-group, else across the subscription by the workspace's CDP tag. */
async function workspaceDisks({ clients, config, log, signal }: Check, crn: string): Promise<GcTagReport> {
  const group = config.azure.diskResourceGroup;
  const tagFilter = group ? DEFAULT_WORKSPACE_DISK_FILTER : { ...DEFAULT_WORKSPACE_DISK_FILTER, [CDP_RESOURCE_TAG]: crn };
  const disks = await findWorkspaceDisks(clients, { resourceGroup: group || undefined, tagFilter, abortSignal: signal });
  const where = group ? `resource group ${group}` : `subscription ${clients.subscriptionId} (tag ${CDP_RESOURCE_TAG}=${crn})`;
  if (disks.length === 0)
    log.warning(
      `no disks of the workspace found in ${where}: the garbage-collection tags cannot be checked; set azure-disk-resource-group to the AKS node resource group (MC_...)`,
    );
  const gc = gcTagReport(disks);
  if (disks.length) log.info(`the workspace's disks in ${where}:\n${describeGcTagReport(gc)}`);
  return gc;
}

/** The runbook's prerequisite: cml-snapshots-<region> (the disks' region), or the environment's own group. */
async function checkSnapshotGroup({ clients, config, found, log, signal }: Check, disks: WorkspaceDisk[]): Promise<void> {
  const region = disks.find((d) => d.location)?.location;
  const group = config.azure.snapshotResourceGroup || (region ? `cml-snapshots-${region}` : '');
  if (!group) {
    log.warning("the workspace's Azure region is unknown (no disks found): set azure-snapshot-resource-group to have the snapshot resource group checked");
    return;
  }
  await requireResourceGroup(clients, group, {
    abortSignal: signal,
    purpose: "the backup's disk snapshots; if the environment uses its own resource group, name it in azure-snapshot-resource-group",
  });
  log.info(`snapshot resource group ${group} exists`);
  found.snapshotResourceGroup = group;
}

/** Disks without k8s-azure-created-by=kubernetes-azure-dd: named in a warning, or tagged (merged) with tag-disks. */
async function tagOrWarn({ clients, config, found, log, signal }: Check, gc: GcTagReport): Promise<void> {
  const { missing, differentValue } = gc;
  const disksReport: DiskTags = {
    count: gc.disks.length,
    gcTag: `${GC_TAG_KEY}=${GC_TAG_VALUE}`,
    missingTag: missing.map((d) => d.name),
    otherValue: differentValue.map((d) => d.name),
    tagged: [],
  };
  found.disks = disksReport;
  // GC scripts spare only the exact value; another value is someone's tag, reported and never overwritten.
  if (differentValue.length) {
    log.warning(
      `${differentValue.length} workspace disk(s) carry ${GC_TAG_KEY} with another value than ${GC_TAG_VALUE}, so a garbage-collection script may not spare them; not changed: ${differentValue.map((d) => `${d.name} (${GC_TAG_KEY}=${d.tags[GC_TAG_KEY]})`).join(', ')}`,
    );
  }
  if (missing.length === 0) return;
  if (!config.tagDisks) {
    const names = missing.map((d) => `${d.name} (PVC ${pvcOf(d)})`);
    log.warning(
      `${missing.length} workspace disk(s) lack ${GC_TAG_KEY}=${GC_TAG_VALUE}, so a garbage-collection script may delete them while the workspace is suspended: ${names.join(', ')} (tag-disks: true adds the tag)`,
    );
    return;
  }
  if (config.dryRun) {
    log.info(`dry run: would add ${GC_TAG_KEY}=${GC_TAG_VALUE} to ${missing.map((d) => d.name).join(', ')}`);
    return;
  }
  // Recorded disk by disk, so that a failure or a cancel part-way still reports what was tagged.
  await tagDisksForGc(clients, missing, {
    abortSignal: signal,
    onDisk: (o) => {
      log.info(`disk ${o.disk}: ${o.result}${o.error ? `: ${o.error}` : ''}`);
      if (o.result === 'tagged') disksReport.tagged.push(o.disk);
    },
  });
}
