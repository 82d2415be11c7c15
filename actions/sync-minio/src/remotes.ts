import { s3TargetRemote } from '@ml-backup-actions/rclone';
import type { SyncMinioConfig } from './config.js';
import type { Sides } from './listing.js';
import type { MinioSource } from './source.js';

/** The runbook's two rclone remotes: minio-ckf (the source) and remote-s3 (the backup target). */
export function remotesFor(config: SyncMinioConfig, minio: MinioSource): Sides {
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
