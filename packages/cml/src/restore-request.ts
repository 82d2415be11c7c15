import { checkRequest, type CreateWorkspaceRequest, type InstanceGroup, type RestoreWorkspaceRequest, type Workspace } from '@ml-backup-actions/cdp';
import type { UpgradeRecord } from './record.js';

/** The tag that records, on the restored workspace, which backup it was restored from (describe returns it). */
export const RESTORED_FROM_TAG = 'ml-backup-actions/restored-from';

export interface RestoreChoices {
  backupCrn: string;
  workspaceName: string;
  /** '' means the original's. */
  environmentName: string;
  useStaticSubdomain: boolean;
  /** workspace-parameters, parsed: merged over the derived newWorkspaceParameters. */
  overrides: Record<string, unknown>;
  /** Azure; '' means the record's. */
  existingNfs: string;
  nfsVersion: string;
  restoreTimeoutMinutes: number;
}

export interface DerivedRequest {
  request: RestoreWorkspaceRequest;
  /** Fields taken from the record, as "request field ← describe field". */
  derived: string[];
  /** What neither the record nor workspace-parameters gives, and the spec problems: each a sentence. */
  problems: string[];
}

/** Fields describeWorkspace cannot give (reference/cml-restore.md §1.3) that a restore must be told. */
const MUST_BE_GIVEN: { field: keyof CreateWorkspaceRequest; why: string }[] = [
  {
    field: 'usePublicLoadBalancer',
    why: "describe's endpointPublicAccess may mean the Kubernetes API, not the load balancer: say true or false as the original was created",
  },
];

/**
 * restoreWorkspace's request, derived from the record field by field (reference/cml-restore.md
 * §1.3), workspace-parameters merged over it, and checked against the ML API spec.
 */
export function deriveRestoreRequest(record: UpgradeRecord, choices: RestoreChoices): DerivedRequest {
  const w = record.describeWorkspace;
  const env = choices.environmentName || w.environmentName;
  const derived: string[] = [];
  const take = <K extends keyof CreateWorkspaceRequest>(field: K, value: CreateWorkspaceRequest[K] | undefined, from: string) => {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) return undefined;
    derived.push(`${field} ← ${from}`);
    return value;
  };
  const azure = record.cloud === 'AZURE';
  const params: CreateWorkspaceRequest = {
    environmentName: env,
    workspaceName: choices.workspaceName,
    provisionK8sRequest: {
      environmentName: env,
      instanceGroups: instanceGroups(w),
      tags: [...(w.tags ?? []).filter((t) => t.key !== RESTORED_FROM_TAG), { key: RESTORED_FROM_TAG, value: choices.backupCrn }],
      ...(w.subnets?.length ? { network: { topology: { subnets: [...w.subnets] } } } : {}),
    },
    disableTLS: take('disableTLS', w.httpsEnabled === undefined ? undefined : !w.httpsEnabled, '!httpsEnabled'),
    privateCluster: take('privateCluster', w.isPrivate, 'isPrivate'),
    loadBalancerIPWhitelists: take('loadBalancerIPWhitelists', w.loadBalancerIPWhitelists, 'loadBalancerIPWhitelists'),
    whitelistAuthorizedIPRanges: take('whitelistAuthorizedIPRanges', w.whitelistAuthorizedIPRanges, 'whitelistAuthorizedIPRanges'),
    authorizedIPRanges: take('authorizedIPRanges', w.authorizedIPRanges, 'authorizedIPRanges'),
    subnetsForLoadBalancers: take('subnetsForLoadBalancers', w.subnetsForLoadBalancers, 'subnetsForLoadBalancers'),
    enableMonitoring: take('enableMonitoring', w.monitoringEnabled, 'monitoringEnabled'),
    enableGovernance: take('enableGovernance', w.governanceEnabled, 'governanceEnabled'),
    enableModelMetrics: take('enableModelMetrics', w.modelMetricsEnabled, 'modelMetricsEnabled'),
    enableGlobalAccessLoadBalancer: take('enableGlobalAccessLoadBalancer', w.enableGlobalAccessLoadBalancer, 'enableGlobalAccessLoadBalancer'),
    ...(azure
      ? {
          existingNFS: choices.existingNfs || take('existingNFS', record.original.filesystemId || undefined, 'filesystemID'),
          nfsVersion: choices.nfsVersion || take('nfsVersion', record.original.nfsVersion, 'nfsVersion'),
        }
      : {}),
  };
  derived.push('instanceGroups ← instanceGroups (name, type, count, min/max, root volume, accelerator)');
  if (w.tags?.length) derived.push('tags ← tags (and the restored-from tag)');
  if (w.subnets?.length) derived.push('network.topology.subnets ← subnets');

  const problems: string[] = [];
  for (const key of ['workspaceName', 'environmentName', 'existingNFS', 'nfsVersion'] as const) {
    if (key in choices.overrides) problems.push(`workspace-parameters sets ${key}: give it as the input ${inputOf(key)} instead`);
  }
  const merged = merge(params, choices.overrides) as CreateWorkspaceRequest;
  for (const { field, why } of MUST_BE_GIVEN) {
    if (merged[field] === undefined) problems.push(`${field} cannot be derived (${why}); give it in workspace-parameters, e.g. {"${field}": false}`);
  }
  if (azure && !merged.existingNFS)
    problems.push('existingNFS is required on Azure (the NFS is not in the backup); the record has no filesystemID: give existing-nfs');
  if (!azure && (choices.existingNfs || choices.nfsVersion))
    problems.push('existing-nfs and nfs-version are for Azure; on AWS the file system comes back from the backup');
  const request: RestoreWorkspaceRequest = {
    backupCrn: choices.backupCrn,
    newWorkspaceParameters: dropUndefined(merged),
    useStaticSubdomain: choices.useStaticSubdomain,
    restoreJobTimeoutMinutes: Math.max(1, Math.ceil(choices.restoreTimeoutMinutes)),
  };
  for (const p of checkRequest('RestoreWorkspaceRequest', request)) problems.push(`${p.message} (ML API spec)`);
  return { request, derived, problems };
}

function inputOf(key: string): string {
  return { workspaceName: 'workspace-name', environmentName: 'environment-name', existingNFS: 'existing-nfs', nfsVersion: 'nfs-version' }[key] ?? key;
}

/** describe's WorkspaceInstanceGroup → create's InstanceGroup; instanceGroupName is system-assigned and not sent. */
function instanceGroups(w: Workspace): InstanceGroup[] {
  return (w.instanceGroups ?? []).map((g) => ({
    instanceType: g.instanceType,
    ...(g.name ? { name: g.name } : {}),
    instanceCount: g.instanceCount,
    autoscaling: { minInstances: g.minInstances, maxInstances: g.maxInstances, enabled: true },
    ...(g.rootVolumeSize ? { rootVolume: { size: g.rootVolumeSize } } : {}),
    ...(g.accelerator?.type || g.accelerator?.count ? { accelerator: { ...g.accelerator } } : {}),
  }));
}

/** Objects merge key by key; anything else (arrays included) replaces. */
function merge(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

function dropUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
