import {
  BANDWIDTH_FORM,
  ENDPOINT_FORM,
  Inputs,
  KEY_PREFIX_FORM,
  S3_BUCKET_FORM,
  isBandwidth,
  isBucketName,
  isEndpoint,
  isKeyPrefix,
  utcStamp,
} from '@ml-backup-actions/core';
import { ACCESS_KEY_FORM, isAccessKey, readS3Target, type S3Target } from '@ml-backup-actions/rclone';

export interface SyncMinioConfig {
  minio: { endpoint: string; accessKey: string; secretKey: string; bucket: string };
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
}

/** Reads and validates every input; throws one error naming each bad input, before any side effect. */
export function readConfig(env: NodeJS.ProcessEnv = process.env, now = new Date()): SyncMinioConfig {
  const inputs = new Inputs(env);
  const minio = {
    endpoint: inputs.text('minio-endpoint', { required: true, form: ENDPOINT_FORM, valid: isEndpoint }),
    accessKey: inputs.text('minio-access-key', { required: true, form: ACCESS_KEY_FORM, valid: isAccessKey }),
    secretKey: inputs.secret('minio-secret-key', { required: true, form: "MinIO's secret key" }),
    bucket: inputs.text('minio-bucket', { default: 'mlpipeline', form: S3_BUCKET_FORM, valid: isBucketName }),
  };

  const s3 = readS3Target(inputs, env, 'mlpipeline');

  const config: SyncMinioConfig = {
    minio,
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
