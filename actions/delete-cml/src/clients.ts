import type { ActionRun, ClientContext } from '@ml-backup-actions/core';
import { connectCdp, type MlApi } from '@ml-backup-actions/cdp';
import { CmlApi } from '@ml-backup-actions/cml';
import type { DeleteCmlConfig } from './config.js';
import type { DeleteReport } from './report.js';
import { deletePollMs } from './remove.js';

export interface DeleteCmlClients {
  ml: MlApi;
  cml(instanceUrl: string, apiKey: string): CmlApi;
  /** How far apart the two NOT_FOUND answers that make "deleted" must be (a lagging replica or a 500 must not). */
  goneConfirmMs: number;
}

export type DeleteCmlRun = ActionRun<DeleteCmlConfig, DeleteCmlClients, DeleteReport>;

export function deleteCmlClients(config: DeleteCmlConfig, { log, env }: ClientContext): DeleteCmlClients {
  return {
    ml: connectCdp(config.cdp, { log, env }).ml,
    cml: (instanceUrl, apiKey) => new CmlApi({ instanceUrl, apiKey, log }),
    // Two polls apart: a minute at the default progress interval.
    goneConfirmMs: 2 * deletePollMs(config),
  };
}
