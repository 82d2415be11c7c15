import { ActionError } from '@ml-backup-actions/core';
import { describeFailure, isCorruption } from './errors.js';
import { ident, queryRows, runSqlite, type SqliteOptions } from './sqlite3.js';

export interface IntegrityResult {
  /** PRAGMA integrity_check said 'ok'. */
  ok: boolean;
  /** What it found otherwise, first lines only (at most maxProblems). */
  problems: string[];
}

/**
 * PRAGMA integrity_check on file, read-only. A damaged file is a result (ok: false), not an
 * exception, even when SQLite gives up part way with "database disk image is malformed"; a file
 * that is not an SQLite database at all is an ActionError.
 */
export async function integrityCheck(file: string, options: SqliteOptions & { maxProblems?: number } = {}): Promise<IntegrityResult> {
  const max = Math.max(1, Math.floor(options.maxProblems ?? 10));
  const result = await runSqlite(file, `PRAGMA integrity_check(${max});`, { ...options, json: true });
  if (result.code !== 0) {
    if (isCorruption(result.stderr)) return { ok: false, problems: result.stderr.filter((l) => l.trim()).slice(0, max) };
    throw new ActionError(describeFailure(file, result.code, result.stderr));
  }
  const rows = result.stdout.trim() ? (JSON.parse(result.stdout) as { integrity_check: string }[]) : [];
  const lines = rows.flatMap((r) => String(r.integrity_check).split('\n')).filter(Boolean);
  if (lines.length === 1 && lines[0] === 'ok') return { ok: true, problems: [] };
  return { ok: false, problems: lines.length ? lines.slice(0, max) : ['integrity_check returned nothing'] };
}

/** The tables of file but SQLite's own (sqlite_sequence, sqlite_stat1, ...), by name. */
export async function userTables(file: string, options: SqliteOptions = {}): Promise<string[]> {
  const rows = await queryRows<{ name: string }>(
    file,
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name;",
    options,
  );
  return rows.map((r) => r.name);
}

/** count(*) of every user table, in one read-only sqlite3 run after listing them. */
export async function rowCounts(file: string, options: SqliteOptions = {}): Promise<Record<string, number>> {
  const tables = await userTables(file, options);
  if (!tables.length) return {};
  const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const sql = tables.map((t) => `SELECT ${literal(t)} AS name, count(*) AS n FROM ${ident(t)}`).join(' UNION ALL ') + ';';
  const rows = await queryRows<{ name: string; n: number }>(file, sql, options);
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.n)]));
}

/**
 * MLMD's schema version, from MLMDEnv.schema_version (10 for MLMD 1.11 to 1.16). MLMD keeps exactly
 * one row there; anything else is refused as MLMD itself would refuse it.
 */
export async function mlmdSchemaVersion(file: string, options: SqliteOptions = {}): Promise<number> {
  const rows = await queryRows<{ schema_version: number }>(file, 'SELECT schema_version FROM MLMDEnv;', options);
  if (rows.length !== 1) {
    throw new ActionError(`${file} is not a usable ML Metadata database: MLMDEnv has ${rows.length} rows, MLMD expects exactly one`);
  }
  const version = Number(rows[0].schema_version);
  if (!Number.isInteger(version)) throw new ActionError(`${file}: MLMDEnv.schema_version is not a number (${String(rows[0].schema_version)})`);
  return version;
}
