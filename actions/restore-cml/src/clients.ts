import type { ActionRun, ClientContext } from '@ml-backup-actions/core';
import { connectCdp, type MlApi } from '@ml-backup-actions/cdp';
import type { RestoreCmlConfig } from './config.js';
import { restorePollMs } from './follow.js';
import type { RestoreReport } from './report.js';

export interface RestoreCmlClients {
  ml: MlApi;
  /**
   * How long apart the two NOT_FOUND answers for the original must be before a static-subdomain
   * restore (reference/cml-restore.md §4): a 500 or a lagging replica must not read as "gone".
   */
  goneConfirmMs: number;
  /** How far apart a lost answer's restore is looked for (four looks). */
  lookForMs: number;
}

export type RestoreCmlRun = ActionRun<RestoreCmlConfig, RestoreCmlClients, RestoreReport>;

export function restoreCmlClients(config: RestoreCmlConfig, { log, env }: ClientContext): RestoreCmlClients {
  // NOT_FOUND on two polls two intervals apart: 2 minutes at the default progress interval.
  return { ml: connectCdp(config.cdp, { log, env }).ml, goneConfirmMs: 2 * restorePollMs(config), lookForMs: 15_000 };
}
