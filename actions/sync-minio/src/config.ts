import {
  BANDWIDTH_FORM,
  DNS_LABEL_FORM,
  ENDPOINT_FORM,
  Inputs,
  JUJU_APPLICATION_FORM,
  JUJU_MODEL_FORM,
  KEY_PREFIX_FORM,
  S3_BUCKET_FORM,
  isBandwidth,
  isBucketName,
  isDnsLabel,
  isEndpoint,
  isJujuApplication,
  isJujuModel,
  isKeyPrefix,
  utcStamp,
} from '@ml-backup-actions/core';
import { ACCESS_KEY_FORM, isAccessKey, readS3Target, type S3Target } from '@ml-backup-actions/rclone';

export interface SyncMinioConfig {
  minio: {
    /** '' means: a port-forward to the MinIO service, opened and closed by the action. */
    endpoint: string;
    /** Both '' means: read them from Juju (juju config, and the object-storage relation data). */
    accessKey: string;
    secretKey: string;
    bucket: string;
  };
  juju: { model: string; minioApplication: string; consumerApplication: string };
  /** Where the MinIO service is, for the port-forward. */
  kube: { namespace: string; service: string; kubeconfig: string };
  s3: S3Target;
  mode: 'sync' | 'copy';
  sizeOnly: boolean;
  bandwidthLimit: string;
  transfers: number;
  archivePrefix: string;
  allowEmptySource: boolean;
  verify: boolean;
  dryRun: boolean;
  timeoutMinutes: number;
  progressIntervalSeconds: number;
  /** A sync that moves nothing this long is stopped (a side that stopped answering). */
  stallTimeoutSeconds: number;
}

/** Reads and validates every input; throws one error naming each bad input, before any side effect. */
export function readConfig(env: NodeJS.ProcessEnv = process.env, now = new Date()): SyncMinioConfig {
  const inputs = new Inputs(env);
  const minio = {
    endpoint: inputs.text('minio-endpoint', { form: ENDPOINT_FORM, valid: isEndpoint }),
    accessKey: inputs.text('minio-access-key', { form: ACCESS_KEY_FORM, valid: isAccessKey }),
    secretKey: inputs.secret('minio-secret-key'),
    bucket: inputs.text('minio-bucket', { default: 'mlpipeline', form: S3_BUCKET_FORM, valid: isBucketName }),
  };
  const fromJuju =
    'leave both empty to read them from Juju (juju config <minio-application> access-key, and the object-storage relation data of minio-consumer-application)';
  inputs.require(!minio.secretKey || Boolean(minio.accessKey), 'minio-access-key', `is required when minio-secret-key is given: give both, or ${fromJuju}.`);
  inputs.require(!minio.accessKey || Boolean(minio.secretKey), 'minio-secret-key', `is required when minio-access-key is given: give both, or ${fromJuju}.`);
  const jujuModel = inputs.text('juju-model', { default: 'kubeflow', form: JUJU_MODEL_FORM, valid: isJujuModel });
  const juju = {
    model: jujuModel,
    minioApplication: inputs.text('minio-application', { default: 'minio', form: JUJU_APPLICATION_FORM, valid: isJujuApplication }),
    consumerApplication: inputs.text('minio-consumer-application', { default: 'kfp-ui', form: JUJU_APPLICATION_FORM, valid: isJujuApplication }),
  };
  const kube = {
    // On Kubernetes a Juju model's workloads run in the namespace named after the model.
    namespace: inputs.text('namespace', { default: modelName(jujuModel), form: DNS_LABEL_FORM, valid: isDnsLabel }),
    service: inputs.text('minio-service', { default: 'minio', form: DNS_LABEL_FORM, valid: isDnsLabel }),
    kubeconfig: inputs.secret('kubeconfig', { multiline: true }),
  };

  const s3 = readS3Target(inputs, env, 'mlpipeline');

  const config: SyncMinioConfig = {
    minio,
    juju,
    kube,
    s3,
    mode: inputs.choice('mode', ['sync', 'copy'] as const, 'sync'),
    sizeOnly: inputs.boolean('size-only', true),
    bandwidthLimit: inputs.text('bandwidth-limit', { form: BANDWIDTH_FORM, valid: isBandwidth }),
    transfers: inputs.integer('transfers', { default: 4, min: 1, max: 64 }),
    archivePrefix: inputs.text('archive-prefix', {
      default: `${s3.prefix}.archive/${utcStamp(now)}`,
      form: KEY_PREFIX_FORM,
      valid: isKeyPrefix,
    }),
    allowEmptySource: inputs.boolean('allow-empty-source', false),
    verify: inputs.boolean('verify', true),
    dryRun: inputs.boolean('dry-run', false),
    timeoutMinutes: inputs.integer('timeout-minutes', { default: 360, min: 1, max: 4320 }),
    progressIntervalSeconds: inputs.integer('progress-interval-seconds', { default: 20, min: 1, max: 30 }),
    stallTimeoutSeconds: inputs.integer('stall-timeout-seconds', { default: 300, min: 10, max: 3600 }),
  };
  const [a, p] = [config.archivePrefix, s3.prefix];
  inputs.require(
    a !== p && !a.startsWith(`${p}/`) && !p.startsWith(`${a}/`),
    'archive-prefix',
    `must lie outside s3-prefix '${p}' (and not contain it), or the mirror would sweep up its own archive; for example ${p}.archive`,
  );
  inputs.done();
  return config;
}

/** "kubeflow" for kubeflow, admin/kubeflow or controller:admin/kubeflow. */
export function modelName(model: string): string {
  return (
    model
      .slice(model.lastIndexOf(':') + 1)
      .split('/')
      .pop() ?? model
  );
}

/** Whether the keys come from Juju (both inputs empty) and MinIO is reached through a port-forward (no endpoint). */
export function needsJuju(config: SyncMinioConfig): boolean {
  return !config.minio.accessKey;
}
export function needsPortForward(config: SyncMinioConfig): boolean {
  return !config.minio.endpoint;
}
