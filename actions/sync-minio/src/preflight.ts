import { ActionError, formatBytes, type Logger } from '@ml-backup-actions/core';
import { describeExit, diagnose, listObjects, PROBLEM_HINTS, remotePath, type Listing, type Rclone, type S3Remote } from '@ml-backup-actions/rclone';
import type { SyncMinioConfig } from './config.js';

export interface Survey {
  /**
   * Absent when the target held nothing: there is then nothing to compare, archive or protect, so
   * the full source listing was stopped and the sync, which lists the source itself, started at once.
   */
  source?: Listing;
  target: Listing;
}

const LIST_FLAGS = ['--low-level-retries', '2', '--contimeout', '15s', '--timeout', '60s'];

/** Every object under bucket/prefix with its size; an unreachable side or refused credentials fail here, named. */
export async function listSide(
  rclone: Rclone,
  remote: S3Remote,
  bucket: string,
  prefix: string,
  signal: AbortSignal,
  extraArgs: readonly string[] = [],
): Promise<Listing> {
  const run = await listObjects(rclone, remotePath(remote, bucket, prefix), { signal, extraArgs: [...LIST_FLAGS, ...extraArgs] });
  if (run.aborted) throw signal.reason;
  if (run.code !== 0) {
    const detail = run.errors.join('\n');
    // rclone reports a missing bucket as "directory not found" (exit 3); a prefix without objects lists as empty.
    const problem = run.code === 3 ? 'bucket-missing' : diagnose(detail);
    throw new ActionError(
      `${remote.label} failed: ${PROBLEM_HINTS[problem]} (bucket '${bucket}'; rclone ${describeExit(run.code)}): ${lastLine(detail)}`,
    );
  }
  return run.objects;
}

/**
 * Both sides listed with their credentials, and the guard against a wiped source.
 * The listings are what the sync would compare, so the next steps plan and verify from them.
 */
export async function preflight(
  config: SyncMinioConfig,
  rclone: Rclone,
  sides: { source: S3Remote; target: S3Remote },
  log: Logger,
  signal: AbortSignal,
): Promise<Survey> {
  // rclone version costs another Go process start on every run; it is logged only when debugging.
  const [version, { source, target }] = await Promise.all([
    process.env.RUNNER_DEBUG === '1' ? rclone.version(signal) : undefined,
    listBoth(config, rclone, sides, signal),
  ]);
  if (version) log.info(`rclone ${version}`);
  if (rclone.caBundle) log.info('AWS_CA_BUNDLE is set: passed to rclone as --ca-cert');
  log.info(`${sides.target.label}: s3://${config.s3.bucket}/${config.s3.prefix} holds ${describe(target)}`);
  if (!source) {
    log.info(`${sides.source.label}: bucket '${config.minio.bucket}' answers; not listed in full first, since everything in it is to be copied`);
    return { target };
  }
  log.info(`${sides.source.label}: bucket '${config.minio.bucket}' holds ${describe(source)}`);
  if (!source.size && target.size) {
    if (!config.allowEmptySource) {
      throw new ActionError(
        `the source bucket '${config.minio.bucket}' is empty but s3://${config.s3.bucket}/${config.s3.prefix} holds objects. ` +
          'That is what a wiped MinIO looks like, so nothing was changed. If the bucket really is meant to be empty, ' +
          `set allow-empty-source: true (the target's objects would then be moved under ${config.archivePrefix}).`,
      );
    }
    log.warning(`the source is empty and allow-empty-source is true: the target's objects will be moved under ${config.archivePrefix}`);
  }
  return { source, target };
}

/**
 * Both sides listed at once. An empty target (a first sync) makes the source's full listing
 * pointless, as long as only a plan or a guard would read it: it is stopped, and a one-level
 * listing still proves the source reachable with its credentials, so its errors stay the pre-flight's.
 */
async function listBoth(
  config: SyncMinioConfig,
  rclone: Rclone,
  sides: { source: S3Remote; target: S3Remote },
  signal: AbortSignal,
): Promise<{ source?: Listing; target: Listing }> {
  const skipped = new Error('the source listing was not needed');
  const skipSource = new AbortController();
  const stopBoth = new AbortController(); // one side failed: the other's listing is not needed either
  // Whoever stopped a listing, a cancel or timeout of the run is what the run reports.
  const failed = (error: unknown): never => {
    if (signal.aborted) throw signal.reason;
    stopBoth.abort(error);
    throw error;
  };
  const [source, target] = await Promise.all([
    listSide(rclone, sides.source, config.minio.bucket, '', AbortSignal.any([signal, stopBoth.signal, skipSource.signal])).catch((error: unknown) =>
      error === skipped && !signal.aborted ? undefined : failed(error),
    ),
    listSide(rclone, sides.target, config.s3.bucket, config.s3.prefix, AbortSignal.any([signal, stopBoth.signal])).then((listing) => {
      if (!listing.size && !config.dryRun) skipSource.abort(skipped);
      return listing;
    }, failed),
  ]);
  if (!source) await listSide(rclone, sides.source, config.minio.bucket, '', signal, ['--max-depth', '1']);
  return { source, target };
}

export function totalBytes(listing: Listing, names?: Iterable<string>): number {
  let sum = 0;
  if (names) for (const name of names) sum += listing.get(name) ?? 0;
  else for (const size of listing.values()) sum += size;
  return sum;
}

function describe(listing: Listing): string {
  return listing.size ? `${listing.size} objects (${formatBytes(totalBytes(listing))})` : 'no objects';
}

function lastLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim());
  return lines.at(-1)?.trim() ?? 'no message';
}
