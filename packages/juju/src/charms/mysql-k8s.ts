// What this suite knows of the mysql-k8s charm (kfp-db, katib-db): its actions' results and the
// statuses it shows while it works.
import { JujuError, type JujuCli } from '../cli.js';
import { applicationOfUnit, checkUnitName } from '../names.js';
import { runAction, type RunActionOptions } from '../run-action.js';
import type { ApplicationStatus } from '../types.js';
import { byUnitNumber, isDying } from '../units.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** One InnoDB cluster member as mysql-k8s's get-cluster-status reports it (values lower-cased by the charm). */
export interface ClusterMember {
  /** The Juju unit: the topology label "kfp-db-1" is unit kfp-db/1. */
  unit: string;
  label: string;
  /** "primary" or "secondary" (older charms: derived from mode r/w). */
  role: string;
  /** Group-replication member state: "online", "recovering", "offline", "error", ... */
  state: string;
  /** "r/w", "r/o" or "n/a". */
  mode: string;
  address: string;
}

export interface ClusterStatus {
  clusterName: string;
  /** mysqlsh's cluster status, lower-cased: "ok", "ok_partial", "ok_no_tolerance", "no_quorum", ... */
  status: string;
  statusText: string;
  /** The primary's unit, if the cluster has one. */
  primary?: string;
  members: ClusterMember[];
}

/**
 * Reads get-cluster-status results: `status.defaultreplicaset.topology` maps labels to members;
 * the primary is the member whose memberrole is "primary" (older charms: mode "r/w"). A result
 * with success "False" (the charm could not read the status) is an error.
 */
export function parseClusterStatus(results: Record<string, unknown>, app: string): ClusterStatus {
  const status = results.status;
  if (!isObj(status) || !isObj(status.defaultreplicaset)) {
    const why = str(results.message) ?? (results.success !== undefined ? `success ${String(results.success)}` : 'no status in the results');
    throw new JujuError('unexpected-output', `get-cluster-status on ${app} did not return the cluster status: ${why}`);
  }
  const rs = status.defaultreplicaset;
  const members: ClusterMember[] = [];
  for (const [label, m] of Object.entries(isObj(rs.topology) ? rs.topology : {})) {
    const o = isObj(m) ? m : {};
    const mode = (str(o.mode) ?? '').toLowerCase();
    const role = (str(o.memberrole) ?? (mode === 'r/w' ? 'primary' : 'secondary')).toLowerCase();
    members.push({ unit: unitOfLabel(label, app), label, role, state: (str(o.status) ?? '').toLowerCase(), mode, address: str(o.address) ?? '' });
  }
  members.sort((a, b) => byUnitNumber(a.unit, b.unit));
  return {
    clusterName: str(status.clustername) ?? '',
    status: (str(rs.status) ?? '').toLowerCase(),
    statusText: str(rs.statustext) ?? '',
    primary: members.find((m) => m.role === 'primary')?.unit,
    members,
  };
}

/** "kfp-db-1" -> "kfp-db/1" (the charm labels instances with the unit name, "/" turned into "-"). */
export function unitOfLabel(label: string, app: string): string {
  const rest = label.startsWith(`${app}-`) ? label.slice(app.length + 1) : undefined;
  if (rest !== undefined && /^\d+$/.test(rest)) return `${app}/${rest}`;
  return label.replace(/-(\d+)$/, '/$1');
}

/**
 * The unit create-backup may run on: with more than one planned unit, an ONLINE member that is not
 * the primary (the charm refuses the primary then); with one, that unit if it is ONLINE. Prefers
 * `prefer` if it qualifies, else the lowest-numbered. Throws, naming each member's role and state.
 */
export function pickBackupUnit(cluster: ClusterStatus, plannedUnits: number, prefer?: string): string {
  const online = cluster.members.filter((m) => m.state === 'online');
  const eligible = plannedUnits > 1 ? online.filter((m) => m.role !== 'primary') : online;
  const chosen = eligible.find((m) => m.unit === prefer) ?? eligible[0];
  if (chosen) return chosen.unit;
  const seen = cluster.members.map((m) => `${m.unit} ${m.role} ${m.state}`).join(', ') || 'no members';
  const need = plannedUnits > 1 ? 'an ONLINE secondary (mysql-k8s refuses to back up on the primary when there is more than one unit)' : 'an ONLINE member';
  throw new JujuError('failed', `no unit can take the backup: it needs ${need}; cluster status ${cluster.status || 'unknown'}: ${seen}`);
}

export interface BackupEntry {
  id: string;
  /** "physical" for mysql-k8s. */
  type: string;
  /** "finished", "failed" or "in progress". */
  status: string;
}

/**
 * list-backups' table ("backup-id | backup-type | backup-status", a line of dashes, then a row
 * per backup), read the way the charm's own tests read it: the first column of the rows.
 */
export function parseBackupsTable(text: string): BackupEntry[] {
  const lines = text.split('\n');
  if (!/^\s*backup-id\s*\|/.test(lines[0] ?? ''))
    throw new JujuError('unexpected-output', `list-backups did not return the backups table: ${text.slice(0, 120)}`);
  const entries: BackupEntry[] = [];
  for (const line of lines.slice(1)) {
    if (!line.includes('|')) continue;
    const [id, type, status] = line.split('|').map((c) => c.trim());
    if (id) entries.push({ id, type: type ?? '', status: status ?? '' });
  }
  return entries;
}

/**
 * Units of a mysql-k8s application busy with a backup, as `juju status` shows it: the charm's
 * "Running backup..." status or the agent "running action create-backup".
 */
export function unitsRunningBackup(app: ApplicationStatus): string[] {
  return Object.values(app.units)
    .filter((u) => !isDying(u) && (u.workloadStatus.message === 'Running backup...' || u.jujuStatus.message === 'running action create-backup'))
    .map((u) => u.name)
    .sort(byUnitNumber);
}

/** get-cluster-status on the unit: members with role and state, and the primary. */
export async function clusterStatus(cli: JujuCli, unit: string, options: Partial<RunActionOptions> = {}): Promise<ClusterStatus> {
  checkUnitName(unit);
  const task = await runAction(cli, unit, 'get-cluster-status', {}, { waitMs: 5 * 60_000, ...options });
  return parseClusterStatus(task.results, applicationOfUnit(unit));
}

/** list-backups on the unit: every backup in the S3 path with its status. */
export async function listBackups(cli: JujuCli, unit: string, options: Partial<RunActionOptions> = {}): Promise<BackupEntry[]> {
  checkUnitName(unit);
  const task = await runAction(cli, unit, 'list-backups', {}, { waitMs: 5 * 60_000, ...options });
  const table = task.results.backups;
  if (typeof table !== 'string') throw new JujuError('unexpected-output', `list-backups on ${unit} returned no backups table (task ${task.id})`);
  return parseBackupsTable(table);
}
