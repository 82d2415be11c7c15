import type { S3Remote } from '@ml-backup-actions/rclone';
import type { SyncMinioConfig } from './config.js';

/** The runbook's two rclone remotes: minio-ckf (the source) and remote-s3 (the backup target). */
export function remotesFor(config: SyncMinioConfig): { source: S3Remote; target: S3Remote } {
  const { minio, s3 } = config;
  return {
    source: {
      name: 'source',
      label: `source (MinIO at ${minio.endpoint})`,
      provider: 'Minio',
      endpoint: minio.endpoint,
      accessKeyId: minio.accessKey,
      secretAccessKey: minio.secretKey,
    },
    target: {
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
    },
  };
}
