import { formatBytes, formatDuration } from '@ml-backup-actions/core';
import type { RcloneStats } from './events.js';

/** One progress line: bytes, objects, speed and ETA. */
export function formatProgress(s: RcloneStats, counts?: { copied: number; archived: number }): string {
  const pct = s.totalBytes > 0 ? ` (${Math.floor((100 * s.bytes) / s.totalBytes)}%)` : '';
  const eta = s.eta === null ? 'ETA -' : `ETA ${formatDuration(s.eta)}`;
  // rclone counts a --backup-dir move (server-side, no bytes) as a transfer: say which is which.
  const objects = counts
    ? `${counts.copied} copied and ${counts.archived} archived of ${s.totalTransfers} objects`
    : `${s.transfers} of ${s.totalTransfers} objects`;
  return (
    `${formatBytes(s.bytes)} of ${formatBytes(s.totalBytes)}${pct}, ` +
    `${objects}, ${s.checks} checked, ` +
    `${formatBytes(s.speed)}/s, ${eta}, ${formatDuration(s.elapsedTime)} elapsed`
  );
}
