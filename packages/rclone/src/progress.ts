import { formatBytes, formatDuration } from '@ml-backup-actions/core';
import type { RcloneStats } from './events.js';

/** One progress line: bytes, objects, speed and ETA. */
export function formatProgress(s: RcloneStats): string {
  const pct = s.totalBytes > 0 ? ` (${Math.floor((100 * s.bytes) / s.totalBytes)}%)` : '';
  const eta = s.eta === null ? 'ETA -' : `ETA ${formatDuration(s.eta)}`;
  return (
    `${formatBytes(s.bytes)} of ${formatBytes(s.totalBytes)}${pct}, ` +
    `${s.transfers} of ${s.totalTransfers} objects, ${s.checks} checked, ` +
    `${formatBytes(s.speed)}/s, ${eta}, ${formatDuration(s.elapsedTime)} elapsed`
  );
}
