import { existsSync } from 'node:fs';
import path from 'node:path';
import { ActionError, runProcess, throwIfAborted } from '@ml-backup-actions/core';
import { describeFailure } from './errors.js';
import { baseArgs, requireFile, type SqliteOptions } from './sqlite3.js';

/**
 * The runbook's restore, `sqlite3 new.db < dump.sql`, into a database file that must not exist
 * yet: sqlite3 reads the SQL file itself (.read), stopping at the first error (-bail).
 */
export async function restoreDump(sqlFile: string, dbFile: string, options: SqliteOptions = {}): Promise<void> {
  requireFile(sqlFile);
  if (existsSync(dbFile)) throw new ActionError(`${dbFile} exists; a dump is only restored into a new database`);
  const stderr: string[] = [];
  // .read takes its argument as one token; quoting covers spaces, a quote in the path is refused.
  const source = path.resolve(sqlFile);
  if (source.includes("'")) throw new ActionError(`cannot restore from ${source}: the path contains a quote`);
  const result = await runProcess(options.binary ?? 'sqlite3', ['-bail', ...baseArgs(dbFile, { readonly: false }), `.read '${source}'`], {
    signal: options.signal,
    log: options.log,
    onStderrLine: (l) => stderr.push(l),
  });
  throwIfAborted(options.signal);
  if (result.code !== 0 || stderr.some((l) => /error/i.test(l))) throw new ActionError(`restoring the dump: ${describeFailure(dbFile, result.code, stderr)}`);
}
