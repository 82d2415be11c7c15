import {
  ENDPOINT_FORM,
  type Inputs,
  KEY_PREFIX_FORM,
  REGION_FORM,
  S3_BUCKET_FORM,
  isBucketName,
  isEndpoint,
  isKeyPrefix,
  isRegion,
  registerSecret,
} from '@ml-backup-actions/core';
import type { S3Remote } from './remote.js';

/** The backup target every action writes to, from its s3-* inputs. */
export interface S3Target {
  bucket: string;
  prefix: string;
  /** '' means AWS itself. */
  endpoint: string;
  region: string;
  /** '' means the standard AWS credential environment. */
  accessKeyId: string;
  secretAccessKey: string;
  /** '' means none. */
  serverSideEncryption: string;
}

export const ACCESS_KEY_FORM = 'an access key of 3 to 128 printable characters without spaces';
export const isAccessKey = (v: string) => /^[\x21-\x7e]{3,128}$/.test(v);

/**
 * Reads s3-bucket, s3-prefix, s3-endpoint, s3-region, s3-access-key-id, s3-secret-access-key and
 * s3-server-side-encryption, with the same meaning in every action.
 */
export function readS3Target(inputs: Inputs, env: NodeJS.ProcessEnv, prefixDefault: string): S3Target {
  const endpoint = inputs.text('s3-endpoint', { form: ENDPOINT_FORM, valid: isEndpoint });
  const onAws = endpoint === '';
  const target = {
    bucket: inputs.text('s3-bucket', { required: true, form: S3_BUCKET_FORM, valid: isBucketName }),
    prefix: inputs.text('s3-prefix', { default: prefixDefault, form: KEY_PREFIX_FORM, valid: isKeyPrefix }),
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
    !target.accessKeyId === !target.secretAccessKey,
    target.accessKeyId ? 's3-secret-access-key' : 's3-access-key-id',
    'must be given together with the other S3 key, or both left empty to use the AWS credential environment.',
  );
  if (!target.accessKeyId) {
    // Credentials that configure-aws-credentials exported: mask them here too, for our own redaction.
    registerSecret(env.AWS_SECRET_ACCESS_KEY);
    registerSecret(env.AWS_SESSION_TOKEN);
  }
  return { ...target, serverSideEncryption: target.serverSideEncryption === 'none' ? '' : target.serverSideEncryption };
}

/** The runbook's remote-s3: the backup target as an rclone remote named `target`. */
export function s3TargetRemote(s3: S3Target): S3Remote {
  return {
    name: 'target',
    label: `target (S3${s3.endpoint ? ` at ${s3.endpoint}` : ` in ${s3.region}`})`,
    provider: s3.endpoint ? 'Other' : 'AWS',
    endpoint: s3.endpoint || undefined,
    region: s3.region || undefined,
    accessKeyId: s3.accessKeyId || undefined,
    secretAccessKey: s3.secretAccessKey || undefined,
    serverSideEncryption: s3.serverSideEncryption || undefined,
    uploadCutoff: '64M',
    noCheckBucket: true,
  };
}
