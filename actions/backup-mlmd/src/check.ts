import { ActionError, type Logger } from '@ml-backup-actions/core';
import { checkpointWal, integrityCheck, mlmdSchemaVersion, rowCounts } from '@ml-backup-actions/sqlite';

/** Folds a -wal taken with the copy into it, so the one file stored holds every commit. */
export async function foldWal(file: string, log: Logger, signal: AbortSignal): Promise<void> {
  const wal = await checkpointWal(file, { signal, log });
  if (wal.walBytes) log.info(`folded the -wal (${wal.frames} frames) into the copy`);
}

/**
 * Checks the local copy before anything is uploaded: SQLite's own integrity check, the MLMD schema
 * version and every table's row count. Read-only, so it can run while the copy is compressed.
 */
export async function checkCopy(file: string, log: Logger, signal: AbortSignal) {
  const integrity = await integrityCheck(file, { signal, log });
  if (!integrity.ok) {
    throw new ActionError(
      `the copy taken from the pod fails PRAGMA integrity_check, so nothing was uploaded:\n  ${integrity.problems.join('\n  ')}\n` +
        'If the database in the pod is damaged, no backup made from it can be trusted; investigate before running again.',
    );
  }
  const [schemaVersion, counts] = await Promise.all([mlmdSchemaVersion(file, { signal, log }), rowCounts(file, { signal, log })]);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  log.info(`integrity_check: ok; MLMD schema version ${schemaVersion}; ${total} rows in ${Object.keys(counts).length} tables`);
  return { integrity: 'ok', schemaVersion, rowCounts: counts };
}
