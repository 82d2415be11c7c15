import type { ActionRun, ClientContext } from '@ml-backup-actions/core';
import { Juju } from '@ml-backup-actions/juju';
import type { KubeClient } from '@ml-backup-actions/kube';
import { Rclone, type S3Remote } from '@ml-backup-actions/rclone';
import type { SyncMinioConfig } from './config.js';
import type { SyncReport } from './report.js';

export interface SyncMinioClients {
  /** For the MinIO keys (when not given). */
  juju: Juju;
  /** For the port-forward to MinIO (when no endpoint is given); loaded only then. */
  kube: () => Promise<KubeClient>;
  /** rclone with the run's two remotes, once MinIO's endpoint and keys are known. */
  rclone: (remotes: readonly S3Remote[]) => Rclone;
}

export type SyncMinioRun = ActionRun<SyncMinioConfig, SyncMinioClients, SyncReport>;

export function syncMinioClients(config: SyncMinioConfig, { env, log, signal }: ClientContext): SyncMinioClients {
  return {
    juju: new Juju({ model: config.juju.model, log, signal, env }),
    // Loaded only here: the Kubernetes client is most of the bundle, and a run given an endpoint never needs it.
    kube: async () => (await import('@ml-backup-actions/kube')).KubeClient.fromConfig({ kubeconfig: config.kube.kubeconfig || undefined }, log),
    rclone: (remotes) => new Rclone({ remotes, log, env }),
  };
}
