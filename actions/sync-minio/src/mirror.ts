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
import { isEmptyPlan, planMirror } from './plan.js';
import { listSide, totalBytes, type Survey } from './preflight.js';
import type { SyncReport } from './report.js';

/**
 * The runbook's `rclone --size-only sync --bwlimit $LIMIT minio-ckf:mlpipeline remote-s3:$BUCKET/mlpipeline`,
 * except that nothing in the target is destroyed: whatever the run would delete or overwrite is
 * moved under archive-prefix first (--backup-dir). With dry-run, rclone only reports the plan.
 * With size-only, the pre-flight listings already answer what rclone would compare; when they
 * match, rclone is not started at all.
 */
export async function mirror(
  config: SyncMinioConfig,
  rclone: Rclone,
  sides: { source: S3Remote; target: S3Remote },
  survey: Survey,
  report: SyncReport,
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
  if (config.sizeOnly && survey.source) {
    const planned = planMirror({ source: survey.source, target: survey.target }, config.mode);
    if (isEmptyPlan(planned)) {
      log.info(`nothing to ${config.mode}: all ${survey.source.size} source objects are in the target with the same size`);
      report.upToDate = true;
      if (config.dryRun) report.plan = planned;
      return;
    }
  }
  const { archived, copied } = report;
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
  // figures come from what is now stored. A size-only verification lists the target anyway.
  if (archived.size) {
    report.bytesArchived = await storedBytes(rclone, sides.target, config.s3.bucket, config.archivePrefix, archived, signal);
  }
  if (copied.size && !(config.verify && config.sizeOnly)) {
    report.bytesTransferred = await storedBytes(rclone, sides.target, config.s3.bucket, config.s3.prefix, copied, signal);
  }
}

/** The total size of the named objects under bucket/prefix, each of which must be there. */
export async function storedBytes(rclone: Rclone, target: S3Remote, bucket: string, prefix: string, names: Set<string>, signal: AbortSignal): Promise<number> {
  const listing = await listSide(rclone, target, bucket, prefix, signal);
  return sumStored(listing, names, `s3://${bucket}/${prefix}`);
}

export function sumStored(listing: Map<string, number>, names: Set<string>, where: string): number {
  const absent = [...names].filter((name) => !listing.has(name));
  if (absent.length) {
    throw new ActionError(`${absent.length} of ${names.size} objects rclone reported as written are missing under ${where}, e.g. ${absent[0]}`);
  }
  return totalBytes(listing, names);
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
