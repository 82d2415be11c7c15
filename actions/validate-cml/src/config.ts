import os from 'node:os';
import path from 'node:path';
import { Inputs } from '@ml-backup-actions/core';
import { WORKSPACE_CRN_FORM, isWorkspaceCrn, readCdpConnection, type CdpConnectionConfig } from '@ml-backup-actions/cdp';
import { DEFAULT_RECORD_NAME, RECORD_FILE_FORM, isRecordFile, type ExpectUrl } from '@ml-backup-actions/cml';

export interface ValidateCmlConfig {
  workspaceCrn: string;
  recordFile: string;
  expectUrl: ExpectUrl;
  /** A CML API v2 key of the restored workspace. */
  cmlApiKey: string;
  /** The key given to backup-cml: a restore carries the original's database, and its keys with it. */
  originalCmlApiKey: string;
  /** Where the JSON report is written. */
  reportFile: string;
  cdp: CdpConnectionConfig;
  startedAt: Date;
}

const EXPECT_URL_FORM = "'different' (the interim workspace: a URL of its own) or 'same' (the final restore: the original's URL)";
const KEY_FORM = 'a CML API v2 key (User Settings > API Keys, audience API) of an MLAdmin user';

/** Reads and validates every input; one error names each bad input, before any CDP call. */
export function readConfig(env: NodeJS.ProcessEnv = process.env, now = new Date()): ValidateCmlConfig {
  const inputs = new Inputs(env);
  const workspaceCrn = inputs.text('workspace-crn', { required: true, form: WORKSPACE_CRN_FORM, valid: isWorkspaceCrn });
  const config: ValidateCmlConfig = {
    workspaceCrn,
    recordFile: inputs.text('record-file', {
      default: path.join(env.RUNNER_TEMP || os.tmpdir(), DEFAULT_RECORD_NAME),
      form: RECORD_FILE_FORM,
      valid: isRecordFile,
    }),
    expectUrl: inputs.text('expect-url', { required: true, form: EXPECT_URL_FORM, valid: (v) => v === 'same' || v === 'different' }) as ExpectUrl,
    cmlApiKey: inputs.secret('cml-api-key', { form: KEY_FORM }),
    originalCmlApiKey: inputs.secret('original-cml-api-key', { form: KEY_FORM }),
    reportFile: path.join(env.RUNNER_TEMP || os.tmpdir(), `validate-cml-${workspaceCrn.split(':').pop() || 'report'}.json`),
    cdp: readCdpConnection(inputs),
    startedAt: now,
  };
  if (config.cmlApiKey && config.cmlApiKey === config.originalCmlApiKey)
    inputs.problem('original-cml-api-key', 'is the same key as cml-api-key: give it only when cml-api-key is a different key, or leave it empty.');
  inputs.done();
  return config;
}
