// rclone's exit codes (lib/exitcode). rclone 1.60 still uses 1 for a usage error and 2 for others.
const MEANINGS: Record<number, string> = {
  1: 'usage or uncategorised error',
  2: 'uncategorised error',
  3: 'directory or bucket not found',
  4: 'file not found',
  5: 'temporary error (retrying may help)',
  6: 'less serious, non-retryable error',
  7: 'fatal error',
  8: 'transfer limit exceeded',
  9: 'no files transferred',
  10: 'duration limit exceeded',
};

export function describeExit(code: number | null): string {
  if (code === null) return 'killed by a signal';
  return `exit code ${code}${MEANINGS[code] ? `: ${MEANINGS[code]}` : ''}`;
}
