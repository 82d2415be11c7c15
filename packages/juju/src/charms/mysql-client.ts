// The mysql-k8s charm's own mysql client, in the unit's `mysql` container, reached with
// `juju ssh --container mysql`: nothing is added to the pod, and the runner needs no MySQL client,
// no port-forward and no route to the database. The password goes on stdin as an options file.
import { registerSecret } from '@ml-backup-actions/core';
import { JujuError, type JujuCli } from '../cli.js';
import { checkUnitName } from '../names.js';
import { runAction, type RunActionOptions } from '../run-action.js';

/** COUNT(*) of every table of the application databases: schema -> table -> rows. */
export type RowCounts = Record<string, Record<string, number>>;

/** What the server keeps for itself and the charm for its cluster: never an application's data. */
export const SYSTEM_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys', 'mysql_innodb_cluster_metadata'];

/** The charm's path of its client (MYSQL_CLI_LOCATION, src/constants.py). */
const MYSQL_CLI = '/usr/bin/mysql';

/** The user a check reads as: host "%", so it works over the unit's socket, and not root (localhost only, for the charm). */
export const CHECK_USER = 'serverconfig';

/** get-password on the unit for one of the charm's users; the password is masked before anything else sees it. */
export async function charmPassword(cli: JujuCli, unit: string, username: string, options: Partial<RunActionOptions> = {}): Promise<string> {
  checkUnitName(unit);
  const task = await runAction(cli, unit, 'get-password', { username }, { waitMs: 5 * 60_000, ...options });
  const password = task.results.password;
  if (typeof password !== 'string' || !password) {
    throw new JujuError('unexpected-output', `get-password username=${username} on ${unit} returned no password (task ${task.id})`);
  }
  registerSecret(password);
  return password;
}

/**
 * Runs one statement with the charm's client in the unit's mysql container; resolves with the
 * rows, tab-separated fields (-N -B). juju ssh runs the words as `sh -c "<words joined>"`, so each
 * is quoted for sh.
 */
export async function mysqlQuery(cli: JujuCli, unit: string, password: string, sql: string, options: { timeoutMs?: number } = {}): Promise<string[][]> {
  checkUnitName(unit);
  const words = [MYSQL_CLI, '--defaults-extra-file=/dev/stdin', '-N', '-B', '-e', sql].map(shellQuote);
  const optionsFile = `[client]\nuser=${CHECK_USER}\npassword="${password.replace(/["\\]/g, '\\$&')}"\n`;
  const run = await cli.exec('ssh', ['--container', 'mysql', unit, '--', ...words], {
    subject: unit,
    stdin: optionsFile,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  if (run.code !== 0) {
    const said = run.stderr.split('\n').find((l) => /^ERROR|^mysql:/.test(l.trim())) ?? run.stderr.split('\n').find((l) => l.trim()) ?? `exit ${run.code}`;
    throw new JujuError('failed', `the mysql client in ${unit}'s mysql container failed: ${said.trim()}`, run.stderr, run.code);
  }
  return run.stdout
    .split('\n')
    .filter((l) => l.length)
    .map((l) => l.split('\t'));
}

/**
 * COUNT(*) of every base table outside the system schemas (not information_schema's TABLE_ROWS,
 * an InnoDB estimate): one statement lists the tables, one counts them all.
 */
export async function countRows(cli: JujuCli, unit: string, password: string): Promise<RowCounts> {
  const excluded = SYSTEM_SCHEMAS.map((s) => `'${s}'`).join(', ');
  const tables = await mysqlQuery(
    cli,
    unit,
    password,
    `SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN (${excluded}) ORDER BY TABLE_SCHEMA, TABLE_NAME`,
  );
  const counts: RowCounts = {};
  if (!tables.length) return counts;
  const literal = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
  const ident = (s: string) => `\`${s.replace(/`/g, '``')}\``;
  const sql = tables
    .map(([schema, table]) => `SELECT ${literal(schema)}, ${literal(table)}, COUNT(*) FROM ${ident(schema)}.${ident(table)}`)
    .join(' UNION ALL ');
  for (const [schema, table, n] of await mysqlQuery(cli, unit, password, sql)) {
    if (!/^\d+$/.test(n ?? '')) throw new JujuError('unexpected-output', `COUNT(*) of ${schema}.${table} on ${unit} is not a number: ${JSON.stringify(n)}`);
    (counts[schema] ??= {})[table] = Number(n);
  }
  return counts;
}

/** The tables whose counts differ, as "schema.table: expected -> found" (a table missing on either side counts). */
export function compareRowCounts(expected: RowCounts, found: RowCounts): string[] {
  const names = new Set<string>();
  for (const side of [expected, found]) for (const [s, t] of Object.entries(side)) for (const table of Object.keys(t)) names.add(`${s}.${table}`);
  const at = (c: RowCounts, name: string) => {
    const [s, t] = [name.slice(0, name.indexOf('.')), name.slice(name.indexOf('.') + 1)];
    return c[s]?.[t];
  };
  return [...names]
    .sort()
    .filter((n) => at(expected, n) !== at(found, n))
    .map((n) => `${n}: ${at(expected, n) ?? 'no table'} -> ${at(found, n) ?? 'no table'}`);
}

const shellQuote = (word: string): string => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`);
