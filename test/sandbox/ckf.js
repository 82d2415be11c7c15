// A Charmed Kubeflow control plane for the backup actions: the Kubernetes API emulator with the
// mlmd-0 pod (its /data holding a real MLMD database), the Juju model, and the S3 backup target.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createJujuModel } from './juju/index.js';
import { startKube } from './kube/index.js';
import { createMlmdDatabase, DEFAULT_TEST_BYTES } from './mlmd.js';
import { startS3 } from './s3.js';

export const CKF_SECRETS = { s3: 'ckf-backup-Secret-7c1d9e2f4a' };

/**
 * @param {{ writerScale?: number, dbBytes?: number, journalMode?: 'delete'|'wal', keepWal?: boolean,
 *   container?: string, tools?: string[], settleMs?: number, seed?: number }} [options]
 */
export async function startCkf(options = {}) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'mlba-ckf-'));
  const container = options.container ?? 'mlmd-grpc-server';
  const [kube, s3] = await Promise.all([
    startKube({
      root,
      pods: [
        {
          name: 'mlmd-0',
          labels: { 'app.kubernetes.io/name': 'mlmd' },
          containers: [{ name: 'charm' }, { name: container, ...(options.tools ? { tools: options.tools } : {}) }],
        },
      ],
    }),
    startS3({ name: 's3', root, accessKey: 'AKIACKFBACKUP000001', secretKey: CKF_SECRETS.s3, buckets: ['ckf-backups'] }),
  ]);
  const juju = createJujuModel({
    dir: path.join(root, 'juju'),
    settleMs: options.settleMs ?? 400,
    applications: { 'kfp-metadata-writer': { scale: options.writerScale ?? 1 } },
  });
  const dbPath = kube.hostPath('mlmd-0', container, '/data/mlmd.db');
  const db = await createMlmdDatabase(dbPath, {
    targetBytes: options.dbBytes ?? DEFAULT_TEST_BYTES,
    seed: options.seed ?? 1,
    journalMode: options.journalMode ?? 'delete',
    keepWal: options.keepWal ?? false,
  });
  return {
    root,
    kube,
    juju,
    s3,
    db: { ...db, hostPath: dbPath, container },
    /** What the action's process needs beyond its inputs: the emulated juju first on PATH. */
    env: { PATH: juju.env.PATH, JUJU_SANDBOX_STATE: juju.stateFile },
    /** backup-mlmd's inputs pointing at this sandbox. */
    backupMlmdInputs(extra = {}) {
      return {
        kubeconfig: kube.kubeconfig,
        's3-bucket': 'ckf-backups',
        's3-endpoint': s3.endpoint,
        's3-access-key-id': s3.accessKey,
        's3-secret-access-key': s3.secretKey,
        'progress-interval-seconds': '1',
        ...extra,
      };
    },
    async stop() {
      await Promise.all([kube.stop(), s3.stop()]);
      juju.cleanup?.();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
