// @ts-check
// CDP control-plane emulator (the ML service, as cdpcli sees it) and the AWS Backup endpoint behind
// CML backups on AWS. See README.md. Runs in the test's process on 127.0.0.1 (random ports).
//   - POST /api/v1/ml/<operation>, JSON bodies; each request's x-altus-date / x-altus-auth verified
//     with the public half of a test key (auth.js), each body validated against ml.yaml (schema.js),
//     each response checked against ml.yaml's response definition before it is sent.
//   - A model of workspaces and backups whose statuses progress over model time (options.timeScale).
//   - On AWS, backupWorkspace starts AWS Backup jobs (EBS volumes + the EFS file system) in the
//     workspace's vault, served at their wire protocol by aws-backup.js.
//   - Each workspace's CML API v2 (projects, jobs, models, applications; Bearer API keys), served by
//     cml-api.js at the workspace's instanceUrl, http://127.0.0.1:<port>/<subdomain>.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { loadModel, validate } from './schema.js';
import { generateTestKeys, knownKey, verifyRequest } from './auth.js';
import { startAwsBackup } from './aws-backup.js';
import { startAwsEc2 } from './aws-ec2.js';
import { DEFAULT_API_USERS, defaultProjects, makeApiKeys, makeProjects, newApiKey, startCmlApi } from './cml-api.js';

export { generateTestKeys, knownKey, verifyRequest } from './auth.js';
export { loadModel, validate, ML_YAML } from './schema.js';
export { APPLICATION_STATUS, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, defaultProjects } from './cml-api.js';

/** What getLatestWorkspaceVersion answers, and the version every restore installs (a restore always installs the latest). */
export const LATEST_WORKSPACE_VERSION = '2.0.52-b45';

/** Workspace statuses (reference cdp.md section 6; suspend/resume values are low confidence). */
export const WORKSPACE_STATUS = {
  provisionStarted: 'provision:started',
  installationStarted: 'installation:started',
  ready: 'installation:finished',
  suspendStarted: 'suspend:started',
  suspended: 'suspend:finished',
  resumeStarted: 'resume:started',
  resumed: 'resume:finished',
  deprovisionStarted: 'deprovision:started',
  deprovisionFailed: 'deprovision:failed',
  installationFailed: 'installation:failed',
};
/** The failure message of a delete failed by faults.failNextDelete() unless one is given (the emulator's wording). */
export const DEFAULT_DELETE_FAILURE = 'Failed to delete the workbench: timed out waiting for the Kubernetes cluster to be deleted.';
/** What deleteWorkspace answers for a suspended workspace when deleteSuspended is 'refuse' (no public source: the emulator's wording). */
export const SUSPENDED_DELETE_REFUSAL = 'Cannot delete a workbench that is suspended. Resume it first.';
/** Statuses in which a workspace counts as ready (cloudera.cloud READY_STATES, plus resume:finished). */
export const READY_STATUSES = ['installation:finished', 'modify:finished', 'resume:finished'];

/** Backup statuses. No public source gives CML's backupStatus values: these are the emulator's choice. */
export const DEFAULT_BACKUP_STATUS = { started: 'backup:started', finished: 'backup:finished', failed: 'backup:failed' };

/** The failure message of a restore failed by faults.failNextRestore() unless one is given (the emulator's wording). */
export const DEFAULT_RESTORE_FAILURE = 'Restore failed: the workbench installation did not complete.';

const ACCOUNT = '9d74eee4-1cad-45d7-b645-7ccf9edbb73d';
const CREATOR = `crn:altus:iam:us-west-1:${ACCOUNT}:user:3a1c2b0e-77d4-4b56-9a2e-6d1f3c4b5a69`;
const TERMINAL_JOB = new Set(['COMPLETED', 'ABORTED', 'FAILED', 'EXPIRED', 'PARTIAL']);
const GiB = 1024 ** 3;

/**
 * A workspace as a test describes it; the describe-only fields (tags ... isPrivate) default to what
 * a typical workspace shows (tags [{ team: ml-platform }], two subnets, an LB allow-list).
 * @typedef {import('./cml-api.js').ProjectSpec} ProjectSpec
 * @typedef {import('./cml-api.js').Project} Project
 * @typedef {import('./cml-api.js').ApiKey} ApiKey
 * @typedef {import('./cml-api.js').CmlRequest} CmlRequest
 * @typedef {{ key: string, value: string }} Tag
 * @typedef {{ resourceName: string, isHealthy: boolean, updatedAt: string, message: string, details: string[] }} HealthInfo
 * @typedef {{ instanceType: string, instanceCount: number, instanceGroupName: string, name: string, minInstances: number,
 *   maxInstances: number, instances: { instanceId: string, availabilityZone: string }[], tags: Tag[], rootVolumeSize: number,
 *   accelerator?: { type?: string, count?: number } }} WorkspaceInstanceGroup
 * @typedef {{ name: string, environmentName?: string, cloudPlatform?: 'AWS' | 'AZURE', status?: string,
 *   version?: string, filesystemID?: string, existingNFS?: string, nfsVersion?: string, crn?: string,
 *   ebsVolumes?: { id?: string, sizeGiB: number, gcTag?: boolean, pvc?: string, tags?: Record<string, string> }[], efsBytes?: number, staticSubdomain?: string,
 *   projects?: ProjectSpec[], apiUsers?: { username: string, admin?: boolean }[],
 *   tags?: Tag[], subnets?: string[], loadBalancerIPWhitelists?: string[], subnetsForLoadBalancers?: string[], authorizedIPRanges?: string[],
 *   whitelistAuthorizedIPRanges?: boolean, httpsEnabled?: boolean, monitoringEnabled?: boolean, governanceEnabled?: boolean,
 *   modelMetricsEnabled?: boolean, isPrivate?: boolean, endpointPublicAccess?: boolean }} WorkspaceSpec
 * @typedef {{ timeScale?: number, region?: string, awsRegion?: string, awsAccountId?: string,
 *   maxSkewSeconds?: number, workspaces?: WorkspaceSpec[], backupSeconds?: number, suspendSeconds?: number,
 *   resumeSeconds?: number, restoreSeconds?: number, deleteSeconds?: number, abortSeconds?: number,
 *   backupStatuses?: Partial<typeof DEFAULT_BACKUP_STATUS>, extraKeys?: { accessKeyId: string, method: 'ed25519v1' | 'rsav1' | 'ecdsav1', publicKey: string }[],
 *   optIn?: Record<string, boolean>, keysSurviveRestore?: boolean, deleteSuspended?: 'accept' | 'refuse' }} CdpOptions
 *   timeScale: model seconds per real second (default 1); backupSeconds: model duration of a
 *   backup's EFS job (default 10 h), EBS jobs take a tenth of it. keysSurviveRestore (default true):
 *   whether a restored workspace accepts the CML API keys of the backed-up one (low confidence, so a switch).
 *   deleteSuspended (default 'accept'): whether deleteWorkspace takes a suspend:finished workspace
 *   or refuses it (reference cml-restore.md §8.4: unknown, so a switch).
 */

/**
 * The emulator's state: a workspace, a backup of one, an AWS Backup job of a backup, a backup's injected fault.
 * @typedef {import('./aws-ec2.js').Volume} Volume
 * @typedef {{ kind: 'fail' | 'hang', atPercent: number, message: string }} BackupFault
 * @typedef {{ crn: string, id: string, name: string, environmentName: string, environmentCrn: string, cloudPlatform: 'AWS' | 'AZURE',
 *   version: string, staticSubdomain: string, filesystemID: string, existingNFS?: string, nfsVersion?: string, ebsVolumes: Volume[],
 *   efsBytes: number, k8sClusterName: string, createdWall: number, isRestored: boolean, vaultName?: string,
 *   timeline: { at: number, status: string }[], deleteAt?: number, removeStorage?: boolean,
 *   projects: Project[], apiKeys: ApiKey[], tags: Tag[], subnets: string[], loadBalancerIPWhitelists: string[], subnetsForLoadBalancers: string[],
 *   authorizedIPRanges: string[], whitelistAuthorizedIPRanges: boolean, httpsEnabled: boolean, monitoringEnabled: boolean,
 *   governanceEnabled: boolean, modelMetricsEnabled: boolean, isPrivate: boolean, endpointPublicAccess: boolean,
 *   instanceGroups: WorkspaceInstanceGroup[], health: HealthInfo[], failure?: { at: number, message: string },
 *   restoreJobTimeoutMinutes?: number, restoredFrom?: string }} Workspace
 * @typedef {{ crn: string, name: string, workspaceCrn: string, workspaceName: string, environmentName: string, platform: 'AWS' | 'AZURE',
 *   workspaceVersion: string, staticSubdomain: string, ebsVolumes: Volume[], efsBytes: number, existingNFS?: string, nfsVersion?: string,
 *   vaultName?: string, createdWall: number, startModel: number, timeoutMinutes?: number, fault?: BackupFault, jobIds: string[], deleted: boolean,
 *   projects: Project[], apiKeys: ApiKey[], instanceGroups: WorkspaceInstanceGroup[] }} Backup
 * @typedef {{ message: string, atFraction: number }} RestoreFault
 * @typedef {{ backupCrn: string, workspaceCrn: string, workspaceName: string, useStaticSubdomain: boolean,
 *   restoreJobTimeoutMinutes?: number, at: number }} RestoreRecord
 * @typedef {{ id: string, backupCrn: string, vaultName?: string, resourceType: 'EBS' | 'EFS', resourceArn: string, resourceName: string,
 *   bytes: number, startModel: number, createdWall: number, createdFor: number, duration: number, percentStyle: 'percent' | 'plain',
 *   recoveryPointArn: string, fail?: { atPercent: number, message: string }, hang: boolean, stopModel?: number, deadlineModel?: number }} Job
 * @typedef {{ method?: string, path: string, operation?: string, accessKeyId?: string, body: any, status: number, code?: string, at: number }} CdpRequest
 */

/** The default model: one ready workspace on AWS and one on Azure. */
export function defaultWorkspaces() {
  return /** @type {WorkspaceSpec[]} */ ([
    // One volume lacks its cluster tag, as a restore can leave it.
    {
      name: 'ml-prod',
      environmentName: 'cdp-aws-env',
      cloudPlatform: 'AWS',
      efsBytes: 800 * GiB,
      ebsVolumes: [{ sizeGiB: 100 }, { sizeGiB: 512, gcTag: false, tags: { team: 'ml-platform' } }],
    },
    {
      name: 'ml-azure',
      environmentName: 'cdp-azure-env',
      cloudPlatform: 'AZURE',
      existingNFS: 'cmlnfs.file.core.windows.net:/cmlnfs/ml-azure',
      nfsVersion: '4.1',
    },
  ]);
}

/** @param {CdpOptions} [options] */
export async function startCdp(options = {}) {
  const timeScale = options.timeScale ?? 1;
  const region = options.region ?? 'us-west-1';
  const awsRegion = options.awsRegion ?? 'us-east-1';
  const awsAccountId = options.awsAccountId ?? '123456789012';
  const maxSkewSeconds = options.maxSkewSeconds ?? 300;
  const durations = {
    backup: options.backupSeconds ?? 10 * 3600,
    suspend: options.suspendSeconds ?? 600,
    resume: options.resumeSeconds ?? 900,
    restore: options.restoreSeconds ?? 3 * 3600,
    delete: options.deleteSeconds ?? 1800,
    abort: options.abortSeconds ?? 60,
  };
  const BACKUP_STATUS = { ...DEFAULT_BACKUP_STATUS, ...(options.backupStatuses ?? {}) };
  const model = loadModel();

  // ---- model clock: model seconds, advancing timeScale times faster than real time ----
  const realOrigin = Date.now();
  let pausedAt = /** @type {number | undefined} */ (undefined);
  let offset = 0; // model seconds added by advance() and removed by pauses
  const realModel = () => (((pausedAt ?? Date.now()) - realOrigin) / 1000) * timeScale;
  const clock = {
    /** Model seconds since start. */
    now: () => realModel() + offset,
    /** Moves model time forward by `seconds`. @param {number} seconds */
    advance(seconds) {
      offset += seconds;
    },
    /** Stops model time (real time goes on). */
    pause() {
      if (pausedAt === undefined) pausedAt = Date.now();
    },
    resume() {
      if (pausedAt === undefined) return;
      const paused = ((Date.now() - pausedAt) / 1000) * timeScale;
      pausedAt = undefined;
      offset -= paused;
    },
    timeScale,
  };

  // ---- keys ----
  const keys = generateTestKeys();
  /** @type {Map<string, import('./auth.js').KnownKey>} */
  const known = new Map();
  for (const k of [keys.ed25519, keys.rsa]) known.set(k.accessKeyId, { accessKeyId: k.accessKeyId, method: k.authMethod, publicKey: k.publicKey });
  for (const k of options.extraKeys ?? []) known.set(k.accessKeyId, knownKey(k.accessKeyId, k.method, k.publicKey));
  const aws = { accessKeyId: 'AKIACDPSANDBOX000001', secretAccessKey: `cdp-sandbox-aws-${randomUUID()}`, region: awsRegion };

  // ---- state ----
  /** @type {Map<string, Workspace>} */
  const workspaces = new Map();
  /** @type {Map<string, Backup>} */
  const backups = new Map();
  /** @type {Map<string, Job>} */
  const jobs = new Map();
  /** @type {CdpRequest[]} */
  const requests = [];
  /** @type {import('./aws-backup.js').AwsRequest[]} */
  const awsRequests = [];
  const faultState = {
    /** @type {{ status: number, code: string, operation?: string, remaining: number }[]} */
    errors: [],
    /** @type {{ ms: number, operation?: string, remaining: number }[]} */
    delays: [],
    /** @type {BackupFault[]} */
    backups: [],
    /** @type {{ status: number, type: string, remaining: number }[]} */
    aws: [],
    /** @type {RestoreFault[]} */
    restores: [],
    /** @type {{ message: string }[]} deletes that end in deprovision:failed */
    deletes: [],
    /** @type {string[]} CDP operations whose next answer is lost (the call is carried out, the socket destroyed) */
    lostAnswers: [],
    /** @type {string[]} names of projects the next restore leaves out */
    droppedProjects: [],
    /** @type {{ status: number, remaining: number }[]} */
    cmlErrors: [],
    /** @type {{ ms: number, remaining: number }[]} */
    cmlDelays: [],
  };
  /** @type {RestoreRecord[]} */
  const restoreRecords = [];
  /** @type {CmlRequest[]} */
  const cmlRequests = [];
  let keysSurviveRestore = options.keysSurviveRestore ?? true;
  const deleteSuspended = options.deleteSuspended ?? 'accept';
  /** @type {{ workspaceCrn: string, workspaceName: string, force: boolean, removeStorage: boolean, at: number }[]} */
  const deleteRecords = [];
  /** @type {Record<string, boolean>} */
  const optIn = {
    Aurora: true,
    DocumentDB: true,
    DynamoDB: true,
    EBS: true,
    EC2: true,
    EFS: true,
    FSx: true,
    Neptune: true,
    RDS: true,
    S3: true,
    'Storage Gateway': true,
    VirtualMachine: true,
    ...(options.optIn ?? {}),
  };
  const management = { DynamoDB: true, EFS: true };

  /** @param {Workspace} ws */
  const statusOf = (ws) => {
    const t = clock.now();
    let s = ws.timeline[0].status;
    for (const e of ws.timeline) if (e.at <= t) s = e.status;
    return s;
  };
  /** @param {Workspace} ws */
  const isGone = (ws) => ws.deleteAt !== undefined && clock.now() >= ws.deleteAt;
  /** @param {Workspace} ws @param {[string, number][]} steps [status, model seconds after the previous step] */
  const setTimeline = (ws, steps) => {
    const t = clock.now();
    ws.timeline = ws.timeline.filter((e) => e.at <= t);
    let at = t;
    for (const [status, after] of steps) {
      at += after;
      ws.timeline.push({ at, status });
    }
  };

  /**
   * One CPU group; instanceGroupName is system-assigned (unlike name, what a create request gives).
   * @param {'AWS' | 'AZURE'} platform @param {Tag[]} tags @param {string} cluster @returns {WorkspaceInstanceGroup[]}
   */
  const defaultInstanceGroups = (platform, tags, cluster) => [
    {
      instanceType: platform === 'AWS' ? 'm5.2xlarge' : 'Standard_DS3_v2',
      instanceCount: 2,
      instanceGroupName: `${cluster}-cpu0`,
      name: 'cpu0',
      minInstances: 1,
      maxInstances: 10,
      instances: [
        {
          instanceId: platform === 'AWS' ? 'i-0a1b2c3d4e5f60718' : 'aks-cpu0-31415926-vmss_0',
          availabilityZone: platform === 'AWS' ? `${awsRegion}a` : '1',
        },
      ],
      tags: tags.map((t) => ({ ...t })),
      rootVolumeSize: 512,
    },
  ];
  /**
   * A describe's group for a restore request's InstanceGroup (cml-restore.md 1.3, read backwards).
   * @param {any} g @param {number} i @param {Tag[]} tags @param {'AWS' | 'AZURE'} platform @returns {WorkspaceInstanceGroup}
   */
  const requestedGroup = (g, i, tags, platform) => {
    const count = g.instanceCount ?? g.autoscaling?.minInstances ?? 1;
    const name = g.name ?? `group${i}`;
    return {
      instanceType: g.instanceType,
      instanceCount: count,
      instanceGroupName: `liftie-${randomUUID().slice(0, 8)}-${name}`,
      name,
      minInstances: g.autoscaling?.minInstances ?? count,
      maxInstances: g.autoscaling?.maxInstances ?? count,
      instances: Array.from({ length: count }, (_, n) => ({
        instanceId: platform === 'AWS' ? `i-${randomUUID().replace(/-/g, '').slice(0, 17)}` : `aks-${name}-27182818-vmss_${n}`,
        availabilityZone: platform === 'AWS' ? `${awsRegion}${'abc'[n % 3]}` : String((n % 3) + 1),
      })),
      tags: tags.map((t) => ({ ...t })),
      rootVolumeSize: g.rootVolume?.size ?? 512,
      ...(g.accelerator ? { accelerator: { ...g.accelerator } } : {}),
    };
  };
  /** The describe's health list: every resource healthy, as of now. @returns {HealthInfo[]} */
  const healthyNow = () =>
    ['web', 'ds-cdh-client', 'livelog', 'model-proxy', 'db'].map((resourceName) => ({
      resourceName,
      isHealthy: true,
      updatedAt: new Date().toISOString(),
      message: '',
      details: [],
    }));

  /**
   * @param {WorkspaceSpec} spec
   * @param {{ status?: string, timeline?: [string, number][], isRestored?: boolean, projects?: Project[], apiKeys?: ApiKey[],
   *   instanceGroups?: WorkspaceInstanceGroup[] }} [extra] a restore's already-made projects, keys and groups
   */
  function addWorkspace(spec, extra = {}) {
    const id = randomUUID();
    const platform = spec.cloudPlatform ?? 'AWS';
    const env = spec.environmentName ?? (platform === 'AWS' ? 'cdp-aws-env' : 'cdp-azure-env');
    const sub = spec.staticSubdomain ?? `ml-${id.slice(0, 8)}`;
    const tags = spec.tags ?? [{ key: 'team', value: 'ml-platform' }];
    /** @type {Workspace} */
    const ws = {
      crn: spec.crn ?? `crn:cdp:ml:${region}:${ACCOUNT}:workspace:${id}`,
      id,
      name: spec.name,
      environmentName: env,
      environmentCrn: `crn:cdp:environments:${region}:${ACCOUNT}:environment:${randomUUID()}`,
      cloudPlatform: platform,
      version: spec.version ?? '2.0.50-b123',
      staticSubdomain: sub,
      filesystemID: spec.filesystemID ?? (platform === 'AWS' ? `fs-${id.replace(/-/g, '').slice(0, 17)}` : (spec.existingNFS ?? '')),
      existingNFS: spec.existingNFS,
      nfsVersion: spec.nfsVersion ?? (platform === 'AZURE' ? '4.1' : undefined),
      ebsVolumes: (spec.ebsVolumes ?? (platform === 'AWS' ? [{ sizeGiB: 100 }, { sizeGiB: 256 }] : [])).map((v, i) => ({
        id: v.id ?? `vol-${randomUUID().replace(/-/g, '').slice(0, 17)}`,
        sizeGiB: v.sizeGiB,
        // As the EBS CSI driver and CDP tag them; the cluster tag is what GC scripts must spare.
        tags: {
          'Cloudera-Resource-Name': spec.crn ?? `crn:cdp:ml:${region}:${ACCOUNT}:workspace:${id}`,
          ...(v.gcTag === false ? {} : { [`kubernetes.io/cluster/liftie-${id.slice(0, 8)}`]: 'owned' }),
          'kubernetes.io/created-for/pvc/name': v.pvc ?? ['data-db-0', 'data-livelog-0', 'data-s2i-registry-0'][i % 3],
          'kubernetes.io/created-for/pvc/namespace': 'mlx',
          'ebs.csi.aws.com/cluster': 'true',
          CSIVolumeName: `pvc-${randomUUID()}`,
          ...(v.tags ?? {}),
        },
        createdAt: new Date().toISOString(),
        instanceId: `i-${id.replace(/-/g, '').slice(8, 25)}`,
      })),
      efsBytes: spec.efsBytes ?? (platform === 'AWS' ? 200 * GiB : 0),
      k8sClusterName: `liftie-${id.slice(0, 8)}`,
      createdWall: Date.now(),
      isRestored: extra.isRestored ?? false,
      vaultName: platform === 'AWS' ? `cml-backup-vault-${env}`.replace(/[^a-zA-Z0-9\-_]/g, '-').slice(0, 50) : undefined,
      timeline: [{ at: -Infinity, status: spec.status ?? extra.status ?? WORKSPACE_STATUS.ready }],
      deleteAt: undefined,
      projects: extra.projects ?? makeProjects(spec.projects ?? defaultProjects()),
      apiKeys: extra.apiKeys ?? makeApiKeys(spec.apiUsers ?? DEFAULT_API_USERS),
      tags: tags.map((t) => ({ ...t })),
      subnets: spec.subnets ?? (platform === 'AWS' ? ['subnet-0a1b2c3d4e5f60718', 'subnet-0b2c3d4e5f6071829'] : [`${env}-cml-subnet-1`]),
      loadBalancerIPWhitelists: spec.loadBalancerIPWhitelists ?? ['10.0.0.0/8', '192.168.0.0/16'],
      subnetsForLoadBalancers: spec.subnetsForLoadBalancers ?? [],
      authorizedIPRanges: spec.authorizedIPRanges ?? [],
      whitelistAuthorizedIPRanges: spec.whitelistAuthorizedIPRanges ?? false,
      httpsEnabled: spec.httpsEnabled ?? true,
      monitoringEnabled: spec.monitoringEnabled ?? true,
      governanceEnabled: spec.governanceEnabled ?? false,
      modelMetricsEnabled: spec.modelMetricsEnabled ?? false,
      isPrivate: spec.isPrivate ?? false,
      endpointPublicAccess: spec.endpointPublicAccess ?? false,
      instanceGroups: extra.instanceGroups ?? defaultInstanceGroups(platform, tags, `liftie-${id.slice(0, 8)}`),
      health: healthyNow(),
    };
    if (extra.timeline) setTimeline(ws, extra.timeline);
    workspaces.set(ws.crn, ws);
    return ws;
  }
  for (const spec of options.workspaces ?? defaultWorkspaces()) addWorkspace(spec);

  // ---- AWS Backup jobs ----
  /** @param {Job} job */
  function jobView(job) {
    const t = clock.now();
    const e = t - job.startModel;
    let state = 'CREATED';
    let pct = 0;
    let statusMessage;
    let messageCategory;
    const stopAt = job.stopModel ?? (job.deadlineModel !== undefined && job.deadlineModel <= t ? job.deadlineModel : undefined);
    const progressAt = (/** @type {number} */ x) => Math.max(0, Math.min(1, (x - job.createdFor) / job.duration));
    const doneAt = job.createdFor + job.duration;
    const failAt = job.fail ? job.createdFor + job.duration * (job.fail.atPercent / 100) : undefined;
    let completedModel;
    if (job.fail && failAt !== undefined && e >= failAt && (stopAt === undefined || stopAt - job.startModel > failAt)) {
      state = 'FAILED';
      pct = job.fail.atPercent;
      statusMessage = job.fail.message;
      messageCategory = 'FAILED';
      completedModel = job.startModel + failAt;
    } else if (stopAt !== undefined && (job.hang || stopAt - job.startModel < doneAt)) {
      const se = stopAt - job.startModel;
      pct = progressAt(se) * 100;
      if (job.hang) pct = Math.min(pct, 99);
      if (t < stopAt + durations.abort) state = 'ABORTING';
      else {
        state = 'ABORTED';
        completedModel = stopAt + durations.abort;
        statusMessage = job.stopModel !== undefined ? 'Backup job was stopped by user.' : 'Backup job was stopped because it exceeded the backup job timeout.';
        messageCategory = 'ABORTED';
      }
    } else if (e >= job.createdFor) {
      state = 'RUNNING';
      pct = progressAt(e) * 100;
      if (job.hang) pct = Math.min(pct, 99);
      else if (e >= doneAt) {
        state = 'COMPLETED';
        pct = 100;
        completedModel = job.startModel + doneAt;
        messageCategory = 'SUCCESS';
      }
    }
    const bytes = Math.round((job.bytes * pct) / 100);
    return {
      AccountId: awsAccountId,
      BackupJobId: job.id,
      BackupVaultName: job.vaultName,
      BackupVaultArn: `arn:aws:backup:${awsRegion}:${awsAccountId}:backup-vault:${job.vaultName}`,
      RecoveryPointArn: job.recoveryPointArn,
      ResourceArn: job.resourceArn,
      ResourceType: job.resourceType,
      ResourceName: job.resourceName,
      CreationDate: job.createdWall,
      CompletionDate: completedModel === undefined ? undefined : job.createdWall + ((completedModel - job.startModel) / timeScale) * 1000,
      ExpectedCompletionDate: job.createdWall + (doneAt / timeScale) * 1000,
      StartBy: job.createdWall + 8 * 3600_000,
      InitiationDate: job.createdWall,
      State: state,
      StatusMessage: statusMessage,
      MessageCategory: messageCategory,
      PercentDone: job.percentStyle === 'percent' ? `${pct.toFixed(2)}%` : pct.toFixed(1),
      BackupSizeInBytes: state === 'COMPLETED' ? job.bytes : job.resourceType === 'EFS' ? 0 : job.bytes,
      BytesTransferred: bytes,
      IamRoleArn: `arn:aws:iam::${awsAccountId}:role/cdp-cross-account-role`,
      CreatedBy: {},
      BackupType: '',
      IsParent: false,
    };
  }

  /**
   * @param {Backup} backup @param {Workspace} ws @param {BackupFault | undefined} fault @param {number | undefined} timeoutMinutes
   * @returns {Job[]}
   */
  function createJobs(backup, ws, fault, timeoutMinutes) {
    /** @param {Pick<Job, 'resourceType' | 'resourceArn' | 'resourceName' | 'bytes' | 'duration' | 'percentStyle'>} what */
    const make = ({ resourceType, resourceArn, resourceName, bytes, duration, percentStyle }) => {
      const id = randomUUID().toUpperCase();
      /** @type {Job} */
      const job = {
        id,
        backupCrn: backup.crn,
        vaultName: ws.vaultName,
        resourceType,
        resourceArn,
        resourceName,
        bytes,
        startModel: clock.now(),
        createdWall: Date.now(),
        createdFor: Math.min(60, duration * 0.02),
        duration,
        percentStyle,
        recoveryPointArn:
          resourceType === 'EBS'
            ? `arn:aws:ec2:${awsRegion}::snapshot/snap-${randomUUID().replace(/-/g, '').slice(0, 17)}`
            : `arn:aws:backup:${awsRegion}:${awsAccountId}:recovery-point:${randomUUID()}`,
        fail: undefined,
        hang: false,
        stopModel: undefined,
        deadlineModel: timeoutMinutes ? clock.now() + timeoutMinutes * 60 : undefined,
      };
      jobs.set(id, job);
      return job;
    };
    const out = [];
    for (const v of ws.ebsVolumes) {
      const resourceArn = `arn:aws:ec2:${awsRegion}:${awsAccountId}:volume/${v.id}`;
      const bytes = v.sizeGiB * GiB;
      out.push(make({ resourceType: 'EBS', resourceArn, resourceName: v.id, bytes, duration: durations.backup / 10, percentStyle: 'percent' }));
    }
    const efs = make({
      resourceType: 'EFS',
      resourceArn: `arn:aws:elasticfilesystem:${awsRegion}:${awsAccountId}:file-system/${ws.filesystemID}`,
      resourceName: ws.filesystemID,
      bytes: ws.efsBytes,
      duration: durations.backup,
      percentStyle: 'plain',
    });
    if (fault?.kind === 'fail') efs.fail = { atPercent: fault.atPercent, message: fault.message };
    if (fault?.kind === 'hang') efs.hang = true;
    out.push(efs);
    return out;
  }

  /** @param {string} id @returns {string | undefined} problem text, 'not-found', or undefined when stopped */
  function stopJob(id) {
    const job = jobs.get(id);
    if (!job) return 'not-found';
    const v = jobView(job);
    if (v.State === 'ABORTING') return undefined;
    if (TERMINAL_JOB.has(v.State)) return `Backup job ${id} is in state ${v.State} and cannot be stopped.`;
    job.stopModel = clock.now();
    return undefined;
  }

  // ---- backups ----
  /** @param {Backup} b @returns {{ status: string, finishedWall?: number }} */
  function backupState(b) {
    if (b.platform === 'AWS') {
      // a backup's jobs are never removed from `jobs`
      const views = b.jobIds.map((id) => jobView(/** @type {Job} */ (jobs.get(id))));
      if (views.some((v) => v.State === 'FAILED' || v.State === 'ABORTED')) {
        const failed = views.find((v) => v.State === 'FAILED' || v.State === 'ABORTED');
        return { status: BACKUP_STATUS.failed, finishedWall: failed?.CompletionDate };
      }
      if (views.every((v) => v.State === 'COMPLETED')) {
        return { status: BACKUP_STATUS.finished, finishedWall: Math.max(...views.map((v) => v.CompletionDate ?? 0)) };
      }
      return { status: BACKUP_STATUS.started };
    }
    const e = clock.now() - b.startModel;
    if (b.fault?.kind === 'fail' && e >= durations.backup * (b.fault.atPercent / 100)) return { status: BACKUP_STATUS.failed };
    const timeout = b.timeoutMinutes ? b.timeoutMinutes * 60 : Infinity;
    if (e >= timeout && (b.fault?.kind === 'hang' || timeout < durations.backup)) return { status: BACKUP_STATUS.failed };
    if (b.fault?.kind !== 'hang' && e >= durations.backup)
      return { status: BACKUP_STATUS.finished, finishedWall: b.createdWall + (durations.backup / timeScale) * 1000 };
    return { status: BACKUP_STATUS.started };
  }
  /** @param {Backup} b */
  const backupDetail = (b) => ({
    backupCrn: b.crn,
    backupName: b.name,
    createdAt: new Date(b.createdWall).toISOString(),
    creatorCrn: CREATOR,
    workspaceVersionAtBackup: b.workspaceVersion,
    backupStatus: backupState(b).status,
  });

  // ---- views (shapes from ml.yaml) ----
  /** @param {Workspace} ws */
  function backupMetadata(ws) {
    const mine = [...backups.values()].filter((b) => b.workspaceCrn === ws.crn && !b.deleted).sort((a, b) => a.createdWall - b.createdWall);
    const states = mine.map((b) => ({ b, s: backupState(b) }));
    const good = states.filter((x) => x.s.status === BACKUP_STATUS.finished);
    const last = states.at(-1);
    if (!ws.vaultName && !last) return undefined;
    return {
      ...(ws.vaultName ? { backupVaultName: ws.vaultName } : {}),
      ...(good.length ? { lastSuccessfulBackupTime: new Date(/** @type {number} */ (good.at(-1)?.s.finishedWall)).toISOString() } : {}),
      isSuccessfulBackupAvailable: good.length > 0,
      ...(last ? { lastBackupStatus: last.s.status } : {}),
      numberOfAvailableBackups: good.length,
    };
  }
  /** @param {Workspace} ws */
  const instanceGroups = (ws) => structuredClone(ws.instanceGroups);
  /** @param {Workspace} ws the failure message once a failure has happened (model time) */
  const failureOf = (ws) => (ws.failure && clock.now() >= ws.failure.at ? ws.failure.message : undefined);
  /** The workspace's URL: its subdomain as a path prefix on the CML API server (real CML: https://<subdomain>.<domain>). @param {Workspace} ws */
  const instanceUrl = (ws) => `${cmlServer.url}/${ws.staticSubdomain}`;
  /** @param {Workspace} ws */
  function summary(ws) {
    const meta = backupMetadata(ws);
    const failureMessage = failureOf(ws);
    return {
      instanceName: ws.name,
      environmentName: ws.environmentName,
      instanceStatus: statusOf(ws),
      instanceUrl: instanceUrl(ws),
      environmentCrn: ws.environmentCrn,
      crn: ws.crn,
      k8sClusterName: ws.k8sClusterName,
      creatorCrn: CREATOR,
      version: ws.version,
      httpsEnabled: ws.httpsEnabled,
      filesystemID: ws.filesystemID,
      cloudPlatform: ws.cloudPlatform,
      monitoringEnabled: ws.monitoringEnabled,
      loadBalancerIPWhitelists: [...ws.loadBalancerIPWhitelists],
      creationDate: new Date(ws.createdWall).toISOString(),
      ...(failureMessage ? { failureMessage } : {}),
      healthInfoLists: structuredClone(ws.health),
      ...(ws.nfsVersion ? { nfsVersion: ws.nfsVersion } : {}),
      ...(meta ? { backupMetadata: meta } : {}),
      clusterID: ws.k8sClusterName,
      isPrivate: ws.isPrivate,
      isRestored: ws.isRestored,
    };
  }
  /** @param {Workspace} ws */
  function workspaceView(ws) {
    return {
      ...summary(ws),
      endpointPublicAccess: ws.endpointPublicAccess,
      tags: ws.tags.map((t) => ({ ...t })),
      instanceGroups: instanceGroups(ws),
      clusterBaseDomain: `${ws.environmentName}.xcu2-8y8x.cloudera.site`,
      modelMetricsEnabled: ws.modelMetricsEnabled,
      governanceEnabled: ws.governanceEnabled,
      subnets: [...ws.subnets],
      whitelistAuthorizedIPRanges: ws.whitelistAuthorizedIPRanges,
      authorizedIPRanges: [...ws.authorizedIPRanges],
      subnetsForLoadBalancers: [...ws.subnetsForLoadBalancers],
    };
  }

  // ---- the ML operations ----
  class CdpError extends Error {
    /** @param {number} status @param {string} code @param {string} message */
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }
  const live = () => [...workspaces.values()].filter((w) => !isGone(w));
  /** A workspace by CRN, or a live one by name. */
  const find = (/** @type {string} */ crnOrName) => workspaces.get(crnOrName) ?? [...workspaces.values()].find((w) => w.name === crnOrName && !isGone(w));
  /** @param {string} crnOrName */
  const must = (crnOrName) => {
    const w = find(crnOrName);
    if (!w) throw new Error(`no workspace ${crnOrName}`);
    return w;
  };
  /** @param {any} body a request naming a workspace by workspaceCrn or environmentName and workspaceName */
  function findWorkspace(body) {
    let ws;
    if (body.workspaceCrn) ws = workspaces.get(body.workspaceCrn);
    else if (body.environmentName && body.workspaceName) ws = live().find((w) => w.environmentName === body.environmentName && w.name === body.workspaceName);
    else throw new CdpError(400, 'INVALID_ARGUMENT', 'Either workspaceCrn or both environmentName and workspaceName must be provided');
    if (!ws || isGone(ws)) throw new CdpError(404, 'NOT_FOUND', `Workbench ${body.workspaceCrn ?? `${body.environmentName}/${body.workspaceName}`} not found`);
    return ws;
  }
  /** @param {string | undefined} crn */
  function findBackup(crn) {
    if (!crn) throw new CdpError(400, 'INVALID_ARGUMENT', 'backupCrn must be provided');
    const b = backups.get(crn);
    if (!b || b.deleted) throw new CdpError(404, 'NOT_FOUND', `Backup ${crn} not found`);
    return b;
  }

  /** @type {Record<string, (body: any) => any>} */
  const handlers = {
    describeWorkspace: (body) => ({ workspace: workspaceView(findWorkspace(body)) }),
    listWorkspaces: () => ({ workspaces: live().map(summary) }),
    suspendWorkspace(body) {
      const ws = findWorkspace(body);
      if (!READY_STATUSES.includes(statusOf(ws))) throw new CdpError(400, 'FAILED_PRECONDITION', 'Cannot suspend a workbench that is not ready');
      setTimeline(ws, [
        [WORKSPACE_STATUS.suspendStarted, 0],
        [WORKSPACE_STATUS.suspended, durations.suspend],
      ]);
      return {};
    },
    resumeWorkspace(body) {
      const ws = findWorkspace(body);
      if (statusOf(ws) !== WORKSPACE_STATUS.suspended) throw new CdpError(400, 'FAILED_PRECONDITION', 'Cannot resume a workbench that is not suspended');
      setTimeline(ws, [
        [WORKSPACE_STATUS.resumeStarted, 0],
        [WORKSPACE_STATUS.resumed, durations.resume],
      ]);
      return {};
    },
    backupWorkspace(body) {
      const ws = findWorkspace({ workspaceCrn: body.workspaceCrn });
      const status = statusOf(ws);
      const okStatus = READY_STATUSES.includes(status) || (ws.cloudPlatform === 'AZURE' && status === WORKSPACE_STATUS.suspended);
      if (!okStatus && !body.skipValidation) {
        throw new CdpError(
          400,
          'FAILED_PRECONDITION',
          `Cannot back up workbench ${ws.name}: it is in state ${status}; it must be in the Installation completed state`,
        );
      }
      const running = [...backups.values()].find((b) => b.workspaceCrn === ws.crn && !b.deleted && backupState(b).status === BACKUP_STATUS.started);
      if (running) throw new CdpError(400, 'FAILED_PRECONDITION', `A backup of workbench ${ws.name} is already in progress: ${running.crn}`);
      const fault = faultState.backups.shift();
      /** @type {Backup} */
      const b = {
        crn: `crn:cdp:ml:${region}:${ACCOUNT}:workspace_backup:${randomUUID()}`,
        name: body.backupName,
        workspaceCrn: ws.crn,
        workspaceName: ws.name,
        environmentName: ws.environmentName,
        platform: ws.cloudPlatform,
        workspaceVersion: ws.version,
        staticSubdomain: ws.staticSubdomain,
        ebsVolumes: ws.ebsVolumes,
        efsBytes: ws.efsBytes,
        existingNFS: ws.existingNFS,
        nfsVersion: ws.nfsVersion,
        vaultName: ws.vaultName,
        createdWall: Date.now(),
        startModel: clock.now(),
        timeoutMinutes: body.backupJobTimeoutMinutes,
        fault,
        jobIds: [],
        deleted: false,
        // What a restore brings back: the workbench's database (projects, users and their API keys) and its groups.
        projects: structuredClone(ws.projects),
        apiKeys: ws.apiKeys.map((k) => ({ ...k })),
        instanceGroups: structuredClone(ws.instanceGroups),
      };
      if (ws.cloudPlatform === 'AWS') b.jobIds = createJobs(b, ws, fault, body.backupJobTimeoutMinutes).map((j) => j.id);
      backups.set(b.crn, b);
      const warnings = ws.cloudPlatform === 'AZURE' && ws.existingNFS ? ['Files on the existing NFS are not backed up.'] : [];
      return { backupCrn: b.crn, ...(b.vaultName ? { vaultName: b.vaultName } : {}), warnings };
    },
    describeWorkspaceBackup(body) {
      const b = findBackup(body.backupCrn);
      // The groups as they were at backup time, also once the workspace is gone (reference cml-restore.md 1.3).
      return { ...backupDetail(b), isCrossNsBackup: false, instanceGroups: structuredClone(b.instanceGroups) };
    },
    listWorkspaceBackups(body) {
      let crns;
      if (body.workspaceCrn) crns = new Set([body.workspaceCrn]);
      else if (body.environmentName && body.workspaceName) {
        crns = new Set(
          [...backups.values()].filter((b) => b.environmentName === body.environmentName && b.workspaceName === body.workspaceName).map((b) => b.workspaceCrn),
        );
      } else throw new CdpError(400, 'INVALID_ARGUMENT', 'Either workspaceCrn or both environmentName and workspaceName must be provided');
      return { backups: [...backups.values()].filter((b) => crns.has(b.workspaceCrn) && !b.deleted).map(backupDetail) };
    },
    deleteBackup(body) {
      const b = findBackup(body.backupCrn);
      if (backupState(b).status === BACKUP_STATUS.started && !body.skipValidation) {
        throw new CdpError(400, 'FAILED_PRECONDITION', `Backup ${b.crn} is in progress and cannot be deleted`);
      }
      b.deleted = true;
      return { workflowId: randomUUID() };
    },
    restoreWorkspace(body) {
      const b = findBackup(body.backupCrn);
      const p = body.newWorkspaceParameters;
      if (!p) throw new CdpError(400, 'INVALID_ARGUMENT', 'newWorkspaceParameters must be provided');
      if (backupState(b).status !== BACKUP_STATUS.finished) {
        throw new CdpError(400, 'FAILED_PRECONDITION', `Backup ${b.crn} is not in a restorable state: ${backupState(b).status}`);
      }
      if (live().some((w) => w.environmentName === p.environmentName && w.name === p.workspaceName)) {
        throw new CdpError(409, 'ALREADY_EXISTS', `A workbench named ${p.workspaceName} already exists in environment ${p.environmentName}`);
      }
      const k8s = p.provisionK8sRequest;
      /** @type {string[]} */
      const warnings = [];
      let existingNFS = b.existingNFS;
      let nfsVersion = p.nfsVersion;
      if (b.platform === 'AZURE') {
        if (p.existingNFS) existingNFS = p.existingNFS;
        // A public-cloud request (it carries provisionK8sRequest) must name the NFS the workbench runs on;
        // a bare request (older tests) takes the backup's.
        else if (k8s) throw new CdpError(400, 'INVALID_ARGUMENT', 'existingNFS is required to restore a workbench on Azure');
        else {
          nfsVersion = nfsVersion ?? b.nfsVersion;
          warnings.push(`existingNFS was not given: the backed-up workbench's NFS ${b.existingNFS ?? '(none)'} is used.`);
        }
      } else if (p.existingNFS) {
        warnings.push('existingNFS is ignored on AWS: the restore makes a new EFS file system.');
      }
      const subdomain = body.useStaticSubdomain ? b.staticSubdomain : p.staticSubdomain;
      if (subdomain) {
        // A workspace being deleted (deprovision:started) still holds its subdomain until it is gone.
        const holder = live().find((w) => w.staticSubdomain === subdomain);
        if (holder) throw new CdpError(400, 'FAILED_PRECONDITION', `The subdomain ${subdomain} is still used by workbench ${holder.name}`);
      }

      const dropped = faultState.droppedProjects.splice(0);
      const projects = structuredClone(b.projects).filter((x) => !dropped.includes(x.name));
      /** @type {Map<string, { username: string, admin: boolean }>} */
      const users = new Map();
      for (const k of b.apiKeys) users.set(k.username, { username: k.username, admin: k.admin || (users.get(k.username)?.admin ?? false) });
      const apiKeys = keysSurviveRestore ? b.apiKeys.map((k) => ({ ...k })) : makeApiKeys([...users.values()]);
      const tags = (k8s?.tags ?? []).map((/** @type {Tag} */ t) => ({ key: t.key, value: t.value }));
      const groups = k8s?.instanceGroups?.length
        ? k8s.instanceGroups.map((/** @type {any} */ g, /** @type {number} */ i) => requestedGroup(g, i, tags, b.platform))
        : structuredClone(b.instanceGroups);

      // Model time: provision:started -> installation:started (a third) -> installation:finished, or
      // installation:failed at a failNextRestore fault or at the restore job's timeout, whichever comes first.
      const total = durations.restore;
      const fault = faultState.restores.shift();
      /** @type {{ at: number, message: string } | undefined} */
      let failure = fault ? { at: total * Math.min(1, Math.max(0, fault.atFraction)), message: fault.message } : undefined;
      const timeout = body.restoreJobTimeoutMinutes ? body.restoreJobTimeoutMinutes * 60 : Infinity;
      if (timeout < total && (!failure || timeout < failure.at)) {
        failure = { at: timeout, message: `The restore job did not finish within restoreJobTimeoutMinutes (${body.restoreJobTimeoutMinutes} minutes).` };
      }
      /** @type {[string, number][]} */
      let timeline;
      if (!failure) {
        timeline = [
          [WORKSPACE_STATUS.installationStarted, total / 3],
          [WORKSPACE_STATUS.ready, (total * 2) / 3],
        ];
      } else if (failure.at <= total / 3) timeline = [[WORKSPACE_STATUS.installationFailed, failure.at]];
      else {
        timeline = [
          [WORKSPACE_STATUS.installationStarted, total / 3],
          [WORKSPACE_STATUS.installationFailed, failure.at - total / 3],
        ];
      }

      const ws = addWorkspace(
        {
          name: p.workspaceName,
          environmentName: p.environmentName,
          cloudPlatform: b.platform,
          // A restore always installs the latest version, not the backup's (runbook; cml-restore.md 1.1).
          version: LATEST_WORKSPACE_VERSION,
          staticSubdomain: subdomain,
          // On AWS filesystemID stays unset: addWorkspace makes a new EFS id (a restore makes a new file system).
          existingNFS: b.platform === 'AZURE' ? existingNFS : undefined,
          nfsVersion: b.platform === 'AZURE' ? nfsVersion : undefined,
          ebsVolumes: b.ebsVolumes.map((v) => ({ sizeGiB: v.sizeGiB })),
          efsBytes: b.efsBytes,
          tags,
          subnets: k8s?.network?.topology?.subnets ?? [],
          loadBalancerIPWhitelists: p.loadBalancerIPWhitelists ?? [],
          subnetsForLoadBalancers: p.subnetsForLoadBalancers ?? [],
          authorizedIPRanges: p.authorizedIPRanges ?? [],
          whitelistAuthorizedIPRanges: p.whitelistAuthorizedIPRanges ?? false,
          // Omitted booleans are false, as for any protobuf-generated API (cml-restore.md 3).
          httpsEnabled: !(p.disableTLS ?? false),
          monitoringEnabled: p.enableMonitoring ?? false,
          governanceEnabled: p.enableGovernance ?? false,
          modelMetricsEnabled: p.enableModelMetrics ?? false,
          isPrivate: p.privateCluster ?? false,
          endpointPublicAccess: p.usePublicLoadBalancer ?? false,
        },
        { status: WORKSPACE_STATUS.provisionStarted, isRestored: true, timeline, projects, apiKeys, instanceGroups: groups },
      );
      ws.timeline[0].at = clock.now();
      for (const g of ws.instanceGroups) g.instanceGroupName = `${ws.k8sClusterName}-${g.name}`;
      if (failure) ws.failure = { at: clock.now() + failure.at, message: failure.message };
      ws.restoreJobTimeoutMinutes = body.restoreJobTimeoutMinutes;
      ws.restoredFrom = b.crn;
      restoreRecords.push({
        backupCrn: b.crn,
        workspaceCrn: ws.crn,
        workspaceName: ws.name,
        useStaticSubdomain: body.useStaticSubdomain ?? false,
        restoreJobTimeoutMinutes: body.restoreJobTimeoutMinutes,
        at: Date.now(),
      });
      return { workspaceCrn: ws.crn, warnings };
    },
    deleteWorkspace(body) {
      const ws = findWorkspace(body);
      const status = statusOf(ws);
      if (status === WORKSPACE_STATUS.deprovisionStarted) return {};
      if (status === WORKSPACE_STATUS.suspended && deleteSuspended === 'refuse') throw new CdpError(400, 'FAILED_PRECONDITION', SUSPENDED_DELETE_REFUSAL);
      if (status === WORKSPACE_STATUS.deprovisionFailed && !body.force) {
        throw new CdpError(
          400,
          'FAILED_PRECONDITION',
          `The workbench ${ws.name} failed to delete; delete it with force to remove it without the cleanup guarantee.`,
        );
      }
      deleteRecords.push({
        workspaceCrn: ws.crn,
        workspaceName: ws.name,
        force: body.force ?? false,
        removeStorage: body.removeStorage ?? false,
        at: Date.now(),
      });
      ws.removeStorage = body.removeStorage ?? false;
      const fault = body.force ? undefined : faultState.deletes.shift();
      if (fault) {
        setTimeline(ws, [
          [WORKSPACE_STATUS.deprovisionStarted, 0],
          [WORKSPACE_STATUS.deprovisionFailed, durations.delete / 2],
        ]);
        ws.failure = { at: clock.now() + durations.delete / 2, message: fault.message };
        return {};
      }
      setTimeline(ws, [[WORKSPACE_STATUS.deprovisionStarted, 0]]);
      ws.failure = undefined;
      ws.deleteAt = clock.now() + durations.delete;
      return {};
    },
    getLatestWorkspaceVersion: () => ({ version: LATEST_WORKSPACE_VERSION }),
  };

  // ---- faults ----
  const faults = {
    /**
     * The next `count` CDP calls (of `operation`, if given) answer `status` (429 RESOURCE_EXHAUSTED, 503 UNAVAILABLE, ...).
     * @param {number} count @param {number} [status] @param {string} [operation]
     */
    errorNext(count, status = 503, operation) {
      const code = status === 429 ? 'RESOURCE_EXHAUSTED' : status === 503 ? 'UNAVAILABLE' : status === 500 ? 'INTERNAL' : 'UNKNOWN';
      faultState.errors.push({ status, code, operation, remaining: count });
    },
    /**
     * The next `count` CDP calls (of `operation`, if given) are answered after `ms` milliseconds.
     * @param {number} ms @param {number} [count] @param {string} [operation]
     */
    slow(ms, count = Infinity, operation) {
      faultState.delays.push({ ms, operation, remaining: count });
    },
    /** The next backupWorkspace fails at `atPercent` (on AWS: its EFS job goes FAILED there). @param {number} [atPercent] @param {string} [message] */
    failNextBackup(atPercent = 40, message = 'An internal error occurred while backing up the file system.') {
      faultState.backups.push({ kind: 'fail', atPercent, message });
    },
    /** The next backupWorkspace never finishes (on AWS: its EFS job stays RUNNING below 100 %). */
    hangNextBackup() {
      faultState.backups.push({ kind: 'hang', atPercent: 99, message: '' });
    },
    /**
     * The next `count` AWS Backup calls answer `status` with `type` (default 429 ThrottlingException).
     * @param {number} count @param {number} [status] @param {string} [type]
     */
    awsErrorNext(count, status = 429, type = status === 429 ? 'ThrottlingException' : 'ServiceUnavailableException') {
      faultState.aws.push({ status, type, remaining: count });
    },
    /** AWS Backup service opt-in (DescribeRegionSettings) for a resource type. @param {string} resourceType @param {boolean} enabled */
    setOptIn(resourceType, enabled) {
      optIn[resourceType] = enabled;
    },
    /**
     * The next restoreWorkspace creates its workspace, which then ends in installation:failed at
     * `atFraction` of restoreSeconds, with describe's failureMessage set to `message`.
     * @param {string} [message] @param {number} [atFraction]
     */
    failNextRestore(message = DEFAULT_RESTORE_FAILURE, atFraction = 0.5) {
      faultState.restores.push({ message, atFraction });
    },
    /**
     * The next successful call of `operation` is carried out (a restore's workspace IS created) but its
     * answer is never sent: the socket is destroyed, so the client sees a connection reset.
     * @param {string} [operation]
     */
    loseNextAnswer(operation = 'restoreWorkspace') {
      faultState.lostAnswers.push(operation);
    },
    /** The next deleteWorkspace without force ends in deprovision:failed with `message` (the workspace stays). @param {string} [message] */
    failNextDelete(message = DEFAULT_DELETE_FAILURE) {
      faultState.deletes.push({ message });
    },
    /** The next restore leaves out the project named `projectName`. @param {string} projectName */
    dropProjectOnRestore(projectName) {
      faultState.droppedProjects.push(projectName);
    },
    /**
     * Sets the health of a workspace's resources (describe's healthInfoLists), adding unknown ones.
     * @param {string} crnOrName @param {{ resourceName: string, isHealthy: boolean, message?: string, details?: string[] }[]} entries
     */
    setHealth(crnOrName, entries) {
      const w = must(crnOrName);
      for (const e of entries) {
        const h = w.health.find((x) => x.resourceName === e.resourceName);
        const next = {
          resourceName: e.resourceName,
          isHealthy: e.isHealthy,
          updatedAt: new Date().toISOString(),
          message: e.message ?? '',
          details: e.details ?? [],
        };
        if (h) Object.assign(h, next);
        else w.health.push(next);
      }
    },
    /** The next `count` CML API v2 requests (any workspace) answer `status` (503 UNAVAILABLE, 429, 500). @param {number} count @param {number} [status] */
    cmlErrorNext(count, status = 503) {
      faultState.cmlErrors.push({ status, remaining: count });
    },
    /** The next `count` CML API v2 requests are answered after `ms` milliseconds. @param {number} ms @param {number} [count] */
    cmlSlow(ms, count = Infinity) {
      faultState.cmlDelays.push({ ms, remaining: count });
    },
    clear() {
      faultState.errors.length = 0;
      faultState.delays.length = 0;
      faultState.backups.length = 0;
      faultState.aws.length = 0;
      faultState.restores.length = 0;
      faultState.deletes.length = 0;
      faultState.lostAnswers.length = 0;
      faultState.droppedProjects.length = 0;
      faultState.cmlErrors.length = 0;
      faultState.cmlDelays.length = 0;
    },
  };
  /**
   * Takes one use of the first fault that applies to `operation`, dropping it when used up.
   * @template {{ remaining: number, operation?: string }} F @param {F[]} list @param {string | undefined} operation
   * @returns {F | undefined}
   */
  const take = (list, operation) => {
    const i = list.findIndex((f) => f.remaining > 0 && (!f.operation || f.operation === operation));
    if (i < 0) return undefined;
    const f = list[i];
    f.remaining--;
    if (f.remaining <= 0) list.splice(i, 1);
    return f;
  };

  // ---- HTTP ----
  const server = http.createServer((req, res) => {
    /** @type {Buffer[]} */
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((err) => {
        if (!res.headersSent) sendJson(res, 500, { code: 'INTERNAL', message: String(err?.message ?? err) });
      });
    });
  });
  /** @param {http.ServerResponse} res @param {number} status @param {any} body */
  function sendJson(res, status, body) {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-altus-request-id': randomUUID() });
    res.end(text);
  }
  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res @param {string} raw */
  async function handle(req, res, raw) {
    const url = req.url ?? '/';
    const path = url.split('?')[0];
    const m = /^\/api\/v1\/ml\/([A-Za-z0-9]+)$/.exec(path);
    /** @type {CdpRequest} */
    const rec = { method: req.method, path, operation: m?.[1], accessKeyId: undefined, body: undefined, status: 0, code: undefined, at: Date.now() };
    requests.push(rec);
    /** @param {number} status @param {any} body */
    const reply = (status, body) => {
      rec.status = status;
      if (status >= 300) rec.code = body.code;
      sendJson(res, status, body);
    };
    const op = m ? model.operations.get(m[1]) : undefined;
    if (!op) return reply(404, { code: 'NOT_FOUND', message: `No such API: ${req.method} ${path}` });
    if (req.method !== 'POST') return reply(405, { code: 'METHOD_NOT_ALLOWED', message: `${req.method} is not allowed on ${path}; use POST` });
    const auth = verifyRequest({ method: req.method, path, headers: req.headers }, known, maxSkewSeconds);
    if ('reason' in auth) return reply(403, { code: 'UNAUTHENTICATED', message: auth.reason });
    rec.accessKeyId = auth.accessKeyId;
    const delay = take(faultState.delays, op.operation);
    if (delay) await new Promise((r) => setTimeout(r, delay.ms));
    const err = take(faultState.errors, op.operation);
    if (err) return reply(err.status, { code: err.code, message: err.status === 429 ? 'Rate limit exceeded' : 'The service is temporarily unavailable' });
    let body;
    try {
      body = raw.trim() === '' ? {} : JSON.parse(raw);
    } catch {
      return reply(400, { code: 'INVALID_ARGUMENT', message: 'The request body is not valid JSON' });
    }
    rec.body = body;
    const problem = validate(op.request, body, model.definitions);
    if (problem) return reply(400, { code: 'INVALID_ARGUMENT', message: problem.message });
    const handler = handlers[op.operation];
    if (!handler) return reply(501, { code: 'UNIMPLEMENTED', message: `${op.operation} is not emulated by the CDP sandbox` });
    let out;
    try {
      out = handler(body);
    } catch (e) {
      if (e instanceof CdpError) return reply(e.status, { code: e.code, message: e.message });
      throw e;
    }
    const bad = validate(op.response, out, model.definitions);
    if (bad) return reply(500, { code: 'INTERNAL', message: `sandbox response does not match ml.yaml: ${bad.message}` });
    const lost = faultState.lostAnswers.indexOf(op.operation);
    if (lost >= 0) {
      // Carried out, never answered: the client sees the connection reset.
      faultState.lostAnswers.splice(lost, 1);
      rec.status = 0;
      rec.code = 'ANSWER_LOST';
      res.socket?.destroy();
      return;
    }
    return reply(200, out);
  }
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;

  // The CML API v2 of every workspace: a path prefix per subdomain, routed to the live workspace
  // holding that subdomain now (after a static-subdomain restore, the restored one).
  const cmlServer = await startCmlApi({
    resolve(subdomain) {
      const ws = live()
        .filter((w) => w.staticSubdomain === subdomain)
        .at(-1);
      if (!ws) return undefined;
      const status = statusOf(ws);
      return { ws, status, ready: READY_STATUSES.includes(status) };
    },
    record: (r) => cmlRequests.push(r),
    takeError: () => take(faultState.cmlErrors, undefined),
    takeDelay: () => take(faultState.cmlDelays, undefined),
  });

  const awsServer = await startAwsBackup({
    ...aws,
    accountId: awsAccountId,
    maxSkewSeconds,
    jobs: () => [...jobs.values()].map(jobView),
    jobById: (id) => {
      const j = jobs.get(id);
      return j ? jobView(j) : undefined;
    },
    stopJob,
    optIn,
    management,
    takeFault: () => take(faultState.aws, undefined),
    record: (r) => awsRequests.push(r),
  });

  /** @type {import('./aws-ec2.js').Ec2Request[]} */
  const ec2Requests = [];
  /** @type {Set<string>} */
  const forbiddenTagWrites = new Set();
  const ec2Faults = { describeRefused: false };
  const ec2Server = await startAwsEc2({
    ...aws,
    maxSkewSeconds,
    faults: ec2Faults,
    volumes: () => [...workspaces.values()].filter((w) => !isGone(w)).flatMap((w) => w.ebsVolumes),
    forbiddenTagWrites,
    record: (r) => ec2Requests.push(r),
  });

  /** @param {string} crnOrName @param {string} username */
  const keyOf = (crnOrName, username) => {
    const w = must(crnOrName);
    const k = w.apiKeys.find((x) => x.username === username);
    if (!k) throw new Error(`workspace ${w.name} has no CML API user ${username}`);
    return k.key;
  };
  return {
    /** Base URL for cdpcli's --endpoint-url / cdp_endpoint_url (no trailing slash). */
    endpoint: `http://127.0.0.1:${port}`,
    /** AWS Backup endpoint for `new BackupClient({ endpoint, region, credentials })`. */
    /** The environment that points an action's AWS SDK clients (Backup, EC2) at these emulators. */
    awsEnv: {
      AWS_ENDPOINT_URL_BACKUP: awsServer.url,
      AWS_ENDPOINT_URL_EC2: ec2Server.url,
      AWS_ACCESS_KEY_ID: aws.accessKeyId,
      AWS_SECRET_ACCESS_KEY: aws.secretAccessKey,
      AWS_REGION: awsRegion,
    },
    /** EC2 endpoint (DescribeVolumes, CreateTags) over the AWS workspaces' EBS volumes, same credentials and region. */
    ec2: {
      endpoint: ec2Server.url,
      requests: ec2Requests,
      /** Volumes of a workspace (by CRN or name) with their current tags. */
      volumes: (/** @type {string} */ crnOrName) => (find(crnOrName)?.ebsVolumes ?? []).map((v) => ({ id: v.id, sizeGiB: v.sizeGiB, tags: { ...v.tags } })),
      forbidTagWrite: (/** @type {string} */ volumeId) => forbiddenTagWrites.add(volumeId),
      /** DescribeVolumes answers UnauthorizedOperation, as for a role without ec2:DescribeVolumes. */
      refuseDescribe: (refused = true) => {
        ec2Faults.describeRefused = refused;
      },
    },
    awsBackup: {
      endpoint: awsServer.url,
      region: awsRegion,
      credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey },
      accountId: awsAccountId,
    },
    /** Test keys: ed25519 (privateKey: 44-char base64 seed) and rsa (privateKey: PKCS#8 PEM), with access key ids. */
    keys: {
      ed25519: { accessKeyId: keys.ed25519.accessKeyId, privateKey: keys.ed25519.privateKey, publicKeyPem: keys.ed25519.publicKeyPem },
      rsa: { accessKeyId: keys.rsa.accessKeyId, privateKey: keys.rsa.privateKey, publicKeyPem: keys.rsa.publicKeyPem },
    },
    region,
    clock,
    faults,
    /** Every CDP request: { method, path, operation, accessKeyId, body, status, code, at }. */
    requests,
    /** Every AWS Backup request: { method, path, query, status }. */
    awsRequests,
    backupStatuses: BACKUP_STATUS,
    /** @param {WorkspaceSpec} spec */
    addWorkspace: (spec) => workspaceView(addWorkspace(spec)),
    /** Workspaces as describeWorkspace shows them (deleted ones excluded). */
    workspaces: () => live().map(workspaceView),
    /** @param {string} crnOrName */
    workspace: (crnOrName) => {
      const w = find(crnOrName);
      return w && !isGone(w) ? workspaceView(w) : undefined;
    },
    /** Sets a workspace's instanceStatus now (e.g. 'installation:failed'). @param {string} crnOrName @param {string} status */
    setWorkspaceStatus(crnOrName, status) {
      const w = find(crnOrName);
      if (!w) throw new Error(`no workspace ${crnOrName}`);
      setTimeline(w, [[status, 0]]);
    },
    /** Backups with their state and AWS job ids. */
    backups: () =>
      [...backups.values()].map((b) => ({
        ...backupDetail(b),
        workspaceCrn: b.workspaceCrn,
        vaultName: b.vaultName,
        jobIds: [...b.jobIds],
        deleted: b.deleted,
      })),
    /** AWS Backup jobs as DescribeBackupJob shows them (dates as epoch ms). */
    backupJobs: (/** @type {string | undefined} */ backupCrn) => [...jobs.values()].filter((j) => !backupCrn || j.backupCrn === backupCrn).map(jobView),
    /** The CML API v2 server; each workspace's instanceUrl is `${cmlApi.endpoint}/<subdomain>`, its API under `<instanceUrl>/api/v2`. */
    cmlApi: { endpoint: cmlServer.url },
    /** Every CML API v2 request: { method, path (after the subdomain), query, subdomain, workspaceCrn, username, status, at }; never the key. */
    cmlRequests,
    /**
     * A CML API v2 key of a workspace's user (a secret: do not log it).
     * @param {string} crnOrName @param {string} [username] @returns {string}
     */
    cmlApiKey: (crnOrName, username = 'admin') => keyOf(crnOrName, username),
    /**
     * Makes a new key for `username` (adding the user if new; `admin` makes them a site administrator, who sees every project).
     * @param {string} crnOrName @param {string} username @param {{ admin?: boolean }} [opts] @returns {string}
     */
    addCmlApiKey(crnOrName, username, opts = {}) {
      const w = must(crnOrName);
      const known = w.apiKeys.find((x) => x.username === username);
      const admin = opts.admin ?? known?.admin ?? false;
      if (opts.admin !== undefined) for (const k of w.apiKeys) if (k.username === username) k.admin = admin;
      const key = newApiKey();
      w.apiKeys.push({ key, username, admin });
      return key;
    },
    /** Whether a restored workspace accepts the backed-up workspace's CML API keys (default true; low confidence). @param {boolean} survive */
    setKeysSurviveRestore(survive) {
      keysSurviveRestore = survive;
    },
    /**
     * A workspace's projects as the emulator holds them (ids, owner, visibility, jobs, models, applications), a copy.
     * @param {string} crnOrName @returns {Project[]}
     */
    cmlProjects: (crnOrName) => structuredClone(must(crnOrName).projects),
    /** deleteWorkspace calls that started a delete: { workspaceCrn, workspaceName, force, removeStorage, at }. */
    deletes: () => deleteRecords.map((d) => ({ ...d })),
    /** Restore requests that created a workspace: { backupCrn, workspaceCrn, workspaceName, useStaticSubdomain, restoreJobTimeoutMinutes, at }. */
    restores: () => restoreRecords.map((r) => ({ ...r })),
    async stop() {
      server.closeAllConnections();
      await Promise.all([new Promise((r) => server.close(() => r(undefined))), awsServer.stop(), ec2Server.close(), cmlServer.stop()]);
    },
  };
}
