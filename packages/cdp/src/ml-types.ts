// Request and response types of the CDP ML (Cloudera AI) API, from vectors/ml.yaml (cdpcli
// 0.9.158, definitions section): only the fields the spec declares; required ones are not optional.

export interface Tag {
  key: string;
  value: string;
}

export interface Instance {
  instanceId: string;
  availabilityZone: string;
}

export interface AcceleratorResponse {
  type?: string;
  count?: number;
}

export interface WorkspaceInstanceGroup {
  instanceType: string;
  instanceCount: number;
  instanceGroupName: string;
  minInstances: number;
  maxInstances: number;
  instances: Instance[];
  tags: Tag[];
  cpu?: string;
  gpu?: string;
  memory?: string;
  rootVolumeSize?: number;
  name?: string;
  accelerator?: AcceleratorResponse;
}

export interface HealthInfo {
  resourceName: string;
  isHealthy: boolean;
  updatedAt: string;
  message: string;
  details: string[];
}

export interface UpgradeState {
  state?: string;
  reason?: string;
}

export interface BackupMetadata {
  backupVaultName?: string;
  lastSuccessfulBackupTime?: string;
  isSuccessfulBackupAvailable?: boolean;
  lastBackupStatus?: string;
  numberOfAvailableBackups?: number;
}

export interface ResourceQuota {
  cpuQuota: string;
  memoryQuota: string;
  gpuQuota?: string;
}

export interface Workspace {
  instanceName: string;
  environmentName: string;
  /** Open-ended: "installation:finished", "modify:finished", "provision:started", "*:failed", ... */
  instanceStatus: string;
  instanceUrl: string;
  environmentCrn: string;
  crn: string;
  k8sClusterName: string;
  creatorCrn: string;
  version: string;
  httpsEnabled: boolean;
  endpointPublicAccess: boolean;
  filesystemID: string;
  tags: Tag[];
  instanceGroups: WorkspaceInstanceGroup[];
  cloudPlatform: string;
  monitoringEnabled: boolean;
  loadBalancerIPWhitelists?: string[];
  creationDate?: string;
  healthInfoLists?: HealthInfo[];
  failureMessage?: string;
  clusterBaseDomain?: string;
  modelMetricsEnabled?: boolean;
  governanceEnabled?: boolean;
  subnets?: string[];
  whitelistAuthorizedIPRanges?: boolean;
  authorizedIPRanges?: string[];
  nfsVersion?: string;
  subnetsForLoadBalancers?: string[];
  upgradeState?: UpgradeState;
  backupMetadata?: BackupMetadata;
  clusterID?: string;
  isPrivate?: boolean;
  resourcePoolName?: string;
  parentResourcePoolName?: string;
  quota?: ResourceQuota;
  availableQuota?: ResourceQuota;
  isRestored?: boolean;
  secondaryPodRangeNames?: string[];
  enableGlobalAccessLoadBalancer?: boolean;
  /** "Inplace" or "RestoreBased"; only present when set. */
  upgradeType?: string;
}

export interface WorkspaceSummary {
  instanceName: string;
  environmentName: string;
  instanceStatus: string;
  instanceUrl: string;
  environmentCrn: string;
  crn: string;
  k8sClusterName: string;
  creatorCrn: string;
  version: string;
  httpsEnabled: boolean;
  filesystemID: string;
  cloudPlatform: string;
  monitoringEnabled: boolean;
  loadBalancerIPWhitelists?: string[];
  creationDate?: string;
  failureMessage?: string;
  healthInfoLists?: HealthInfo[];
  upgradeState?: UpgradeState;
  nfsVersion?: string;
  backupMetadata?: BackupMetadata;
  clusterID?: string;
  isPrivate?: boolean;
  isRestored?: boolean;
  upgradeType?: string;
}

/** A workspace named by CRN, or by environment and name (the CRN wins when both are given). */
export interface WorkspaceRef {
  environmentName?: string;
  workspaceName?: string;
  workspaceCrn?: string;
}

export interface BackupWorkspaceRequest {
  workspaceCrn: string;
  backupName: string;
  backupJobTimeoutMinutes?: number;
  skipValidation?: boolean;
}

export interface BackupWorkspaceResponse {
  backupCrn?: string;
  vaultName?: string;
  warnings?: string[];
}

export interface DescribeWorkspaceBackupRequest {
  backupCrn?: string;
}

export interface DescribeWorkspaceBackupResponse {
  backupCrn?: string;
  backupName?: string;
  createdAt?: string;
  creatorCrn?: string;
  workspaceVersionAtBackup?: string;
  /** Open-ended; no source documents its values. */
  backupStatus?: string;
  isCrossNsBackup?: boolean;
  instanceGroups?: WorkspaceInstanceGroup[];
}

export interface ListWorkspaceBackupsQueryOptions {
  expandEnvironmentMetadata?: boolean;
}

export interface ListWorkspaceBackupsRequest extends WorkspaceRef {
  queryOptions?: ListWorkspaceBackupsQueryOptions;
}

export interface BackupDetail {
  backupCrn?: string;
  backupName?: string;
  createdAt?: string;
  creatorCrn?: string;
  workspaceVersionAtBackup?: string;
  backupStatus?: string;
}

export interface ListWorkspaceBackupsResponse {
  backups?: BackupDetail[];
}

export type DescribeWorkspaceRequest = WorkspaceRef;

export interface DescribeWorkspaceResponse {
  workspace: Workspace;
}

export interface ListWorkspacesRequest {
  queryOptions?: string[];
}

export interface ListWorkspacesResponse {
  workspaces?: WorkspaceSummary[];
}

export interface SuspendWorkspaceRequest {
  workspaceCrn: string;
}

export interface ResumeWorkspaceRequest {
  workspaceCrn: string;
}

export type EmptyResponse = Record<string, never>;

export interface ProvisionTag {
  key: string;
  value: string;
}

export interface RootVolume {
  size: number;
}

export interface Autoscaling {
  minInstances: number;
  maxInstances: number;
  enabled?: boolean;
}

export interface Accelerator {
  type?: string;
  count?: number;
}

export interface InstanceGroup {
  instanceType: string;
  instanceTier?: string;
  instanceCount?: number;
  name?: string;
  ingressRules?: string[];
  rootVolume?: RootVolume;
  autoscaling?: Autoscaling;
  accelerator?: Accelerator;
}

export interface OverlayNetwork {
  plugin?: string;
  topology?: { subnets?: string[] };
  gcp?: { secondaryPodRangeName?: string };
}

export interface ProvisionK8sRequest {
  instanceGroups: InstanceGroup[];
  environmentName: string;
  tags?: ProvisionTag[];
  network?: OverlayNetwork;
}

export interface ExistingDatabaseConfig {
  existingDatabaseHost?: string;
  existingDatabasePort?: string;
  existingDatabaseName?: string;
  existingDatabaseUser?: string;
  existingDatabasePassword?: string;
}

export type OutboundTypes = 'UNKNOWN' | 'OUTBOUND_TYPE_UDR';

export interface QuotaConfig {
  cpuQuota: string;
  memoryQuota: string;
  gpuQuota?: string;
}

export interface ResourcePoolConfig {
  parentPoolName?: string;
  workspaceQuota?: QuotaConfig;
}

export interface CreateWorkspaceRequest {
  environmentName: string;
  workspaceName: string;
  /** "Required in public cloud". */
  provisionK8sRequest?: ProvisionK8sRequest;
  usePublicLoadBalancer?: boolean;
  disableTLS?: boolean;
  enableMonitoring?: boolean;
  enableGovernance?: boolean;
  existingNFS?: string;
  enableYunikorn?: boolean;
  loadBalancerIPWhitelists?: string[];
  nfsVersion?: string;
  enableModelMetrics?: boolean;
  existingDatabaseConfig?: ExistingDatabaseConfig;
  whitelistAuthorizedIPRanges?: boolean;
  authorizedIPRanges?: string[];
  skipValidation?: boolean;
  privateCluster?: boolean;
  subnetsForLoadBalancers?: string[];
  staticSubdomain?: string;
  cdswMigrationMode?: string;
  outboundTypes?: OutboundTypes[];
  resourcePoolConfig?: ResourcePoolConfig;
  enableEnhancedPerformance?: boolean;
  enableGlobalAccessLoadBalancer?: boolean;
}

export interface RestoreWorkspaceRequest {
  newWorkspaceParameters?: CreateWorkspaceRequest;
  backupCrn?: string;
  useStaticSubdomain?: boolean;
  restoreJobTimeoutMinutes?: number;
}

export interface RestoreWorkspaceResponse {
  workspaceCrn?: string;
  warnings?: string[];
}

export interface DeleteWorkspaceRequest extends WorkspaceRef {
  /** Force removes the guarantee that cloud resources are cleaned up. */
  force: boolean;
  removeStorage?: boolean;
}

export interface DeleteBackupRequest {
  backupCrn: string;
  skipValidation?: boolean;
}

export interface DeleteBackupResponse {
  workflowId?: string;
}
