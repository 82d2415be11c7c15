import type { ActionRun, ClientContext } from '@ml-backup-actions/core';
import { Juju } from '@ml-backup-actions/juju';
import { KubeClient } from '@ml-backup-actions/kube';
import { Rclone, s3TargetRemote, type S3Remote } from '@ml-backup-actions/rclone';
import type { BackupMlmdConfig } from './config.js';
import type { BackupReport } from './report.js';

export interface BackupMlmdClients {
  /** The mlmd pod: exec (sh, cat) and the running-workloads check. */
  kube: KubeClient;
  /** The writer's scale. */
  juju: Juju;
  /** The backup bucket, through rclone. */
  rclone: Rclone;
  target: S3Remote;
}

export type BackupMlmdRun = ActionRun<BackupMlmdConfig, BackupMlmdClients, BackupReport>;

export function backupMlmdClients(config: BackupMlmdConfig, { env, log, signal }: ClientContext): BackupMlmdClients {
  const target = s3TargetRemote(config.s3);
  return {
    kube: KubeClient.fromConfig({ kubeconfig: config.kubeconfig || undefined }, log),
    juju: new Juju({ model: config.jujuModel, log, signal, env }),
    rclone: new Rclone({ remotes: [target], log, env }),
    target,
  };
}
