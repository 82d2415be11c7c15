import { s3TargetRemote, type S3Remote } from '@ml-backup-actions/rclone';
import type { SyncMinioConfig } from './config.js';

/** The runbook's two rclone remotes: minio-ckf (the source) and remote-s3 (the backup target). */
export function remotesFor(config: SyncMinioConfig): { source: S3Remote; target: S3Remote } {
  const { minio } = config;
  return {
    source: {
      name: 'source',
      label: `source (MinIO at ${minio.endpoint})`,
      provider: 'Minio',
      endpoint: minio.endpoint,
      accessKeyId: minio.accessKey,
      secretAccessKey: minio.secretKey,
    },
    target: s3TargetRemote(config.s3),
  };
}
