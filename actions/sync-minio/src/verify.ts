import { compareListings, describeExit, formatProgress, remotePath, type RcloneEvent } from '@ml-backup-actions/rclone';
import { everyInterval, runWatched } from './stall.js';
import { listSource, listTarget, totalBytes, type Sync } from './listing.js';
import type { Survey } from './preflight.js';
import type { Transfer } from './report.js';

const ADVICE = 'If pipelines wrote to MinIO during the run, stop them and run again.';

export interface Verified {
  objectsChecked: number;
  differences: number;
  verified: boolean;
  /** Why the target does not match, naming the first objects; the run fails with it. */
  problem?: string;
  /** The size-only check lists the target anyway: the bytes now stored of the objects copied. */
  bytesTransferred?: number;
}

/**
 * Checks the target against the source without changing either: every source object must be in the
 * target with the same size (and hash, unless size-only). upToDate: the mirror found nothing to do.
 * A difference is reported, not thrown: the run fails on it once the counts are recorded.
 */
export async function verify(sync: Sync, survey: Survey, done: { transfer: Transfer; upToDate: boolean }): Promise<Verified> {
  const { config, sides, log, signal } = sync;
  if (config.sizeOnly) return verifySizes(sync, survey, done);
  const args = [
    remotePath(sides.source, config.minio.bucket),
    remotePath(sides.target, config.s3.bucket, config.s3.prefix),
    '--one-way',
    '--fast-list',
    '--combined',
    '-',
  ];
  const progress = everyInterval(config.progressIntervalSeconds, (stats) => log.info(`checking: ${formatProgress(stats)}`));
  const onEvent = (e: RcloneEvent) => e.type === 'stats' && progress(e.stats);
  const run = await runWatched(
    sync,
    'check',
    args,
    { captureStdout: true, onEvent },
    () => 'Nothing was changed by the check; the copy before it had finished.',
  );
  if (run.aborted) throw signal.reason;
  const differing = run.stdout.filter((l) => /^[+*!] /.test(l));
  const objectsChecked = run.stdout.filter((l) => l.startsWith('= ')).length;
  if (run.code !== 0 || differing.length) {
    const shown = differing
      .slice(0, 10)
      .map((l) => `  ${l}`)
      .join('\n');
    const problem =
      `verification failed (rclone check, ${describeExit(run.code)}): ${differing.length} of ${objectsChecked + differing.length} ` +
      `source objects are missing or different in the target ('+' missing, '*' different, '!' unreadable)` +
      `${shown ? `:\n${shown}` : `: ${run.errors.at(-1) ?? ''}`}\n${ADVICE}`;
    return { objectsChecked, differences: differing.length, verified: false, problem };
  }
  log.info(`verified: all ${objectsChecked} source objects are in the target with the same size and hash`);
  return { objectsChecked, differences: 0, verified: true };
}

/**
 * `rclone check --one-way --size-only`, done on listings: both sides listed again after the copy
 * (the target's listing also gives the bytes stored), or, when nothing needed copying, the
 * pre-flight listings themselves, which are what that comparison would have read.
 */
async function verifySizes(sync: Sync, survey: Survey, done: { transfer: Transfer; upToDate: boolean }): Promise<Verified> {
  const [source, target] = done.upToDate && survey.source ? [survey.source, survey.target] : await Promise.all([listSource(sync), listTarget(sync)]);
  const bytesTransferred = totalBytes(target, done.transfer.copied);
  const { same, missing, different } = compareListings(source, target);
  const differences = missing.length + different.length;
  if (differences) {
    const shown = [...missing.map((p) => `+ ${p}`), ...different.map((p) => `* ${p}`)].slice(0, 10).map((l) => `  ${l}`);
    const problem =
      `verification failed: ${differences} of ${source.size} source objects are missing or different in size in the target ` +
      `('+' missing, '*' different):\n${shown.join('\n')}\n${ADVICE}`;
    return { objectsChecked: same, differences, verified: false, problem, bytesTransferred };
  }
  sync.log.info(
    `verified: all ${same} source objects are in the target with the same size` +
      (done.upToDate ? ' (compared on the pre-flight listings; nothing needed copying)' : ''),
  );
  return { objectsChecked: same, differences: 0, verified: true, bytesTransferred };
}
