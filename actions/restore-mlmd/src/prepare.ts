import { createReadStream, createWriteStream, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { ActionError, hashFile, type Logger } from '@ml-backup-actions/core';
import type { BackupBucket } from '@ml-backup-actions/ckf-set';
import { integrityCheck, mlmdSchemaVersion, restoreDump, rowCounts } from '@ml-backup-actions/sqlite';
import type { Source } from './report.js';

/**
 * On the runner, before anything in the pod changes: the object downloaded, its size and sha256
 * those of the sidecar; then built into a fresh SQLite file (a dump with the runner's sqlite3, a
 * raw file decompressed) that passes integrity_check, holds the sidecar's schema version (which
 * must be the live database's: MLMD crash-loops on another) and the recorded row counts.
 */
export async function prepareRestore(
  source: Source,
  liveSchemaVersion: number,
  bucket: BackupBucket,
  work: string,
  { log, signal }: { log: Logger; signal: AbortSignal },
): Promise<{ file: string; bytes: number; sha256: string; integrity: string; rows: number; tables: number }> {
  const object = await bucket.download(source.objectKey);
  try {
    const bytes = statSync(object).size;
    if (bytes !== source.bytes) throw new ActionError(`${source.objectUrl} holds ${bytes} bytes; its sidecar says ${source.bytes}: not restored`);
    const { sha256 } = await hashFile(object);
    if (sha256 !== source.sha256) throw new ActionError(`${source.objectUrl} has sha256 ${sha256}; its sidecar says ${source.sha256}: not restored`);
    log.info(`downloaded ${source.objectUrl}: ${bytes} bytes, sha256 ${sha256} as its sidecar says`);

    const db = path.join(work, 'restored-mlmd.db');
    rmSync(db, { force: true });
    if (source.format === 'sqlite') {
      await pipeline(createReadStream(object), createGunzip(), createWriteStream(db, { flags: 'wx', mode: 0o600 }), { signal });
    } else {
      const sql = path.join(work, 'restored-mlmd.sql');
      try {
        await pipeline(createReadStream(object), createGunzip(), createWriteStream(sql, { flags: 'w', mode: 0o600 }), { signal });
        await restoreDump(sql, db, { signal, log });
      } finally {
        rmSync(sql, { force: true });
      }
    }
    const integrity = await integrityCheck(db, { signal, log });
    if (!integrity.ok) {
      throw new ActionError(
        `the database built from ${source.objectUrl} fails PRAGMA integrity_check, so nothing was changed:\n  ${integrity.problems.join('\n  ')}`,
      );
    }
    const [schemaVersion, counts] = await Promise.all([mlmdSchemaVersion(db, { signal, log }), rowCounts(db, { signal, log })]);
    if (schemaVersion !== source.schemaVersion) {
      throw new ActionError(
        `the database built from ${source.objectUrl} has MLMD schema version ${schemaVersion}; its sidecar says ${source.schemaVersion}: not restored`,
      );
    }
    if (schemaVersion !== liveSchemaVersion) {
      throw new ActionError(
        `the backup has MLMD schema version ${schemaVersion}, the live database ${liveSchemaVersion}: the MLMD server would refuse it (FailedPrecondition) and crash-loop, so nothing was changed. ` +
          'Restore a backup taken with the same MLMD version, or bring MLMD to the version the backup was taken with first.',
      );
    }
    const differ = [...new Set([...Object.keys(source.rowCounts), ...Object.keys(counts)])]
      .filter((t) => source.rowCounts[t] !== counts[t])
      .map((t) => `${t} ${counts[t] ?? 'missing'} (recorded ${source.rowCounts[t] ?? 'none'})`);
    if (differ.length)
      throw new ActionError(`the database built from ${source.objectUrl} has other row counts than recorded: ${differ.join(', ')}; not restored`);
    const built = await hashFile(db);
    const rows = Object.values(counts).reduce((a, b) => a + b, 0);
    log.info(
      `built ${db} (${source.format}): ${built.bytes} bytes, sha256 ${built.sha256}; integrity_check ok; schema version ${schemaVersion} as the live database's; ${rows} rows in ${Object.keys(counts).length} tables as recorded`,
    );
    return { file: db, bytes: built.bytes, sha256: built.sha256, integrity: 'ok', rows, tables: Object.keys(counts).length };
  } finally {
    rmSync(object, { force: true });
  }
}
