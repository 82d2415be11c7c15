import { ActionError, type Logger } from '@ml-backup-actions/core';
import { compareListings, describeExit, formatProgress, remotePath, type Rclone, type S3Remote } from '@ml-backup-actions/rclone';
import type { SyncMinioConfig } from './config.js';
import { listSide, totalBytes, type Survey } from './preflight.js';
import type { SyncReport } from './report.js';

const ADVICE = 'If pipelines wrote to MinIO during the run, stop them and run again.';

/**
 * Checks the target against the source without changing either: every source object must be in the
 * target with the same size (and hash, unless size-only).
 */
export async function verify(
  config: SyncMinioConfig,
  rclone: Rclone,
  sides: { source: S3Remote; target: S3Remote },
  survey: Survey,
  report: SyncReport,
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
  if (config.sizeOnly) return verifySizes(config, rclone, sides, survey, report, log, signal);
  const args = [
    remotePath(sides.source, config.minio.bucket),
    remotePath(sides.target, config.s3.bucket, config.s3.prefix),
    '--one-way',
    '--fast-list',
    '--combined',
    '-',
    ...(config.sizeOnly ? ['--size-only'] : []),
  ];
  const run = await rclone.run('check', args, {
    signal,
    statsSeconds: config.progressIntervalSeconds,
    captureStdout: true,
    onEvent: (e) => e.type === 'stats' && log.info(`checking: ${formatProgress(e.stats)}`),
  });
  if (run.aborted) throw signal.reason;
  const differing = run.stdout.filter((l) => /^[+*!] /.test(l));
  report.objectsChecked = run.stdout.filter((l) => l.startsWith('= ')).length;
  report.differences = differing.length;
  if (run.code !== 0 || differing.length) {
    const shown = differing.slice(0, 10).map((l) => `  ${l}`).join('\n');
    throw new ActionError(
      `verification failed (rclone check, ${describeExit(run.code)}): ${differing.length} of ${report.objectsChecked + differing.length} ` +
        `source objects are missing or different in the target ('+' missing, '*' different, '!' unreadable)` +
        `${shown ? `:\n${shown}` : `: ${run.errors.at(-1) ?? ''}`}\n${ADVICE}`,
    );
  }
  report.verified = true;
  log.info(`verified: all ${report.objectsChecked} source objects are in the target with the same size and hash`);
}

/**
 * `rclone check --one-way --size-only`, done on listings: both sides listed again after the copy
 * (the target's listing also gives the bytes stored), or, when nothing needed copying, the
 * pre-flight listings themselves, which are what that comparison would have read.
 */
async function verifySizes(
  config: SyncMinioConfig,
  rclone: Rclone,
  sides: { source: S3Remote; target: S3Remote },
  survey: Survey,
  report: SyncReport,
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
  const [source, target] = report.upToDate && survey.source
    ? [survey.source, survey.target]
    : await Promise.all([
        listSide(rclone, sides.source, config.minio.bucket, '', signal),
        listSide(rclone, sides.target, config.s3.bucket, config.s3.prefix, signal),
      ]);
  report.bytesTransferred = totalBytes(target, report.copied);
  const { same, missing, different } = compareListings(source, target);
  report.objectsChecked = same;
  report.differences = missing.length + different.length;
  if (report.differences) {
    const shown = [...missing.map((p) => `+ ${p}`), ...different.map((p) => `* ${p}`)].slice(0, 10).map((l) => `  ${l}`);
    throw new ActionError(
      `verification failed: ${report.differences} of ${source.size} source objects are missing or different in size in the target ` +
        `('+' missing, '*' different):\n${shown.join('\n')}\n${ADVICE}`,
    );
  }
  report.verified = true;
  log.info(
    `verified: all ${same} source objects are in the target with the same size` +
      (report.upToDate ? ' (compared on the pre-flight listings; nothing needed copying)' : ''),
  );
}
