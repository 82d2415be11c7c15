import path from 'node:path';
import os from 'node:os';
import { DEFAULT_RECORD_NAME, RECORD_FILE_FORM, isRecordFile } from '@ml-backup-actions/cml';
import { Inputs, REGION_FORM, isRegion, utcStamp } from '@ml-backup-actions/core';
import { BACKUP_CRN_FORM, WORKSPACE_CRN_FORM, isBackupCrn, isWorkspaceCrn, readCdpConnection, type CdpConnectionConfig } from '@ml-backup-actions/cdp';

/** How the workspace is named: its CRN, or its environment and name (CDP accepts either). */
export type WorkspaceRef = { workspaceCrn: string } | { environmentName: string; workspaceName: string };

export interface BackupCmlConfig {
  /** Absent when only backup-crn is given (attach mode finds the workspace from the backup). */
  workspace?: WorkspaceRef;
  /** '' means <workspace>-<UTC timestamp>, once the workspace name is known. */
  backupName: string;
  backupTimeoutMinutes: number;
  wait: boolean;
  /** Follow at most this long, then hand over (0: to the end). */
  handOverMinutes: number;
  progressIntervalMinutes: number;
  cancelOnTimeout: boolean;
  suspend: 'auto' | 'true' | 'false';
  tagDisks: boolean;
  cdp: CdpConnectionConfig;
  awsRegion: string;
  azure: {
    subscriptionId: string;
    snapshotResourceGroup: string;
    /** Where the workspace's disks are (the AKS node group, MC_...); '' = find them by their CDP tag in the subscription. */
    diskResourceGroup: string;
    tenantId: string;
    clientId: string;
    /** ARM endpoint; '' = https://management.azure.com. */
    endpoint: string;
    /** The audience of the GitHub ID token the federated credential trusts (azure/login's `audience`). */
    oidcAudience: string;
    /** Entra ID authority (AZURE_AUTHORITY_HOST, as @azure/identity reads it); '' = the public cloud's. */
    authorityHost: string;
  };
  /** Attach to this backup instead of starting one. */
  backupCrn: string;
  /** A CML API v2 key of the original workspace (an MLAdmin's): its project inventory goes into the record. */
  cmlApiKey: string;
  /** Where the upgrade record is written. */
  recordFile: string;
  dryRun: boolean;
  startedAt: Date;
}

export { BACKUP_CRN_FORM, WORKSPACE_CRN_FORM, isBackupCrn, isWorkspaceCrn };

const ENVIRONMENT_FORM = 'a CDP environment name: letters, digits and hyphens, starting with a letter, at most 100 characters';
const isEnvironmentName = (v: string) => /^[A-Za-z][A-Za-z0-9-]{0,99}$/.test(v);
const WORKSPACE_NAME_FORM = 'a CML workspace name: lowercase letters, digits and hyphens, starting with a letter, at most 50 characters';
const isWorkspaceName = (v: string) => /^[a-z][a-z0-9-]{0,49}$/.test(v) && !v.endsWith('-');
const BACKUP_NAME_FORM = 'a backup name of 1 to 100 letters, digits, dots, underscores and hyphens, starting with a letter or digit';
const isBackupName = (v: string) => /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(v);
const GUID_FORM = 'a GUID such as 00000000-0000-0000-0000-000000000000';
const isGuid = (v: string) => /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(v);
const HTTPS_URL_FORM = 'an https:// URL such as https://management.azure.com';
const isHttpsUrl = (v: string) => {
  try {
    return new URL(v).protocol === 'https:';
  } catch {
    return false;
  }
};
const AUDIENCE_FORM = 'an audience such as api://AzureADTokenExchange: no spaces, at most 200 characters';
const isAudience = (v: string) => /^\S{1,200}$/.test(v);
const RESOURCE_GROUP_FORM = 'an Azure resource group name: 1 to 90 letters, digits, underscores, hyphens, periods and parentheses, not ending in a period';
const isResourceGroup = (v: string) => /^[-\w.()]{1,90}$/.test(v) && !v.endsWith('.');

/** Reads and validates every input; one error names each bad input, before any CDP call. */
export function readConfig(env: NodeJS.ProcessEnv = process.env, now = new Date()): BackupCmlConfig {
  const inputs = new Inputs(env);
  const workspaceCrn = inputs.text('workspace-crn', { form: WORKSPACE_CRN_FORM, valid: isWorkspaceCrn });
  const environmentName = inputs.text('environment-name', { form: ENVIRONMENT_FORM, valid: isEnvironmentName });
  const workspaceName = inputs.text('workspace-name', { form: WORKSPACE_NAME_FORM, valid: isWorkspaceName });
  const backupCrn = inputs.text('backup-crn', { form: BACKUP_CRN_FORM, valid: isBackupCrn });
  const config: BackupCmlConfig = {
    workspace: workspaceCrn ? { workspaceCrn } : environmentName && workspaceName ? { environmentName, workspaceName } : undefined,
    backupName: inputs.text('backup-name', { form: BACKUP_NAME_FORM, valid: isBackupName }),
    backupTimeoutMinutes: inputs.number('backup-timeout-minutes', { default: 720, min: 0.01, max: 10_080 }),
    wait: inputs.boolean('wait', true),
    handOverMinutes: inputs.number('hand-over-minutes', { default: 0, min: 0, max: 10_080 }),
    progressIntervalMinutes: inputs.number('progress-interval-minutes', { default: 15, min: 0.01, max: 720 }),
    cancelOnTimeout: inputs.boolean('cancel-on-timeout', false),
    suspend: inputs.choice('suspend', ['auto', 'true', 'false'] as const, 'auto'),
    tagDisks: inputs.boolean('tag-disks', false),
    cdp: readCdpConnection(inputs),
    awsRegion: inputs.text('aws-region', { default: env.AWS_REGION || env.AWS_DEFAULT_REGION || '', form: REGION_FORM, valid: isRegion }),
    azure: {
      subscriptionId: inputs.text('azure-subscription-id', { default: env.AZURE_SUBSCRIPTION_ID || '', form: GUID_FORM, valid: isGuid }),
      snapshotResourceGroup: inputs.text('azure-snapshot-resource-group', { form: RESOURCE_GROUP_FORM, valid: isResourceGroup }),
      diskResourceGroup: inputs.text('azure-disk-resource-group', { form: RESOURCE_GROUP_FORM, valid: isResourceGroup }),
      tenantId: inputs.text('azure-tenant-id', { default: env.AZURE_TENANT_ID || '', form: GUID_FORM, valid: isGuid }),
      clientId: inputs.text('azure-client-id', { default: env.AZURE_CLIENT_ID || '', form: GUID_FORM, valid: isGuid }),
      endpoint: inputs.text('azure-endpoint-url', { form: HTTPS_URL_FORM, valid: isHttpsUrl }),
      oidcAudience: inputs.text('azure-oidc-audience', { default: 'api://AzureADTokenExchange', form: AUDIENCE_FORM, valid: isAudience }),
      authorityHost: env.AZURE_AUTHORITY_HOST ?? '',
    },
    backupCrn,
    cmlApiKey: inputs.secret('cml-api-key', { form: 'a CML API v2 key of the workspace' }),
    recordFile: inputs.text('record-file', {
      default: path.join(env.RUNNER_TEMP || os.tmpdir(), DEFAULT_RECORD_NAME),
      form: RECORD_FILE_FORM,
      valid: isRecordFile,
    }),
    dryRun: inputs.boolean('dry-run', false),
    startedAt: now,
  };
  if (workspaceCrn && (environmentName || workspaceName)) {
    inputs.problem('workspace-crn', 'names the workspace already: leave environment-name and workspace-name empty, or give those two instead of the CRN.');
  } else if (!workspaceCrn && !environmentName !== !workspaceName) {
    inputs.problem(
      environmentName ? 'workspace-name' : 'environment-name',
      'must be given together with the other one (environment-name and workspace-name name the workspace together).',
    );
  } else if (!config.workspace && !backupCrn) {
    inputs.problem(
      'workspace-crn',
      `is required: ${WORKSPACE_CRN_FORM}; or give environment-name and workspace-name, or backup-crn to follow a backup already started.`,
    );
  }
  // Only when asked for in the step: AZURE_SUBSCRIPTION_ID alone on the runner must not fail an AWS backup (checkAzure asks again).
  const signIn = `is required with azure-subscription-id (the workflow signs in to Azure with GitHub OIDC): ${GUID_FORM}.`;
  const subscriptionAsked = inputs.raw('azure-subscription-id') !== '';
  if (subscriptionAsked && !config.azure.tenantId) inputs.problem('azure-tenant-id', signIn);
  if (subscriptionAsked && !config.azure.clientId) inputs.problem('azure-client-id', signIn);
  if (backupCrn && config.backupName) inputs.problem('backup-name', 'names a new backup, but backup-crn attaches to one already started: give one of them.');
  if (config.progressIntervalMinutes > config.backupTimeoutMinutes) {
    inputs.problem('progress-interval-minutes', `must not be longer than backup-timeout-minutes (${config.backupTimeoutMinutes}).`);
  }
  if (config.handOverMinutes && !config.wait) {
    inputs.problem(
      'hand-over-minutes',
      'is how long a step that follows the backup follows it before handing over; with wait: false nothing is followed: leave it empty.',
    );
  }
  inputs.done();
  return config;
}

/** <workspace>-<UTC timestamp>, the runbook's way of naming a backup. */
export function defaultBackupName(workspaceName: string, at: Date): string {
  return `${workspaceName}-${utcStamp(at)}`.slice(0, 100);
}
