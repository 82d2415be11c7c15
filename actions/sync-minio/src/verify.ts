import { ActionError, type Logger } from '@ml-backup-actions/core';
import { describeExit, formatProgress, remotePath, type Rclone, type S3Remote } from '@ml-backup-actions/rclone';
import type { SyncMinioConfig } from './config.js';
import type { SyncReport } from './report.js';

/**
 * Checks the target against the source without changing either: every source object must be in the
 * target with the same size (and hash, unless size-only).
 */
export async function verify(
  config: SyncMinioConfig,
  rclone: Rclone,
  sides: { source: S3Remote; target: S3Remote },
  report: SyncReport,
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
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
        `${shown ? `:\n${shown}` : `: ${run.errors.at(-1) ?? ''}`}\nIf pipelines wrote to MinIO during the run, stop them and run again.`,
    );
  }
  report.verified = true;
  log.info(`verified: all ${report.objectsChecked} source objects are in the target${config.sizeOnly ? ' with the same size' : ''}`);
}
