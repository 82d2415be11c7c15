import { ActionError } from '@ml-backup-actions/core';
import { describeExit, diagnose, listObjects, PROBLEM_HINTS, remotePath, type Rclone, type S3Remote, type S3Target } from '@ml-backup-actions/rclone';

const PROBE_FLAGS = ['--low-level-retries', '2', '--contimeout', '15s', '--timeout', '60s'];

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
    throw new ActionError(
      `${remote.label} failed: ${PROBLEM_HINTS[problem]} (bucket '${s3.bucket}'; rclone ${describeExit(run.code)}): ${run.errors.at(-1) ?? ''}`,
    );
  }
  const stored = (key: string) => run.objects.has(key.slice(s3.prefix.length + 1));
  const taken = keys.filter(stored);
  // An object without its sidecar (or the other way) is what an upload cut off by a timeout leaves.
  const unfinished = taken.find((key) => !stored(key.endsWith('.json') ? key.slice(0, -'.json'.length) : `${key}.json`));
  if (unfinished) {
    throw new ActionError(
      `s3://${s3.bucket}/${unfinished} already exists without its ${unfinished.endsWith('.json') ? 'object' : 'sidecar'}: an earlier run's upload that did not finish, no backup; delete it (rclone deletefile) or choose another backup-id`,
    );
  }
  if (taken.length) {
    throw new ActionError(`s3://${s3.bucket}/${taken[0]} already exists; a backup is never overwritten: choose another backup-id`);
  }
}
