import { ActionError, type Logger } from '@ml-backup-actions/core';
import {
  describeExit,
  diagnose,
  formatProgress,
  listObjects,
  PROBLEM_HINTS,
  remotePath,
  type Rclone,
  type S3Remote,
  type S3Target,
} from '@ml-backup-actions/rclone';

const PROBE_FLAGS = ['--low-level-retries', '2', '--contimeout', '15s', '--timeout', '60s'];
// rclone's defaults (3 retries of 10 low-level retries with backoff) spend minutes on a target that is gone.
const UPLOAD_FLAGS = ['--retries', '3', '--low-level-retries', '5', '--contimeout', '15s'];

/**
 * The backup target is reachable with its credentials and holds no object under the names this
 * backup would write: an existing backup is never overwritten.
 */
export async function probeTarget(rclone: Rclone, remote: S3Remote, s3: S3Target, keys: string[], signal: AbortSignal): Promise<void> {
  const run = await listObjects(rclone, remotePath(remote, s3.bucket, s3.prefix), { signal, extraArgs: PROBE_FLAGS });
  if (run.aborted) throw signal.reason;
  if (run.code !== 0) {
    const detail = run.errors.join('\n');
    const problem = run.code === 3 ? 'bucket-missing' : diagnose(detail);
    throw new ActionError(`${remote.label} failed: ${PROBLEM_HINTS[problem]} (bucket '${s3.bucket}'; rclone ${describeExit(run.code)}): ${run.errors.at(-1) ?? ''}`);
  }
  const taken = keys.filter((key) => run.objects.has(key.slice(s3.prefix.length + 1)));
  if (taken.length) {
    throw new ActionError(`s3://${s3.bucket}/${taken[0]} already exists; a backup is never overwritten: choose another backup-id`);
  }
}

/** rclone copyto a local file to bucket/key, then checks that the stored object has the file's size. */
export async function uploadFile(
  rclone: Rclone,
  remote: S3Remote,
  bucket: string,
  key: string,
  local: { path: string; bytes: number },
  options: { bandwidthLimit: string; statsSeconds: number; log: Logger; signal: AbortSignal },
): Promise<string> {
  const destination = remotePath(remote, bucket, key);
  const args = [local.path, destination, ...UPLOAD_FLAGS, ...(options.bandwidthLimit ? ['--bwlimit', options.bandwidthLimit] : [])];
  const run = await rclone.run('copyto', args, {
    signal: options.signal,
    statsSeconds: options.statsSeconds,
    onEvent: (e) => e.type === 'stats' && options.log.info(`uploading: ${formatProgress(e.stats)}`),
  });
  if (run.aborted) throw options.signal.reason;
  if (run.code !== 0) {
    const problem = diagnose(run.errors.join('\n'));
    throw new ActionError(`uploading to s3://${bucket}/${key} failed: ${PROBLEM_HINTS[problem]} (rclone ${describeExit(run.code)}): ${run.errors.at(-1) ?? ''}`);
  }
  const stored = await listObjects(rclone, destination, { signal: options.signal });
  const size = stored.objects.values().next().value;
  if (stored.code !== 0 || size !== local.bytes) {
    throw new ActionError(`s3://${bucket}/${key} holds ${size ?? 'nothing'} bytes after the upload, not ${local.bytes}`);
  }
  return `s3://${bucket}/${key}`;
}
