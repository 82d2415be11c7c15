import { statSync } from 'node:fs';
import path from 'node:path';
import { ActionError, runProcess, throwIfAborted, type Logger, type ProcessResult } from '@ml-backup-actions/core';
import { describeFailure } from './errors.js';

export interface SqliteOptions {
  /** The sqlite3 program; defaults to sqlite3 on PATH. */
  binary?: string;
  signal?: AbortSignal;
  log?: Logger;
}

/**
 * The arguments every call starts with. -readonly: a check never writes the file; SQLite still
 * reads a -wal beside it (building the wal-index in a -shm file, which it creates if missing).
 * -init /dev/null: no ~/.sqliterc. The path is absolute so a name starting with '-' is not an option.
 */
export function baseArgs(file: string, { readonly = true } = {}): string[] {
  return ['-batch', '-init', '/dev/null', ...(readonly ? ['-readonly'] : []), path.resolve(file)];
}

/** Refuses a path that is not a regular file, so sqlite3 never creates an empty database there. */
export function requireFile(file: string): void {
  let stat;
  try {
    stat = statSync(file);
  } catch {
    throw new ActionError(`${file} does not exist; the database copy is missing`);
  }
  if (!stat.isFile()) throw new ActionError(`${file} is not a regular file`);
}

export interface QueryResult extends ProcessResult {
  stdout: string;
  stderr: string[];
}

/** Runs sqlite3 on file with one SQL text (argv, no shell) and collects its output. */
export async function runSqlite(file: string, sql: string, options: SqliteOptions & { json?: boolean; readonly?: boolean } = {}): Promise<QueryResult> {
  requireFile(file);
  const out: string[] = [];
  const stderr: string[] = [];
  const args = [...(options.json ? ['-json'] : []), ...baseArgs(file, options), sql];
  const result = await runProcess(options.binary ?? 'sqlite3', args, {
    signal: options.signal,
    log: options.log,
    onStdoutLine: (l) => out.push(l),
    onStderrLine: (l) => stderr.push(l),
  });
  throwIfAborted(options.signal);
  return { ...result, stdout: out.join('\n'), stderr };
}

/** Runs a query in JSON mode and returns its rows; any failure is an ActionError naming the file. */
export async function queryRows<T>(file: string, sql: string, options: SqliteOptions = {}): Promise<T[]> {
  const result = await runSqlite(file, sql, { ...options, json: true });
  if (result.code !== 0) throw new ActionError(describeFailure(file, result.code, result.stderr));
  const text = result.stdout.trim();
  if (!text) return [];
  try {
    return JSON.parse(text) as T[];
  } catch (err) {
    throw new ActionError(`could not read sqlite3's output for ${file}: ${(err as Error).message}`);
  }
}

/** SQL for a quoted identifier. */
export const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
