import { registerSecret } from '@ml-backup-actions/core';

/** An S3 remote defined through RCLONE_CONFIG_<NAME>_* variables: no config file, no secret on argv. */
export interface S3Remote {
  /** rclone's remote name, lowercase letters and digits (source, target). */
  name: string;
  /** How messages name this side, e.g. "source (MinIO http://127.0.0.1:9000)". */
  label: string;
  provider: 'AWS' | 'Minio' | 'Ceph' | 'Other';
  endpoint?: string;
  region?: string;
  /** Without keys the remote reads the standard AWS credential environment (env_auth). */
  accessKeyId?: string;
  secretAccessKey?: string;
  serverSideEncryption?: string;
  /** Objects above this size go up in parallel parts (multipart). */
  uploadCutoff?: string;
  /** Skip rclone's bucket creation attempt, which needs s3:CreateBucket. */
  noCheckBucket?: boolean;
}

export function remoteEnv(remote: S3Remote): Record<string, string> {
  if (!/^[a-z][a-z0-9]*$/.test(remote.name)) throw new Error(`invalid rclone remote name ${remote.name}`);
  registerSecret(remote.secretAccessKey);
  const prefix = `RCLONE_CONFIG_${remote.name.toUpperCase()}_`;
  const env: Record<string, string> = {
    TYPE: 's3',
    PROVIDER: remote.provider,
    ACL: 'private',
  };
  if (remote.accessKeyId) {
    env.ENV_AUTH = 'false';
    env.ACCESS_KEY_ID = remote.accessKeyId;
    env.SECRET_ACCESS_KEY = remote.secretAccessKey ?? '';
  } else {
    env.ENV_AUTH = 'true';
  }
  if (remote.endpoint) env.ENDPOINT = remote.endpoint;
  if (remote.region) env.REGION = remote.region;
  if (remote.serverSideEncryption) env.SERVER_SIDE_ENCRYPTION = remote.serverSideEncryption;
  if (remote.uploadCutoff) env.UPLOAD_CUTOFF = remote.uploadCutoff;
  if (remote.noCheckBucket) env.NO_CHECK_BUCKET = 'true';
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [prefix + k, v]));
}

/** remote:bucket/prefix */
export function remotePath(remote: S3Remote, bucket: string, prefix = ''): string {
  return `${remote.name}:${bucket}${prefix ? `/${prefix}` : ''}`;
}
