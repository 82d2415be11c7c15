// @ts-check
// What a mysql-k8s application's MySQL holds: schemas of tables of rows (app.mysql.databases, row
// ids only, enough for COUNT(*) to prove what a restore put back), and the charm's mysql client in
// the unit's `mysql` container (/usr/bin/mysql), reached with `juju ssh --container mysql`.
//
// The client understands what a backup check sends: an options file on stdin
// (--defaults-extra-file=/dev/stdin holding [client] user= and password=), -N -B (tab-separated,
// no headers) and -e with one of two statements: the list of base tables from
// information_schema.TABLES, and SELECT '<schema>', '<table>', COUNT(*) FROM `<schema>`.`<table>`
// joined with UNION ALL. Anything else is a syntax error, as from the server.
import { createHash } from 'node:crypto';

/** @import { Application } from './types.js' */
/** @typedef {Record<string, Record<string, number[]>>} Databases schema -> table -> row ids */

/** The tables KFP's API server creates (client_manager.go AutoMigrate) and katib-db-manager's one. */
const KFP_TABLES = {
  experiments: 3,
  pipelines: 4,
  pipeline_versions: 6,
  run_details: 12,
  run_metrics: 5,
  jobs: 2,
  tasks: 30,
  resource_references: 20,
  db_statuses: 1,
  default_experiments: 1,
};
const KATIB_TABLES = { observation_logs: 40 };
/** What the server itself holds, never an application's (a check must leave these out). */
const SYSTEM = { mysql: { user: 9, db: 2 }, mysql_innodb_cluster_metadata: { instances: 1, clusters: 1 } };
export const SYSTEM_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys', 'mysql_innodb_cluster_metadata'];

/** @param {Record<string, number>} counts */
const rows = (counts) => Object.fromEntries(Object.entries(counts).map(([t, n]) => [t, Array.from({ length: n }, (_, i) => i + 1)]));

/** A fresh deployment's contents: kfp-db holds mlpipeline, katib-db katib, any other mysql-k8s app only system schemas. @param {string} app @returns {Databases} */
export function initialDatabases(app) {
  /** @type {Databases} */
  const dbs = Object.fromEntries(Object.entries(SYSTEM).map(([s, t]) => [s, rows(t)]));
  if (app === 'kfp-db') dbs.mlpipeline = rows(KFP_TABLES);
  if (app === 'katib-db') dbs.katib = rows(KATIB_TABLES);
  return dbs;
}

/** COUNT(*) of every table of the application schemas: { schema: { table: n } }. @param {Databases} dbs */
export function applicationCounts(dbs) {
  return Object.fromEntries(
    Object.entries(dbs)
      .filter(([s]) => !SYSTEM_SCHEMAS.includes(s))
      .map(([s, tables]) => [s, Object.fromEntries(Object.entries(tables).map(([t, ids]) => [t, ids.length]))]),
  );
}

/**
 * Adds (n > 0) or deletes (n < 0, the oldest rows) rows: change(dbs, { 'mlpipeline.run_details': 3 }).
 * A table not there yet is created. @param {Databases} dbs @param {Record<string, number>} changes
 */
export function changeRows(dbs, changes) {
  for (const [name, n] of Object.entries(changes)) {
    const [schema, table] = name.split('.');
    if (!schema || !table) throw new Error(`juju sandbox: "${name}" is not <schema>.<table>`);
    const ids = ((dbs[schema] ??= {})[table] ??= []);
    if (n < 0) ids.splice(0, Math.min(ids.length, -n));
    for (let i = 0, next = Math.max(0, ...ids) + 1; i < n; i++) ids.push(next++);
  }
}

/** The password get-password gives for one of the charm's users (fixed per application). @param {string} app @param {string} user */
export const charmPassword = (app, user) => createHash('sha256').update(`${app}/${user}`).digest('base64url').slice(0, 24);

const TABLES_QUERY =
  /^\s*SELECT\s+TABLE_SCHEMA\s*,\s*TABLE_NAME\s+FROM\s+information_schema\.TABLES\s+WHERE\s+TABLE_TYPE\s*=\s*'BASE TABLE'\s+AND\s+TABLE_SCHEMA\s+NOT\s+IN\s*\(([^)]*)\)\s*(ORDER\s+BY\s+TABLE_SCHEMA\s*,\s*TABLE_NAME\s*)?;?\s*$/i;
const COUNT_PART = /^\s*SELECT\s+'([^']+)'\s*,\s*'([^']+)'\s*,\s*COUNT\(\*\)\s+FROM\s+`([^`]+)`\.`([^`]+)`\s*$/i;

/**
 * /usr/bin/mysql in the unit's container, as far as a backup check uses it. Resolves { code, stdout, stderr }.
 * @param {{ app: Application, argv: string[], stdin: string, serverUp: boolean }} call
 */
export function mysqlClient({ app, argv, stdin, serverUp }) {
  const fail = (/** @type {string} */ message) => ({ code: 1, stdout: '', stderr: `${message}\n` });
  const args = argv.slice(1);
  const options = args[0]?.startsWith('--defaults-extra-file=') ? readOptionsFile(args[0].slice(22), stdin) : {};
  if (args.some((a, i) => i > 0 && a.startsWith('--defaults-extra-file='))) return fail("mysql: [ERROR] unknown variable 'defaults-extra-file=/dev/stdin'.");
  const flags = new Set(args.filter((a) => /^-[A-Za-z]$|^--[a-z-]+$/.test(a)));
  const e = args.indexOf('-e') >= 0 ? args[args.indexOf('-e') + 1] : args.find((a) => a.startsWith('--execute='))?.slice(10);
  const user = options.user ?? args.find((a) => a.startsWith('--user='))?.slice(7) ?? 'root';
  const password = options.password ?? '';
  if (!serverUp) return fail("ERROR 2002 (HY000): Can't connect to local MySQL server through socket '/var/run/mysqld/mysqld.sock' (2)");
  const known = ['serverconfig', 'clusteradmin', 'root'];
  if (!known.includes(user) || password !== charmPassword(app.name, user)) {
    return fail(`ERROR 1045 (28000): Access denied for user '${user}'@'localhost' (using password: ${password ? 'YES' : 'NO'})`);
  }
  if (e === undefined) return fail('mysql: this sandbox client runs only statements given with -e');
  const dbs = /** @type {Databases} */ (app.mysql?.databases ?? {});
  const batch = flags.has('-B') || flags.has('--batch');
  const headers = !(flags.has('-N') || flags.has('--skip-column-names'));
  /** @param {string[]} names @param {(string | number)[][]} table */
  const print = (names, table) => {
    const lines = [...(headers ? [names.join('\t')] : []), ...table.map((r) => r.join('\t'))];
    return { code: 0, stdout: lines.length ? `${lines.join('\n')}\n` : '', stderr: batch ? '' : '' };
  };
  const tables = TABLES_QUERY.exec(e);
  if (tables) {
    const excluded = [...tables[1].matchAll(/'([^']*)'/g)].map((m) => m[1].toLowerCase());
    const found = Object.entries(dbs)
      .filter(([s]) => !excluded.includes(s.toLowerCase()) && !['information_schema', 'performance_schema', 'sys'].includes(s))
      .flatMap(([s, t]) => Object.keys(t).map((name) => [s, name]))
      .sort((a, b) => (a[0] + '.' + a[1] < b[0] + '.' + b[1] ? -1 : 1));
    return print(['TABLE_SCHEMA', 'TABLE_NAME'], found);
  }
  const parts = e.replace(/;\s*$/, '').split(/\bUNION\s+ALL\b/i);
  const counted = [];
  for (const part of parts) {
    const m = COUNT_PART.exec(part);
    if (!m)
      return fail(
        `ERROR 1064 (42000): You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '${part.trim().slice(0, 40)}' at line 1`,
      );
    const ids = dbs[m[3]]?.[m[4]];
    if (!ids) return fail(`ERROR 1146 (42S02): Table '${m[3]}.${m[4]}' doesn't exist`);
    counted.push([m[1], m[2], ids.length]);
  }
  return print([`'${counted[0]?.[0] ?? ''}'`, `'${counted[0]?.[1] ?? ''}'`, 'COUNT(*)'], counted);
}

/** An options file: only /dev/stdin is readable here (the container has nothing else to offer). @param {string} file @param {string} stdin */
function readOptionsFile(file, stdin) {
  if (file !== '/dev/stdin') return {};
  /** @type {Record<string, string>} */
  const options = {};
  let section = '';
  for (const raw of stdin.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s) section = s[1];
    else if (section === 'client' || section === 'mysql') {
      const eq = line.indexOf('=');
      if (eq > 0)
        options[line.slice(0, eq).trim()] = line
          .slice(eq + 1)
          .trim()
          .replace(/^"(.*)"$/, '$1');
    }
  }
  return options;
}
