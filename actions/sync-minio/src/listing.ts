import { ActionError, formatBytes, type Logger } from '@ml-backup-actions/core';
import { describeExit, diagnose, listObjects, PROBLEM_HINTS, remotePath, type Listing, type Rclone, type S3Remote } from '@ml-backup-actions/rclone';
import type { SyncMinioConfig } from './config.js';

// The listings that the pre-flight, the mirror and the verification read.

/** The two rclone remotes, the runbook's minio-ckf (source) and remote-s3 (target). */
export interface Sides {
  source: S3Remote;
  target: S3Remote;
}

/** What every step of a sync works with. */
export interface Sync {
  config: SyncMinioConfig;
  rclone: Rclone;
  sides: Sides;
  log: Logger;
  signal: AbortSignal;
}

const LIST_FLAGS = ['--low-level-retries', '2', '--contimeout', '15s', '--timeout', '60s'];

/** Every object under bucket/prefix with its size; an unreachable side or refused credentials fail here, named. */
export async function listSide(sync: Sync, remote: S3Remote, where: { bucket: string; prefix: string }, extraArgs: readonly string[] = []): Promise<Listing> {
  const { rclone, signal } = sync;
  const run = await listObjects(rclone, remotePath(remote, where.bucket, where.prefix), { signal, extraArgs: [...LIST_FLAGS, ...extraArgs] });
  if (run.aborted) throw signal.reason;
  if (run.code !== 0) {
    const detail = run.errors.join('\n');
    // rclone reports a missing bucket as "directory not found" (exit 3); a prefix without objects lists as empty.
    const problem = run.code === 3 ? 'bucket-missing' : diagnose(detail);
    throw new ActionError(
      `${remote.label} failed: ${PROBLEM_HINTS[problem]} (bucket '${where.bucket}'; rclone ${describeExit(run.code)}): ${lastLine(detail)}`,
    );
  }
  return run.objects;
}

/** The source bucket, listed in full. */
export const listSource = (sync: Sync, extraArgs: readonly string[] = []): Promise<Listing> =>
  listSide(sync, sync.sides.source, { bucket: sync.config.minio.bucket, prefix: '' }, extraArgs);

/** The mirror in the target bucket, listed in full. */
export const listTarget = (sync: Sync): Promise<Listing> => listSide(sync, sync.sides.target, { bucket: sync.config.s3.bucket, prefix: sync.config.s3.prefix });

/** The total size of the named objects under the prefix, each of which must be there. */
export async function storedBytes(sync: Sync, prefix: string, names: Set<string>): Promise<number> {
  const listing = await listSide(sync, sync.sides.target, { bucket: sync.config.s3.bucket, prefix });
  return sumStored(listing, names, `s3://${sync.config.s3.bucket}/${prefix}`);
}

export function sumStored(listing: Listing, names: Set<string>, where: string): number {
  const absent = [...names].filter((name) => !listing.has(name));
  if (absent.length) {
    throw new ActionError(`${absent.length} of ${names.size} objects rclone reported as written are missing under ${where}, e.g. ${absent[0]}`);
  }
  return totalBytes(listing, names);
}

export function totalBytes(listing: Listing, names?: Iterable<string>): number {
  let sum = 0;
  if (names) for (const name of names) sum += listing.get(name) ?? 0;
  else for (const size of listing.values()) sum += size;
  return sum;
}

export function describeListing(listing: Listing): string {
  return listing.size ? `${listing.size} objects (${formatBytes(totalBytes(listing))})` : 'no objects';
}

function lastLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim());
  return lines.at(-1)?.trim() ?? 'no message';
}
