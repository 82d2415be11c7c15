import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '@ml-backup-actions/core';
import { deleteKeys, uploadFile } from '@ml-backup-actions/rclone';
import type { BackupMlmdRun } from './clients.js';
import { objectNames } from './config.js';

type Run = Pick<BackupMlmdRun, 'config' | 'clients' | 'log' | 'signal' | 'workDir' | 'grace'>;

const place = ({ config, clients }: Run, key: string) => ({ remote: clients.target, bucket: config.s3.bucket, key });
const options = ({ config, log, signal }: Run) => ({ bandwidthLimit: config.bandwidthLimit, statsSeconds: config.progressIntervalSeconds, log, signal });

type StoredObject = { url: string; bytes: number; sha256: string };

/**
 * The object, then its sidecar: both stored, or the object removed again, so that no reader (and
 * no rerun's "already exists") ever finds a backup's object without the sidecar that says what it is.
 */
export async function uploadBackup(run: Run, packed: { path: string; bytes: number; sha256: string }, sidecarOf: (object: StoredObject) => object) {
  try {
    const object = await uploadCopy(run, packed);
    return { object, sidecarUrl: await uploadSidecar(run, sidecarOf(object)) };
  } catch (err) {
    await removeUnfinished(run);
    throw err;
  }
}

/**
 * Within the run's grace, so a SIGTERM between the two writes still removes the object; the
 * sidecar too, in case its PUT was stored although the upload did not finish as checked.
 */
async function removeUnfinished(run: Run): Promise<void> {
  const { object: key, sidecar } = objectNames(run.config);
  const at = place(run, key);
  try {
    await deleteKeys(run.clients.rclone, at, [key, sidecar], path.join(run.workDir(), 'unfinished.txt'), run.grace.budget());
    if (run.signal.aborted) {
      // rclone was killed mid-PUT: S3 may still store a body it had received, after this delete.
      run.log.warning(
        `s3://${at.bucket}/${key} may be stored without its sidecar: its upload was cut off (timeout-minutes or a cancel), and S3 can store a cut-off upload after the delete that followed it; a rerun with this backup-id says so, and the object is to be deleted then (rclone deletefile)`,
      );
    } else {
      run.log.warning(`s3://${at.bucket}/${key} was removed: its sidecar was not stored, and an object without it is no backup`);
    }
  } catch (err) {
    run.log.error(
      `s3://${at.bucket}/${key} may be stored without its sidecar and could not be removed (${errorMessage(err)}): delete it before a rerun with this backup-id (rclone deletefile)`,
    );
  }
}

/** The compressed copy, to its object; checked to have the file's size once stored. */
async function uploadCopy(run: Run, packed: { path: string; bytes: number; sha256: string }): Promise<StoredObject> {
  const url = await uploadFile(run.clients.rclone, place(run, objectNames(run.config).object), packed, options(run));
  return { url, bytes: packed.bytes, sha256: packed.sha256 };
}

/** The sidecar beside it, which says what the object is and how to restore it. */
async function uploadSidecar(run: Run, content: object): Promise<string> {
  const key = objectNames(run.config).sidecar;
  const json = `${JSON.stringify(content, null, 2)}\n`;
  const file = path.join(run.workDir(), path.posix.basename(key));
  writeFileSync(file, json, { mode: 0o600 });
  return uploadFile(run.clients.rclone, place(run, key), { path: file, bytes: Buffer.byteLength(json) }, options(run));
}
