import { ActionError, type Logger } from '@ml-backup-actions/core';
import {
  describeExit,
  diagnose,
  formatProgress,
  PROBLEM_HINTS,
  remotePath,
  type Rclone,
  type RcloneEvent,
  type S3Remote,
} from '@ml-backup-actions/rclone';
import type { SyncMinioConfig } from './config.js';
import type { SyncReport } from './report.js';

/**
 * The runbook's `rclone --size-only sync --bwlimit $LIMIT minio-ckf:mlpipeline remote-s3:$BUCKET/mlpipeline`,
 * except that nothing in the target is destroyed: whatever the run would delete or overwrite is
 * moved under archive-prefix first (--backup-dir). With dry-run, rclone only reports the plan.
 */
export async function mirror(
  config: SyncMinioConfig,
  rclone: Rclone,
  sides: { source: S3Remote; target: S3Remote },
  report: SyncReport,
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
  const archived = new Set<string>();
  const copied = new Set<string>();
  const plan = { copy: 0, copyBytes: 0, replace: 0, remove: 0, archiveBytes: 0, examples: [] as string[] };
  const onEvent = (event: RcloneEvent) => {
    switch (event.type) {
      case 'stats':
        report.lastStats = event.stats;
        log.info(`progress: ${formatProgress(event.stats)}`);
        break;
      case 'copied':
        if (event.how === 'server-side') archived.add(event.object);
        else copied.add(event.object);
        break;
      case 'skipped':
        if (event.action === 'copy') (plan.copy++, (plan.copyBytes += event.size));
        else if (event.action === 'move') (plan.replace++, (plan.archiveBytes += event.size));
        else (plan.remove++, (plan.archiveBytes += event.size));
        if (plan.examples.length < 20) plan.examples.push(`${event.action}: ${event.object}`);
        break;
      case 'error':
        log.warning(`rclone: ${event.object ? `${event.object}: ` : ''}${event.message}`);
        break;
      default:
        break;
    }
  };

  const args = [
    remotePath(sides.source, config.minio.bucket),
    remotePath(sides.target, config.s3.bucket, config.s3.prefix),
    '--backup-dir',
    remotePath(sides.target, config.s3.bucket, config.archivePrefix),
    '--transfers',
    String(config.transfers),
    '--fast-list',
    ...(config.sizeOnly ? ['--size-only'] : []),
    ...(config.bandwidthLimit ? ['--bwlimit', config.bandwidthLimit] : []),
    ...(config.dryRun ? ['--dry-run'] : []),
  ];
  const run = await rclone.run(config.mode, args, { signal, statsSeconds: config.progressIntervalSeconds, onEvent });
  report.objectsArchived = archived.size;
  report.objectsTransferred = copied.size;
  if (config.dryRun) report.plan = plan;
  if (run.stats) {
    report.lastStats = run.stats;
    log.info(`done: ${formatProgress(run.stats)}`);
  }
  if (run.aborted) throw signal.reason;
  if (run.code !== 0) {
    const detail = run.errors.join('\n');
    const problem = diagnose(detail);
    const side = sideOf(detail, sides, config);
    throw new ActionError(
      `rclone ${config.mode} failed (${describeExit(run.code)})${side ? ` on the ${side}` : ''}: ${PROBLEM_HINTS[problem]}. ` +
        `${report.objectsTransferred} objects were copied and ${report.objectsArchived} archived before it stopped. Last message: ${run.errors.at(-1) ?? 'none'}`,
    );
  }
  // rclone's byte count includes retried parts and the server-side moves into the archive, so the
  // figures come from what is now stored (one listing; --no-modtime spares a HEAD per object).
  report.bytesArchived = await storedBytes(rclone, sides.target, config.s3.bucket, config.archivePrefix, archived, signal);
  report.bytesTransferred = await storedBytes(rclone, sides.target, config.s3.bucket, config.s3.prefix, copied, signal);
}

/** The total size of the named objects under bucket/prefix, each of which must be there. */
async function storedBytes(rclone: Rclone, target: S3Remote, bucket: string, prefix: string, names: Set<string>, signal: AbortSignal): Promise<number> {
  if (!names.size) return 0;
  const run = await rclone.run('lsjson', [remotePath(target, bucket, prefix), '-R', '--files-only', '--fast-list', '--no-modtime', '--no-mimetype'], { signal, captureStdout: true });
  if (run.aborted) throw signal.reason;
  if (run.code !== 0) throw new ActionError(`could not list s3://${bucket}/${prefix}: ${run.errors.at(-1) ?? describeExit(run.code)}`);
  const entries = JSON.parse(run.stdout.join('\n') || '[]') as { Path: string; Size: number }[];
  const found = entries.filter((e) => names.has(e.Path));
  if (found.length !== names.size) {
    throw new ActionError(`${names.size - found.length} of ${names.size} objects rclone reported as written are missing under s3://${bucket}/${prefix}`);
  }
  return found.reduce((sum, e) => sum + e.Size, 0);
}

/** Which side an error message points at, from the endpoint or bucket it names. */
function sideOf(detail: string, sides: { source: S3Remote; target: S3Remote }, config: SyncMinioConfig): string | undefined {
  const host = (endpoint?: string) => (endpoint ? new URL(endpoint).host : undefined);
  const sourceHost = host(sides.source.endpoint);
  const targetHost = host(sides.target.endpoint);
  if (sourceHost && detail.includes(sourceHost)) return sides.source.label;
  if (targetHost && detail.includes(targetHost)) return sides.target.label;
  if (detail.includes(`bucket ${config.s3.bucket} `) || detail.includes(`/${config.s3.bucket}/`)) return sides.target.label;
  if (detail.includes(`bucket ${config.minio.bucket} `)) return sides.source.label;
  return undefined;
}
