import { existsSync, writeFileSync } from 'node:fs';
import { ActionError, type Logger } from '@ml-backup-actions/core';
import { diagnose, PROBLEM_HINTS } from './diagnose.js';
import { describeExit } from './exit.js';
import { listObjects } from './listing.js';
import { formatProgress } from './progress.js';
import type { Rclone, RcloneRun } from './rclone.js';
import { remotePath, type S3Remote } from './remote.js';

// rclone's defaults (3 retries of 10 low-level retries with backoff) spend minutes on a target that is gone.
const TRANSFER_FLAGS = ['--retries', '3', '--low-level-retries', '5', '--contimeout', '15s'];

/** Throws the run's failure in words that say what to check; returns when rclone exited 0. */
export function checkRun(run: RcloneRun, what: string, signal?: AbortSignal): void {
  if (run.aborted) throw signal?.reason ?? new ActionError(`${what} was stopped`);
  if (run.code === 0) return;
  const problem = run.code === 3 ? 'bucket-missing' : diagnose(run.errors.join('\n'));
  throw new ActionError(`${what} failed: ${PROBLEM_HINTS[problem]} (rclone ${describeExit(run.code)}): ${run.errors.at(-1) ?? ''}`);
}

/** An object's place: a remote's bucket and the key in it. */
export interface ObjectAt {
  remote: S3Remote;
  bucket: string;
  key: string;
}

/** rclone copyto a local file to bucket/key, then checks that the stored object has the file's size. */
export async function uploadFile(
  rclone: Rclone,
  { remote, bucket, key }: ObjectAt,
  local: { path: string; bytes: number },
  options: { bandwidthLimit?: string; statsSeconds?: number; log: Logger; signal: AbortSignal },
): Promise<string> {
  const destination = remotePath(remote, bucket, key);
  const args = [local.path, destination, ...TRANSFER_FLAGS, ...(options.bandwidthLimit ? ['--bwlimit', options.bandwidthLimit] : [])];
  const run = await rclone.run('copyto', args, {
    signal: options.signal,
    statsSeconds: options.statsSeconds,
    onEvent: (e) => e.type === 'stats' && options.log.info(`uploading: ${formatProgress(e.stats)}`),
  });
  checkRun(run, `uploading to s3://${bucket}/${key}`, options.signal);
  const stored = await listObjects(rclone, destination, { signal: options.signal });
  const size = stored.objects.values().next().value;
  if (stored.code !== 0 || size !== local.bytes) {
    throw new ActionError(`s3://${bucket}/${key} holds ${size ?? 'nothing'} bytes after the upload, not ${local.bytes}`);
  }
  return `s3://${bucket}/${key}`;
}

/** rclone copyto bucket/key to a local file. */
export async function downloadFile(rclone: Rclone, { remote, bucket, key }: ObjectAt, file: string, signal?: AbortSignal): Promise<void> {
  const run = await rclone.run('copyto', [remotePath(remote, bucket, key), file, ...TRANSFER_FLAGS], { signal });
  checkRun(run, `downloading s3://${bucket}/${key}`, signal);
  // rclone copyto exits 0 having copied nothing when the object's HEAD says it is not there.
  if (!existsSync(file)) {
    throw new ActionError(`downloading s3://${bucket}/${key} copied nothing: the object is not there, or reading it (HEAD) was refused`);
  }
}

/** Deletes exactly these keys of the bucket, in one rclone call (--files-from); keys must not be empty. */
export async function deleteKeys(
  rclone: Rclone,
  { remote, bucket }: Omit<ObjectAt, 'key'>,
  keys: readonly string[],
  listFile: string,
  signal?: AbortSignal,
): Promise<void> {
  if (!keys.length) return;
  writeFileSync(listFile, `${keys.join('\n')}\n`);
  // --no-traverse: each key is looked up directly; rclone 1.60 traversing the bucket with
  // --files-from silently skipped keys under some prefixes (seen with "mlpipeline.archive/<id>/...").
  const run = await rclone.run('delete', [remotePath(remote, bucket), '--files-from-raw', listFile, '--no-traverse', ...TRANSFER_FLAGS], { signal });
  checkRun(run, `deleting ${keys.length} objects from s3://${bucket}`, signal);
}
