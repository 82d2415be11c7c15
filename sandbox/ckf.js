// @ts-check
// A Charmed Kubeflow control plane for the backup actions: the Kubernetes API emulator with the
// mlmd-0 pod (its /data holding a real MLMD database) and the minio service (pod minio-0, whose
// port 9000 is forwarded to a real S3 server playing MinIO), the Juju model (minio's secret-key
// in kfp-ui's object-storage relation data), and the S3 backup target.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createJujuModel } from './juju/index.js';
import { startKube } from './kube/index.js';
import { createMlmdDatabase, DEFAULT_TEST_BYTES } from './mlmd.js';
import { mlmdService } from './pebble/mlmd-server.js';
import { startS3 } from './s3.js';
import { stopStarted } from './stop-started.js';

/** minio: like the charm's generated key (30 characters of A-Z and 0-9), published only in relation data. */
export const CKF_SECRETS = { s3: 'ckf-backup-Secret-7c1d9e2f4a', minio: 'Q7M2X9K4T1B8N6V3C5Z0L2H7J9R4WD' };

/** uid/gid -> name in the mlmd rock's /etc/passwd and /etc/group (rockcraft's _daemon_, 584792). */
const ROCK_USERS = { 584792: '_daemon_' };

/**
 * @param {{ writerScale?: number, dbBytes?: number, journalMode?: 'delete'|'wal', keepWal?: boolean,
 *   container?: string, tools?: string[], settleMs?: number, seed?: number, minioSecretKey?: string,
 *   charmBackups?: boolean, timeScale?: number }} [options]
 * charmBackups: the databases' s3-integrators point at the backup bucket (mysql/kfp-db, mysql/katib-db);
 * timeScale: juju model time to real time (create-backup takes 30 s of model time).
 */
export async function startCkf(options = {}) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'mlba-ckf-'));
  const container = options.container ?? 'mlmd-grpc-server';
  const minioSecretKey = options.minioSecretKey ?? CKF_SECRETS.minio;
  const starting = /** @type {const} */ ([
    startKube({
      root,
      pods: [
        {
          name: 'mlmd-0',
          labels: { 'app.kubernetes.io/name': 'mlmd' },
          // Juju's pebble in the workload container: /charm/bin/pebble, and the charm's mlmd service
          // (played by mlmdServer) active from the start; the rock's image has rockcraft's _daemon_ user
          containers: [
            { name: 'charm' },
            {
              name: container,
              ...(options.tools ? { tools: options.tools } : {}),
              pebble: { services: { mlmd: mlmdService() }, users: ROCK_USERS, groups: ROCK_USERS },
            },
          ],
        },
        {
          // the minio charm's workload pod (a pod-spec charm): ports named as the container's
          name: 'minio-0',
          labels: { 'app.kubernetes.io/name': 'minio' },
          containers: [
            {
              name: 'minio',
              ports: [
                { name: 'minio', containerPort: 9000 },
                { name: 'console', containerPort: 9001 },
              ],
            },
          ],
        },
      ],
      services: [
        {
          name: 'minio',
          labels: { 'app.kubernetes.io/name': 'minio' },
          selector: { 'app.kubernetes.io/name': 'minio' },
          ports: [
            { name: 'minio', port: 9000, targetPort: 9000 },
            { name: 'console', port: 9001, targetPort: 9001 },
          ],
        },
      ],
    }),
    // MinIO as the minio charm runs it: the access key from its config (default "minio"), the secret it generated
    startS3({ name: 'minio', root, accessKey: 'minio', secretKey: minioSecretKey, buckets: ['mlpipeline'] }),
    startS3({ name: 's3', root, accessKey: 'AKIACKFBACKUP000001', secretKey: CKF_SECRETS.s3, buckets: ['ckf-backups'] }),
  ]);
  const [kube, minio, s3] = await Promise.all(starting).catch(async (err) => {
    await stopStarted(root, starting);
    throw err;
  });
  kube.setPortForwards('minio-0', { 9000: minio.port });
  const juju = createJujuModel({
    dir: path.join(root, 'juju'),
    settleMs: options.settleMs ?? 400,
    applications: { 'kfp-metadata-writer': { scale: options.writerScale ?? 1 } },
    minioSecretKey,
    ...(options.timeScale ? { timeScale: options.timeScale } : {}),
    // kfp-db and katib-db back up through s3-kfp and s3-katib into the backup bucket, as the charms would.
    ...(options.charmBackups
      ? {
          s3: {
            endpoint: s3.endpoint,
            accessKey: s3.accessKey,
            secretKey: s3.secretKey,
            bucket: 'ckf-backups',
            paths: { 'kfp-db': 'mysql/kfp-db', 'katib-db': 'mysql/katib-db' },
          },
        }
      : {}),
  });
  const commonInputs = {
    kubeconfig: kube.kubeconfig,
    's3-bucket': 'ckf-backups',
    's3-endpoint': s3.endpoint,
    's3-access-key-id': s3.accessKey,
    's3-secret-access-key': s3.secretKey,
    'progress-interval-seconds': '1',
  };
  const stop = async () => {
    await Promise.all([kube.stop(), s3.stop(), minio.stop()]);
    juju.cleanup?.();
    rmSync(root, { recursive: true, force: true });
  };
  const dbPath = kube.hostPath('mlmd-0', container, '/data/mlmd.db');
  const db = await createMlmdDatabase(dbPath, {
    targetBytes: options.dbBytes ?? DEFAULT_TEST_BYTES,
    seed: options.seed ?? 1,
    journalMode: options.journalMode ?? 'delete',
    keepWal: options.keepWal ?? false,
  }).catch(async (err) => {
    await stop();
    throw err;
  });
  return {
    root,
    kube,
    juju,
    s3,
    /** The S3 server behind svc/minio (reach it directly for seeding and checks). */
    minio,
    db: { ...db, hostPath: dbPath, container },
    /** What the action's process needs beyond its inputs: the emulated juju first on PATH. */
    env: { PATH: juju.env.PATH, JUJU_SANDBOX_STATE: juju.stateFile },
    /** backup-mlmd's inputs pointing at this sandbox. @param {Record<string, string>} [extra] */
    backupMlmdInputs: (extra = {}) => ({ ...commonInputs, ...extra }),
    /** sync-minio's inputs for this sandbox: no MinIO endpoint or keys, so it uses Juju and a port-forward. @param {Record<string, string>} [extra] */
    syncMinioInputs: (extra = {}) => ({ ...commonInputs, ...extra }),
    /**
     * What a harness run of .github/workflows/ckf-backup.yml against this sandbox needs: the
     * runner's environment, the workflow_call inputs and the secrets (the demo and the tests share it).
     */
    workflowOptions: () => ({
      env: {
        PATH: juju.env.PATH,
        HOME: process.env.HOME,
        JUJU_SANDBOX_STATE: juju.stateFile,
        ...(process.env.AWS_CA_BUNDLE ? { AWS_CA_BUNDLE: process.env.AWS_CA_BUNDLE } : {}),
      },
      inputs: { 's3-bucket': 'ckf-backups', 's3-endpoint': s3.endpoint, keep: 3 },
      secrets: { S3_ACCESS_KEY_ID: s3.accessKey, S3_SECRET_ACCESS_KEY: s3.secretKey, KUBECONFIG: kube.kubeconfig },
    }),
    stop,
  };
}
