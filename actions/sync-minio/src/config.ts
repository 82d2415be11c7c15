import {
  BANDWIDTH_FORM,
  ENDPOINT_FORM,
  Inputs,
  KEY_PREFIX_FORM,
  REGION_FORM,
  S3_BUCKET_FORM,
  isBandwidth,
  isBucketName,
  isEndpoint,
  isKeyPrefix,
  isRegion,
  registerSecret,
  utcStamp,
} from '@ml-backup-actions/core';

export interface SyncMinioConfig {
  minio: { endpoint: string; accessKey: string; secretKey: string; bucket: string };
  s3: {
    bucket: string;
    prefix: string;
    /** '' means AWS itself. */
    endpoint: string;
    region: string;
    /** '' means the standard AWS credential environment. */
    accessKeyId: string;
    secretAccessKey: string;
    serverSideEncryption: string;
  };
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

const ACCESS_KEY_FORM = 'an access key of 3 to 128 printable characters without spaces';
const isAccessKey = (v: string) => /^[\x21-\x7e]{3,128}$/.test(v);

/** Reads and validates every input; throws one error naming each bad input, before any side effect. */
export function readConfig(env: NodeJS.ProcessEnv = process.env, now = new Date()): SyncMinioConfig {
  const inputs = new Inputs(env);
  const minio = {
    endpoint: inputs.text('minio-endpoint', { required: true, form: ENDPOINT_FORM, valid: isEndpoint }),
    accessKey: inputs.text('minio-access-key', { required: true, form: ACCESS_KEY_FORM, valid: isAccessKey }),
    secretKey: inputs.secret('minio-secret-key', { required: true, form: "MinIO's secret key" }),
    bucket: inputs.text('minio-bucket', { default: 'mlpipeline', form: S3_BUCKET_FORM, valid: isBucketName }),
  };

  const endpoint = inputs.text('s3-endpoint', { form: ENDPOINT_FORM, valid: isEndpoint });
  const onAws = endpoint === '';
  const s3 = {
    bucket: inputs.text('s3-bucket', { required: true, form: S3_BUCKET_FORM, valid: isBucketName }),
    prefix: inputs.text('s3-prefix', { default: 'mlpipeline', form: KEY_PREFIX_FORM, valid: isKeyPrefix }),
    endpoint,
    region: inputs.text('s3-region', {
      default: onAws ? env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1' : '',
      form: REGION_FORM,
      valid: isRegion,
    }),
    accessKeyId: inputs.text('s3-access-key-id', { form: ACCESS_KEY_FORM, valid: isAccessKey }),
    secretAccessKey: inputs.secret('s3-secret-access-key'),
    serverSideEncryption: inputs.choice('s3-server-side-encryption', ['AES256', 'aws:kms', 'none'] as const, onAws ? 'AES256' : 'none'),
  };
  inputs.require(
    !s3.accessKeyId === !s3.secretAccessKey,
    s3.accessKeyId ? 's3-secret-access-key' : 's3-access-key-id',
    'must be given together with the other S3 key, or both left empty to use the AWS credential environment.',
  );
  if (!s3.accessKeyId) {
    // Credentials that configure-aws-credentials exported: mask them here too, for our own redaction.
    registerSecret(env.AWS_SECRET_ACCESS_KEY);
    registerSecret(env.AWS_SESSION_TOKEN);
  }

  const config: SyncMinioConfig = {
    minio,
    s3: { ...s3, serverSideEncryption: s3.serverSideEncryption === 'none' ? '' : s3.serverSideEncryption },
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
