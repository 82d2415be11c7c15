import type { ActionRun, ClientContext } from '@ml-backup-actions/core';
import { Juju } from '@ml-backup-actions/juju';
import type { BackupSetConfig } from './config.js';
import type { SetReport } from './report.js';
import { BackupBucket } from '@ml-backup-actions/ckf-set';

export interface BackupSetClients {
  bucket: BackupBucket;
  /** verify with check-databases: each charm is asked for its backup. */
  juju?: Juju;
}

export type BackupSetRun = ActionRun<BackupSetConfig, BackupSetClients, SetReport>;

export function backupSetClients(config: BackupSetConfig, context: ClientContext): BackupSetClients {
  const { env, log, signal } = context;
  return {
    bucket: new BackupBucket(config.s3, context),
    juju: config.mode === 'verify' && config.checkDatabases ? new Juju({ model: config.jujuModel, log, signal, env }) : undefined,
  };
}
