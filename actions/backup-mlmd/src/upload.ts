import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { uploadFile } from '@ml-backup-actions/rclone';
import type { BackupMlmdRun } from './clients.js';
import { objectNames } from './config.js';

type Run = Pick<BackupMlmdRun, 'config' | 'clients' | 'log' | 'signal' | 'workDir'>;

const place = ({ config, clients }: Run, key: string) => ({ remote: clients.target, bucket: config.s3.bucket, key });
const options = ({ config, log, signal }: Run) => ({ bandwidthLimit: config.bandwidthLimit, statsSeconds: config.progressIntervalSeconds, log, signal });

/** The compressed copy, to its object; checked to have the file's size once stored. */
export async function uploadCopy(run: Run, packed: { path: string; bytes: number; sha256: string }): Promise<{ url: string; bytes: number; sha256: string }> {
  const url = await uploadFile(run.clients.rclone, place(run, objectNames(run.config).object), packed, options(run));
  return { url, bytes: packed.bytes, sha256: packed.sha256 };
}

/** The sidecar beside it, which says what the object is and how to restore it. */
export async function uploadSidecar(run: Run, content: object): Promise<string> {
  const key = objectNames(run.config).sidecar;
  const json = `${JSON.stringify(content, null, 2)}\n`;
  const file = path.join(run.workDir(), path.posix.basename(key));
  writeFileSync(file, json, { mode: 0o600 });
  return uploadFile(run.clients.rclone, place(run, key), { path: file, bytes: Buffer.byteLength(json) }, options(run));
}
