// @ts-check
// The local sandbox: two real S3 servers, one playing Charmed Kubeflow's MinIO, one the backup target.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startS3 } from './s3.js';
import { stopStarted } from './stop-started.js';

export { startS3, rcloneEnvFor, storedEtag } from './s3.js';
export { rclone, listObjects, readObject, writeObject, deleteObject } from './rclone.js';
export { seedMlpipeline, mlpipelineLayout } from './mlpipeline.js';
export { runActionBundle, parseOutputFile, inputVar, repoRoot } from './runner.js';

/** Secrets that tests search for in every log, output and argv. */
export const SANDBOX_SECRETS = {
  minio: 'minio-Secret-9f3b2c7d1e',
  s3: 'backup-Secret-4a8e6f0b2d',
};

export async function startSandbox() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'mlba-sandbox-'));
  const starting = /** @type {const} */ ([
    startS3({ name: 'minio', root, accessKey: 'minio', secretKey: SANDBOX_SECRETS.minio, buckets: ['mlpipeline'] }),
    startS3({ name: 's3', root, accessKey: 'AKIASANDBOXBACKUP01', secretKey: SANDBOX_SECRETS.s3, buckets: ['ckf-backups'] }),
  ]);
  const [minio, s3] = await Promise.all(starting).catch(async (err) => {
    await stopStarted(root, starting);
    throw err;
  });
  return {
    root,
    minio,
    s3,
    /** sync-minio's inputs pointing at this sandbox. @param {Record<string, string>} [extra] */
    syncMinioInputs(extra = {}) {
      return {
        'minio-endpoint': minio.endpoint,
        'minio-access-key': minio.accessKey,
        'minio-secret-key': minio.secretKey,
        's3-bucket': 'ckf-backups',
        's3-endpoint': s3.endpoint,
        's3-access-key-id': s3.accessKey,
        's3-secret-access-key': s3.secretKey,
        ...extra,
      };
    },
    async stop() {
      await Promise.all([minio.stop(), s3.stop()]);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
export {
  createMlmdDatabase,
  removeMlmdTemplates,
  rowCounts as mlmdRowCounts,
  integrityCheck as mlmdIntegrityCheck,
  corruptDatabase,
  DEFAULT_TEST_BYTES,
} from './mlmd.js';
export { startCkf, CKF_SECRETS } from './ckf.js';
export { startCdp } from './cdp/index.js';
export { startAzure } from './azure/index.js';
export { startGitHubOidc } from './azure/github-oidc.js';
export { startAzureForCml } from './azure/for-cml.js';
