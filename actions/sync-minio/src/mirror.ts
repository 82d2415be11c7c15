import { ActionError } from '@ml-backup-actions/core';
import { describeExit, diagnose, formatProgress, PROBLEM_HINTS, remotePath, type RcloneEvent } from '@ml-backup-actions/rclone';
import { storedBytes, type Sides, type Sync } from './listing.js';
import { isEmptyPlan, planMirror, type Plan } from './plan.js';
import type { Survey } from './preflight.js';
import type { Transfer } from './report.js';
import { everyInterval, runWatched } from './stall.js';

export interface Mirrored {
  /** The pre-flight listings matched (size-only), so rclone was not started. */
  upToDate: boolean;
  /** dry-run: what rclone would do. */
  plan?: Plan;
  bytesArchived: number;
  /** Bytes now stored of the objects copied; 0 while a size-only verification is still to count them. */
  bytesTransferred: number;
}

/**
 * The runbook's `rclone --size-only sync --bwlimit $LIMIT minio-ckf:mlpipeline remote-s3:$BUCKET/mlpipeline`,
 * except that nothing in the target is destroyed: whatever the run would delete or overwrite is
 * moved under archive-prefix first (--backup-dir). With dry-run, rclone only reports the plan.
 * With size-only, the pre-flight listings already answer what rclone would compare; when they
 * match, rclone is not started at all. What rclone moves is counted in transfer as it goes.
 */
export async function mirror(sync: Sync, survey: Survey, transfer: Transfer): Promise<Mirrored> {
  const { config, sides, log, signal } = sync;
  const done: Mirrored = { upToDate: false, bytesArchived: 0, bytesTransferred: 0 };
  if (config.sizeOnly && survey.source) {
    const planned = planMirror({ source: survey.source, target: survey.target }, config.mode);
    if (isEmptyPlan(planned)) {
      log.info(`nothing to ${config.mode}: all ${survey.source.size} source objects are in the target with the same size`);
      return { ...done, upToDate: true, ...(config.dryRun ? { plan: planned } : {}) };
    }
  }
  const { archived, copied } = transfer;
  const plan: Plan = { copy: 0, copyBytes: 0, replace: 0, remove: 0, archiveBytes: 0, examples: [] };
  const counts = () => ({ copied: copied.size, archived: archived.size });
  const progress = everyInterval(config.progressIntervalSeconds, (stats) => log.info(`progress: ${formatProgress(stats, counts())}`));
  const onEvent = (event: RcloneEvent) => {
    switch (event.type) {
      case 'stats':
        transfer.lastStats = event.stats;
        progress(event.stats);
        break;
      case 'copied':
        if (event.how === 'server-side') archived.add(event.object);
        else copied.add(event.object);
        break;
      case 'skipped':
        if (event.action === 'copy') {
          plan.copy++;
          plan.copyBytes += event.size;
        } else {
          if (event.action === 'move') plan.replace++;
          else plan.remove++;
          plan.archiveBytes += event.size;
        }
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
    remotePath(sides.target, config.s3.bucket, survey.archivePrefix),
    '--transfers',
    String(config.transfers),
    '--fast-list',
    ...(config.sizeOnly ? ['--size-only'] : []),
    ...(config.bandwidthLimit ? ['--bwlimit', config.bandwidthLimit] : []),
    ...(config.dryRun ? ['--dry-run'] : []),
  ];
  const sofar = () => `${copied.size} objects were copied and ${archived.size} archived before it stopped; a rerun carries on from there.`;
  const run = await runWatched(sync, config.mode, args, { onEvent }, sofar);
  if (run.stats) {
    transfer.lastStats = run.stats;
    log.info(`done: ${formatProgress(run.stats, counts())}`);
  }
  if (run.aborted) throw signal.reason;
  if (run.code !== 0) {
    const detail = run.errors.join('\n');
    const problem = diagnose(detail);
    const side = sideOf(detail, sides, sync);
    throw new ActionError(
      `rclone ${config.mode} failed (${describeExit(run.code)})${side ? ` on the ${side}` : ''}: ${PROBLEM_HINTS[problem]}. ` +
        `${copied.size} objects were copied and ${archived.size} archived before it stopped. Last message: ${run.errors.at(-1) ?? 'none'}`,
    );
  }
  if (config.dryRun) return { ...done, plan };
  // rclone's byte count includes retried parts and the server-side moves into the archive, so the
  // figures come from what is now stored. A size-only verification lists the target anyway.
  if (archived.size) done.bytesArchived = await storedBytes(sync, survey.archivePrefix, archived);
  if (copied.size && !(config.verify && config.sizeOnly)) done.bytesTransferred = await storedBytes(sync, config.s3.prefix, copied);
  return done;
}

/** Which side an error message points at, from the endpoint or bucket it names. */
function sideOf(detail: string, sides: Sides, { config }: Sync): string | undefined {
  const host = (endpoint?: string) => (endpoint ? new URL(endpoint).host : undefined);
  const sourceHost = host(sides.source.endpoint);
  const targetHost = host(sides.target.endpoint);
  if (sourceHost && detail.includes(sourceHost)) return sides.source.label;
  // Reached through the port-forward, the source's host is 127.0.0.1: rclone names it by role.
  if (/failed to (open|read) source object/i.test(detail)) return sides.source.label;
  if (targetHost && detail.includes(targetHost)) return sides.target.label;
  if (detail.includes(`bucket ${config.s3.bucket} `) || detail.includes(`/${config.s3.bucket}/`)) return sides.target.label;
  if (detail.includes(`bucket ${config.minio.bucket} `)) return sides.source.label;
  return undefined;
}
