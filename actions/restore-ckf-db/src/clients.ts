import type { ActionRun, ClientContext } from '@ml-backup-actions/core';
import { BackupBucket } from '@ml-backup-actions/ckf-set';
import { Juju } from '@ml-backup-actions/juju';
import { KubeClient } from '@ml-backup-actions/kube';
import type { RestoreCkfDbConfig } from './config.js';
import type { RestoreCkfDbReport } from './report.js';

export interface RestoreCkfDbClients {
  juju: Juju;
  /** The backup bucket, when a manifest is read from it. */
  bucket?: BackupBucket;
  /** The running-workloads check; absent when ignore-running-workloads is true. */
  kube?: KubeClient;
}

export type RestoreCkfDbRun = ActionRun<RestoreCkfDbConfig, RestoreCkfDbClients, RestoreCkfDbReport>;

export function restoreCkfDbClients(config: RestoreCkfDbConfig, context: ClientContext): RestoreCkfDbClients {
  const { env, log, signal } = context;
  return {
    juju: new Juju({ model: config.jujuModel, log, signal, env }),
    bucket: config.manifest && config.s3 ? new BackupBucket(config.s3, context) : undefined,
    kube: config.ignoreRunningWorkloads ? undefined : KubeClient.fromConfig({ kubeconfig: config.kubeconfig || undefined }, log),
  };
}
