import { ActionError } from '@ml-backup-actions/core';
import { remotePath, type RcloneRun, type RcloneStats, type RunCallOptions, type S3Remote } from '@ml-backup-actions/rclone';
import type { Sync } from './listing.js';

// Per request: a side that is gone fails a request in seconds, not rclone's default minutes.
const REQUEST_FLAGS = ['--contimeout', '15s', '--timeout', '60s', '--low-level-retries', '3'];

/**
 * rclone sync, copy or check between the sides, stopped when it moves nothing for
 * stall-timeout-seconds, and then failed naming the side that does not answer. `sofar` says what
 * was done before it stopped.
 */
export async function runWatched(sync: Sync, command: string, args: string[], options: RunCallOptions, sofar: () => string): Promise<RcloneRun> {
  const { config, rclone, signal, log } = sync;
  const watch = new StallWatch(signal, config.stallTimeoutSeconds);
  const onEvent: RunCallOptions['onEvent'] = (e) => {
    if (e.type === 'stats') watch.seen(e.stats);
    options.onEvent?.(e);
  };
  const run = await rclone
    .run(command, [...args, ...REQUEST_FLAGS], { ...options, signal: watch.signal, statsSeconds: watch.statsSeconds(config.progressIntervalSeconds), onEvent })
    .finally(() => watch.done());
  if (!run.aborted || !watch.stalled || signal.aborted) return run;
  log.info(`rclone ${command} moved nothing for ${config.stallTimeoutSeconds} s and was stopped; asking each side for a listing`);
  const silent = await silentSides(sync);
  const who = silent.length
    ? `${silent.map((s) => `the ${s.remote.label}`).join(' and ')} does not answer (a listing of bucket '${silent.map((s) => s.bucket).join("', '")}' got no answer in ${PROBE_SECONDS} s)`
    : "both sides answer a listing now, so requests of the sync hung or kept failing on one of them (see rclone's messages above)";
  throw new ActionError(`rclone ${command} moved nothing for ${config.stallTimeoutSeconds} s (stall-timeout-seconds) and was stopped: ${who}. ${sofar()}`);
}

/** Progress lines at most once per progress interval, whatever rclone's stats interval. */
export function everyInterval(seconds: number, print: (stats: RcloneStats) => void): (stats: RcloneStats) => void {
  let at = 0;
  return (stats) => {
    if (Date.now() - at < seconds * 1000 - 500) return;
    at = Date.now();
    print(stats);
  };
}

/**
 * Stops rclone when it moves nothing for stall-timeout-seconds. rclone's own retries and
 * timeouts are per request, so a side that stops answering mid-sync would otherwise hold the job
 * for as many requests as there are objects, up to timeout-minutes.
 */
class StallWatch {
  private readonly stop = new AbortController();
  private mark = '';
  private movedAt = Date.now();
  private readonly timer: NodeJS.Timeout;
  readonly signal: AbortSignal;

  constructor(
    parent: AbortSignal,
    readonly seconds: number,
  ) {
    this.signal = AbortSignal.any([parent, this.stop.signal]);
    this.timer = setInterval(() => {
      if (Date.now() - this.movedAt >= seconds * 1000) this.stop.abort(new Error(`no progress for ${seconds} s`));
    }, 1000);
    this.timer.unref();
  }

  /** rclone's stats: a byte, a check or an object more is progress; errors are not. */
  seen(s: RcloneStats): void {
    const mark = [s.bytes, s.checks, s.transfers, s.deletes, s.renames].join('/');
    if (mark !== this.mark) [this.mark, this.movedAt] = [mark, Date.now()];
  }

  get stalled(): boolean {
    return this.stop.signal.aborted;
  }

  /** rclone prints stats this often, so that a stall is seen in time whatever the progress interval. */
  statsSeconds(progressIntervalSeconds: number): number {
    return Math.max(1, Math.min(progressIntervalSeconds, Math.floor(this.seconds / 4)));
  }

  done(): void {
    clearInterval(this.timer);
  }
}

const PROBE_SECONDS = 20;

/** The sides that do not answer a one-page listing of their bucket within 20 s. */
async function silentSides(sync: Sync): Promise<{ remote: S3Remote; bucket: string }[]> {
  const { config, sides, rclone, signal } = sync;
  const probes = [
    { remote: sides.source, bucket: config.minio.bucket },
    { remote: sides.target, bucket: config.s3.bucket },
  ];
  const answers = await Promise.all(
    probes.map(async ({ remote, bucket }) => {
      const run = await rclone.run(
        'lsjson',
        [
          remotePath(remote, bucket),
          '--max-depth',
          '1',
          '--no-modtime',
          '--no-mimetype',
          '--contimeout',
          '10s',
          '--timeout',
          '10s',
          '--low-level-retries',
          '1',
        ],
        { signal: AbortSignal.any([signal, AbortSignal.timeout(PROBE_SECONDS * 1000)]), captureStdout: false },
      );
      return !run.aborted && run.code === 0;
    }),
  );
  if (signal.aborted) throw signal.reason;
  return probes.filter((_, i) => !answers[i]);
}
