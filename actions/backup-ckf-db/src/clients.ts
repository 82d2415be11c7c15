import type { ActionRun, ClientContext } from '@ml-backup-actions/core';
import { Juju } from '@ml-backup-actions/juju';
import type { BackupCkfDbConfig } from './config.js';
import type { CkfDbReport } from './report.js';

export interface BackupCkfDbClients {
  juju: Juju;
}

export type BackupCkfDbRun = ActionRun<BackupCkfDbConfig, BackupCkfDbClients, CkfDbReport>;

export const backupCkfDbClients = (config: BackupCkfDbConfig, { env, log, signal }: ClientContext): BackupCkfDbClients => ({
  juju: new Juju({ model: config.jujuModel, log, signal, env }),
});
