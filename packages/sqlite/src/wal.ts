import { existsSync, statSync } from 'node:fs';
import { ActionError } from '@ml-backup-actions/core';
import { describeFailure } from './errors.js';
import { runSqlite, type SqliteOptions } from './sqlite3.js';

/**
 * A database in WAL mode keeps its latest commits in `<file>-wal` until a checkpoint copies them
 * into the file. Taken from a live pod, the file alone can miss them, so the -wal must come along.
 *
 * How this package deals with it:
 * - Checks (integrityCheck, rowCounts, mlmdSchemaVersion, dumpTo) open the file read-only. SQLite
 *   then reads the -wal as well (it rebuilds the wal-index in `<file>-shm`, creating that file if
 *   missing, so the folder must be writable) and never writes the file or the -wal. The checks see
 *   everything that was committed.
 * - checkpointWal folds the -wal into the file, so the one file to upload (or put back as
 *   /data/mlmd.db) holds everything by itself. It writes the file: run it on the local copy only.
 */
export function walBytes(file: string): number {
  const wal = `${file}-wal`;
  return existsSync(wal) ? statSync(wal).size : 0;
}

export interface CheckpointResult {
  /** Size of the -wal before the checkpoint (0: there was nothing to fold in). */
  walBytes: number;
  /** WAL frames copied into the file. */
  frames: number;
}

/**
 * Copies every committed frame of `<file>-wal` into file and removes the -wal (the last connection
 * to close deletes it). The file stays in WAL mode, as MLMD left it.
 */
export async function checkpointWal(file: string, options: SqliteOptions = {}): Promise<CheckpointResult> {
  const before = walBytes(file);
  if (before === 0) return { walBytes: 0, frames: 0 };
  const result = await runSqlite(file, 'PRAGMA wal_checkpoint(FULL);', { ...options, json: true, readonly: false });
  if (result.code !== 0) throw new ActionError(describeFailure(file, result.code, result.stderr));
  const [row] = JSON.parse(result.stdout || '[]') as { busy: number; log: number; checkpointed: number }[];
  if (!row || row.busy !== 0 || row.checkpointed !== row.log) {
    throw new ActionError(`could not fold ${file}-wal into ${file} (checkpoint: ${JSON.stringify(row ?? null)}); is another program using the copy?`);
  }
  if (walBytes(file) > 0) throw new ActionError(`${file}-wal is still there after the checkpoint`);
  return { walBytes: before, frames: row.log };
}
