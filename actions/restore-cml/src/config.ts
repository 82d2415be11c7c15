import os from 'node:os';
import path from 'node:path';
import { Inputs, registerSecret } from '@ml-backup-actions/core';
import { BACKUP_CRN_FORM, WORKSPACE_CRN_FORM, isBackupCrn, isWorkspaceCrn, readCdpConnection, type CdpConnectionConfig } from '@ml-backup-actions/cdp';
import { DEFAULT_RECORD_NAME, RECORD_FILE_FORM, isRecordFile } from '@ml-backup-actions/cml';

export interface RestoreCmlConfig {
  backupCrn: string;
  recordFile: string;
  workspaceName: string;
  environmentName: string;
  useStaticSubdomain: boolean;
  workspaceParameters: Record<string, unknown>;
  existingNfs: string;
  nfsVersion: string;
  restoreTimeoutMinutes: number;
  wait: boolean;
  /** Follow at most this long, then hand over (0: to the end). */
  handOverMinutes: number;
  progressIntervalMinutes: number;
  /** Attach to this restore and only follow it. */
  workspaceCrn: string;
  cdp: CdpConnectionConfig;
  dryRun: boolean;
  startedAt: Date;
}

const WORKSPACE_NAME_FORM = 'a CML workspace name: lowercase letters, digits and hyphens, starting with a letter, at most 50 characters';
const isWorkspaceName = (v: string) => /^[a-z][a-z0-9-]{0,49}$/.test(v) && !v.endsWith('-');
const ENVIRONMENT_FORM = 'a CDP environment name: letters, digits and hyphens, starting with a letter, at most 100 characters';
const isEnvironmentName = (v: string) => /^[A-Za-z][A-Za-z0-9-]{0,99}$/.test(v);
const NFS_FORM = 'an NFS export such as <account>.file.core.windows.net:/<account>/<share>, without spaces';
const isNfs = (v: string) => /^[A-Za-z0-9.-]+:\/\S+$/.test(v);
const NFS_VERSION_FORM = 'an NFS version such as 4.1 or 3';
const isNfsVersion = (v: string) => /^\d(\.\d)?$/.test(v);
const PARAMETERS_FORM = 'a JSON object of CreateWorkspaceRequest fields, such as {"usePublicLoadBalancer": false}';

/** Reads and validates every input; one error names each bad input, before any CDP call. */
export function readConfig(env: NodeJS.ProcessEnv = process.env, now = new Date()): RestoreCmlConfig {
  const inputs = new Inputs(env);
  const config: RestoreCmlConfig = {
    backupCrn: inputs.text('backup-crn', { form: BACKUP_CRN_FORM, valid: isBackupCrn }),
    recordFile: inputs.text('record-file', {
      default: path.join(env.RUNNER_TEMP || os.tmpdir(), DEFAULT_RECORD_NAME),
      form: RECORD_FILE_FORM,
      valid: isRecordFile,
    }),
    workspaceName: inputs.text('workspace-name', { form: WORKSPACE_NAME_FORM, valid: isWorkspaceName }),
    environmentName: inputs.text('environment-name', { form: ENVIRONMENT_FORM, valid: isEnvironmentName }),
    useStaticSubdomain: inputs.boolean('use-static-subdomain', false),
    workspaceParameters: parameters(inputs),
    existingNfs: inputs.text('existing-nfs', { form: NFS_FORM, valid: isNfs }),
    nfsVersion: inputs.text('nfs-version', { form: NFS_VERSION_FORM, valid: isNfsVersion }),
    restoreTimeoutMinutes: inputs.number('restore-timeout-minutes', { default: 720, min: 0.01, max: 10_080 }),
    wait: inputs.boolean('wait', true),
    handOverMinutes: inputs.number('hand-over-minutes', { default: 0, min: 0, max: 10_080 }),
    progressIntervalMinutes: inputs.number('progress-interval-minutes', { default: 15, min: 0.01, max: 720 }),
    workspaceCrn: inputs.text('workspace-crn', { form: WORKSPACE_CRN_FORM, valid: isWorkspaceCrn }),
    cdp: readCdpConnection(inputs),
    dryRun: inputs.boolean('dry-run', false),
    startedAt: now,
  };
  if (config.workspaceCrn) {
    // use-static-subdomain's default 'false' comes with every step of the action: only true is a conflict.
    for (const name of ['workspace-name', 'workspace-parameters', 'existing-nfs', 'nfs-version', 'backup-crn', 'use-static-subdomain'] as const) {
      if (name === 'use-static-subdomain' ? config.useStaticSubdomain : inputs.raw(name))
        inputs.problem(name, 'is for starting a restore, but workspace-crn attaches to one already started and only follows it: give one of them.');
    }
    if (config.dryRun) inputs.problem('dry-run', 'checks a restore request before it is sent; with workspace-crn nothing is sent: leave it false.');
  } else if (!config.workspaceName) {
    inputs.problem('workspace-name', `is required: the new workspace, ${WORKSPACE_NAME_FORM} (or give workspace-crn to follow a restore already started).`);
  }
  if (config.progressIntervalMinutes > config.restoreTimeoutMinutes) {
    inputs.problem('progress-interval-minutes', `must not be longer than restore-timeout-minutes (${config.restoreTimeoutMinutes}).`);
  }
  if (config.handOverMinutes && !config.wait) {
    inputs.problem(
      'hand-over-minutes',
      'is how long a step that follows the restore follows it before handing over; with wait: false nothing is followed: leave it empty.',
    );
  }
  inputs.done();
  return config;
}

/** workspace-parameters: a JSON object; a database password in it is a secret from the start. */
function parameters(inputs: Inputs): Record<string, unknown> {
  const raw = inputs.raw('workspace-parameters');
  if (!raw) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    inputs.problem('workspace-parameters', `must be ${PARAMETERS_FORM}; it is not JSON (${(err as Error).message.replace(/ in JSON.*$/, '')}).`);
    return {};
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    inputs.problem(
      'workspace-parameters',
      `must be ${PARAMETERS_FORM}; got a JSON ${Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value}.`,
    );
    return {};
  }
  const db = (value as { existingDatabaseConfig?: { existingDatabasePassword?: unknown } }).existingDatabaseConfig;
  if (typeof db?.existingDatabasePassword === 'string') registerSecret(db.existingDatabasePassword);
  return value as Record<string, unknown>;
}
