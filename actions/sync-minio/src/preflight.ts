import { ActionError, utcStamp } from '@ml-backup-actions/core';
import type { Listing } from '@ml-backup-actions/rclone';
import { describeListing, listSide, listSource, listTarget, type Sync } from './listing.js';

export interface Survey {
  /**
   * Absent when the target held nothing: there is then nothing to compare, archive or protect, so
   * the full source listing was stopped and the sync, which lists the source itself, started at once.
   */
  source?: Listing;
  target: Listing;
  /** Where this run moves what it replaces or deletes: a prefix that holds nothing yet. */
  archivePrefix: string;
}

/**
 * Both sides listed with their credentials, and the guard against a wiped source.
 * The listings are what the sync would compare, so the next steps plan and verify from them.
 */
export async function preflight(sync: Sync, debug: boolean, startedAt: Date): Promise<Survey> {
  const { config, rclone, sides, log, signal } = sync;
  // rclone version costs another Go process start on every run; it is logged only when debugging.
  const [version, { source, target }] = await Promise.all([debug ? rclone.version(signal) : undefined, listBoth(sync)]);
  if (version) log.info(`rclone ${version}`);
  if (rclone.caBundle) log.info('AWS_CA_BUNDLE is set: passed to rclone as --ca-cert');
  log.info(`${sides.target.label}: s3://${config.s3.bucket}/${config.s3.prefix} holds ${describeListing(target)}`);
  if (!source) {
    log.info(`${sides.source.label}: bucket '${config.minio.bucket}' answers; not listed in full first, since everything in it is to be copied`);
    return { target, archivePrefix: config.archivePrefix };
  }
  const archivePrefix = await unusedArchive(sync, startedAt);
  log.info(`${sides.source.label}: bucket '${config.minio.bucket}' holds ${describeListing(source)}`);
  if (!source.size && target.size) {
    if (!config.allowEmptySource) {
      throw new ActionError(
        `the source bucket '${config.minio.bucket}' is empty but s3://${config.s3.bucket}/${config.s3.prefix} holds objects. ` +
          'That is what a wiped MinIO looks like, so nothing was changed. If the bucket really is meant to be empty, ' +
          `set allow-empty-source: true (the target's objects would then be moved under ${archivePrefix}).`,
      );
    }
    log.warning(`the source is empty and allow-empty-source is true: the target's objects will be moved under ${archivePrefix}`);
  }
  return { source, target, archivePrefix };
}

/**
 * rclone's --backup-dir overwrites what is already there, so an archive goes only where nothing
 * is: archive-prefix itself, or, when an earlier run archived there, <archive-prefix>/<this run's
 * UTC stamp>. Anything else is refused before a byte moves.
 */
async function unusedArchive(sync: Sync, startedAt: Date): Promise<string> {
  const { config, sides, log } = sync;
  const held = (prefix: string) => listSide(sync, sides.target, { bucket: config.s3.bucket, prefix });
  const given = await held(config.archivePrefix);
  if (!given.size) return config.archivePrefix;
  const stamped = `${config.archivePrefix}/${utcStamp(startedAt)}`;
  if ((await held(stamped)).size) {
    throw new ActionError(
      `s3://${config.s3.bucket}/${config.archivePrefix} and ${stamped} already hold archived objects, and an archive never overwrites: ` +
        'give archive-prefix a prefix of its own for this run, or leave it empty for <s3-prefix>.archive/<UTC timestamp>. Nothing was changed.',
    );
  }
  log.warning(
    `archive-prefix ${config.archivePrefix} already holds ${given.size} objects archived by an earlier run; an archive never overwrites, ` +
      `so this run archives under ${stamped}`,
  );
  return stamped;
}

/**
 * Both sides listed at once. An empty target (a first sync) makes the source's full listing
 * pointless, as long as only a plan or a guard would read it: it is stopped, and a one-level
 * listing still proves the source reachable with its credentials, so its errors stay the pre-flight's.
 */
async function listBoth(sync: Sync): Promise<{ source?: Listing; target: Listing }> {
  const { config, signal } = sync;
  const skipped = new Error('the source listing was not needed');
  const skipSource = new AbortController();
  const stopBoth = new AbortController(); // one side failed: the other's listing is not needed either
  // Whoever stopped a listing, a cancel or timeout of the run is what the run reports.
  const failed = (error: unknown): never => {
    if (signal.aborted) throw signal.reason;
    stopBoth.abort(error);
    throw error;
  };
  const listingWith = (...stops: AbortSignal[]): Sync => ({ ...sync, signal: AbortSignal.any([signal, stopBoth.signal, ...stops]) });
  const [source, target] = await Promise.all([
    listSource(listingWith(skipSource.signal)).catch((error: unknown) => (error === skipped && !signal.aborted ? undefined : failed(error))),
    listTarget(listingWith()).then((listing) => {
      if (!listing.size && !config.dryRun) skipSource.abort(skipped);
      return listing;
    }, failed),
  ]);
  if (!source) await listSource(sync, ['--max-depth', '1']);
  return { source, target };
}
