import { s3TargetRemote, type S3Remote } from '@ml-backup-actions/rclone';
import type { SyncMinioConfig } from './config.js';
import type { MinioSource } from './source.js';

/** The runbook's two rclone remotes: minio-ckf (the source) and remote-s3 (the backup target). */
export function remotesFor(config: SyncMinioConfig, minio: MinioSource): { source: S3Remote; target: S3Remote } {
  return {
    source: {
      name: 'source',
      label: `source (MinIO at ${minio.via})`,
      provider: 'Minio',
      endpoint: minio.endpoint,
      accessKeyId: minio.accessKey,
      secretAccessKey: minio.secretKey,
    },
    target: s3TargetRemote(config.s3),
  };
}
