import type { ActionRun, ClientContext } from '@ml-backup-actions/core';
import { connectCdp, type MlApi } from '@ml-backup-actions/cdp';
import { CmlApi } from '@ml-backup-actions/cml';
import type { ValidateCmlConfig } from './config.js';
import type { ValidationReport } from './report.js';

export interface ValidateCmlClients {
  ml: MlApi;
  /** The restored workspace's CML API v2, with one of the keys given. */
  cml(instanceUrl: string, apiKey: string): CmlApi;
}

export type ValidateCmlRun = ActionRun<ValidateCmlConfig, ValidateCmlClients, ValidationReport>;

export function validateCmlClients(config: ValidateCmlConfig, { log, env }: ClientContext): ValidateCmlClients {
  return {
    ml: connectCdp(config.cdp, { log, env }).ml,
    cml: (instanceUrl, apiKey) => new CmlApi({ instanceUrl, apiKey, log }),
  };
}
