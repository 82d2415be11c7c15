import type { ActionRun, ClientContext } from '@ml-backup-actions/core';
import { BackupBucket } from '@ml-backup-actions/ckf-set';
import { Juju } from '@ml-backup-actions/juju';
import { KubeClient } from '@ml-backup-actions/kube';
import { Rclone, s3TargetRemote, type S3Remote } from '@ml-backup-actions/rclone';
import type { RestoreMlmdConfig } from './config.js';
import type { RestoreReport } from './report.js';

export interface RestoreMlmdClients {
  /** The mlmd pod: exec of its pebble CLI. */
  kube: KubeClient;
  /** The writer's scale. */
  juju: Juju;
  /** The backup bucket: the manifest, the object and its sidecar read. */
  bucket: BackupBucket;
  /** The backup bucket, through rclone: the safety copy written. */
  rclone: Rclone;
  target: S3Remote;
}

export type RestoreMlmdRun = ActionRun<RestoreMlmdConfig, RestoreMlmdClients, RestoreReport>;

export function restoreMlmdClients(config: RestoreMlmdConfig, context: ClientContext): RestoreMlmdClients {
  const { env, log, signal } = context;
  const target = s3TargetRemote(config.s3);
  return {
    kube: KubeClient.fromConfig({ kubeconfig: config.kubeconfig || undefined }, log),
    juju: new Juju({ model: config.jujuModel, log, signal, env }),
    bucket: new BackupBucket(config.s3, context),
    rclone: new Rclone({ remotes: [target], log, env }),
    target,
  };
}
