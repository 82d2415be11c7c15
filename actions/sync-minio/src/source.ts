import { ActionError, CancelledError } from '@ml-backup-actions/core';
import { credentialsFromJuju, type MinioCredentials } from '@ml-backup-actions/juju';
import type { PortForward } from '@ml-backup-actions/kube';
import type { SyncMinioRun } from './clients.js';
import { needsJuju, needsPortForward } from './config.js';

/** MinIO as this run reaches it: the endpoint rclone uses, the keys, and how both were found. */
export interface MinioSource {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** "http://minio.example:9000", or "svc/minio in kubeflow (port-forward to pod minio-0 port 9000)". */
  via: string;
  /** "the minio-access-key and minio-secret-key inputs", or the Juju commands they came from. */
  keysFrom: string;
  /** Open while the run lasts; closed by the cleanup registered with it. */
  portForward?: PortForward;
}

/**
 * The runbook's manual steps before the sync, done here: the keys from Juju (when not given) and
 * `kubectl port-forward -n <namespace> svc/minio 9000:9000` (when no endpoint is given), which is
 * closed again however the run ends.
 */
export async function reachMinio({ config, clients, log, signal, defer }: SyncMinioRun): Promise<MinioSource> {
  const keys: MinioCredentials = needsJuju(config)
    ? await credentialsFromJuju(clients.juju.cli, { minio: config.juju.minioApplication, consumer: config.juju.consumerApplication }, log)
    : { accessKey: config.minio.accessKey, secretKey: config.minio.secretKey, source: 'the minio-access-key and minio-secret-key inputs' };
  log.info(`MinIO keys: from ${keys.source}`);
  if (!needsPortForward(config)) {
    return { endpoint: config.minio.endpoint, accessKey: keys.accessKey, secretKey: keys.secretKey, via: config.minio.endpoint, keysFrom: keys.source };
  }

  const { namespace, service } = config.kube;
  const published = keys.published;
  if (published?.service && published.service !== service)
    log.info(`note: ${config.juju.minioApplication} publishes its service as "${published.service}"; minio-service is "${service}"`);
  if (published?.namespace && published.namespace !== namespace)
    log.info(`note: ${config.juju.minioApplication} publishes its namespace as "${published.namespace}"; namespace is "${namespace}"`);
  const kube = await clients.kube();
  // the port minio publishes (its config's port, 9000 by default), else the S3 API's usual 9000
  const target = await kube.resolveService(namespace, service, published?.port ?? 9000, signal);
  const forward = await kube.portForward({ namespace, pod: target.pod, port: target.podPort, signal });
  defer(`close the port-forward to svc/${service}`, async () => {
    await forward.close();
    log.info(`port-forward closed (${forward.connections} connection${forward.connections === 1 ? '' : 's'} carried): ${forward.description}`);
  });
  const via = `svc/${service} in ${namespace} (port-forward to pod ${target.pod} port ${target.podPort})`;
  log.info(`port-forward open: ${forward.description} (svc/${service} port ${target.servicePort})`);
  return { endpoint: forward.endpoint, accessKey: keys.accessKey, secretKey: keys.secretKey, via, keysFrom: keys.source, portForward: forward };
}

/**
 * Runs a step that talks to MinIO; if it fails while the port-forward has seen a connection fail,
 * the error also says what the port-forward reported (rclone alone only sees a reset connection).
 */
export async function throughForward<T>(source: MinioSource | undefined, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    const reported = source?.portForward?.lastError;
    if (!reported || !(err instanceof ActionError) || err instanceof CancelledError) throw err;
    throw new ActionError(`${err.message}\nThe port-forward to MinIO reported: ${reported}`, { cause: err });
  }
}
