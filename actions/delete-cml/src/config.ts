import os from 'node:os';
import path from 'node:path';
import { Inputs } from '@ml-backup-actions/core';
import { WORKSPACE_CRN_FORM, isWorkspaceCrn, readCdpConnection, type CdpConnectionConfig } from '@ml-backup-actions/cdp';
import { DEFAULT_RECORD_NAME, RECORD_FILE_FORM, isRecordFile } from '@ml-backup-actions/cml';

/** original: runbook step 3, proven by the interim; interim: step 5, proven by the final workspace. */
export type Role = 'original' | 'interim';

export interface DeleteCmlConfig {
  workspaceCrn: string;
  role: Role;
  proofWorkspaceCrn: string;
  recordFile: string;
  /** A CML API v2 key of the proof workspace, for its projects. */
  cmlApiKey: string;
  removeStorage: boolean;
  force: boolean;
  wait: boolean;
  timeoutMinutes: number;
  progressIntervalMinutes: number;
  cdp: CdpConnectionConfig;
  dryRun: boolean;
  startedAt: Date;
}

const ROLE_FORM = "'original' (runbook step 3: the proof is the interim workspace) or 'interim' (step 5: the proof is the final workspace)";

/** Reads and validates every input; one error names each bad input, before any CDP call. */
export function readConfig(env: NodeJS.ProcessEnv = process.env, now = new Date()): DeleteCmlConfig {
  const inputs = new Inputs(env);
  const config: DeleteCmlConfig = {
    workspaceCrn: inputs.text('workspace-crn', { required: true, form: WORKSPACE_CRN_FORM, valid: isWorkspaceCrn }),
    role: inputs.text('role', { required: true, form: ROLE_FORM, valid: (v) => v === 'original' || v === 'interim' }) as Role,
    proofWorkspaceCrn: inputs.text('proof-workspace-crn', { required: true, form: WORKSPACE_CRN_FORM, valid: isWorkspaceCrn }),
    recordFile: inputs.text('record-file', {
      default: path.join(env.RUNNER_TEMP || os.tmpdir(), DEFAULT_RECORD_NAME),
      form: RECORD_FILE_FORM,
      valid: isRecordFile,
    }),
    cmlApiKey: inputs.secret('cml-api-key', { form: 'a CML API v2 key of the proof workspace (User Settings > API Keys, audience API) of an MLAdmin user' }),
    removeStorage: inputs.boolean('remove-storage', false),
    force: inputs.boolean('force', false),
    wait: inputs.boolean('wait', true),
    timeoutMinutes: inputs.number('timeout-minutes', { default: 120, min: 0.01, max: 1440 }),
    progressIntervalMinutes: inputs.number('progress-interval-minutes', { default: 5, min: 0.01, max: 720 }),
    cdp: readCdpConnection(inputs),
    dryRun: inputs.boolean('dry-run', false),
    startedAt: now,
  };
  if (config.workspaceCrn && config.workspaceCrn === config.proofWorkspaceCrn)
    inputs.problem(
      'proof-workspace-crn',
      'is the workspace to delete: the proof is the restored workspace that holds the data (the interim, or the final one).',
    );
  if (config.progressIntervalMinutes > config.timeoutMinutes)
    inputs.problem('progress-interval-minutes', `must not be longer than timeout-minutes (${config.timeoutMinutes}).`);
  inputs.done();
  return config;
}
