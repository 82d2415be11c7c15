// @ts-check
// mysql-k8s as its actions see it: InnoDB cluster members with roles and states, the cluster
// status mysqlsh reports, and the S3 parameters the s3-integrator relation hands over.
//
// Per application (app.mysql in the state): { primary?: unit name }. Faults: memberStates
// { <unit>: "RECOVERING" | "OFFLINE" | "ERROR" | ... }, clusterStatus { <app>: "<STATUS>" },
// clusterStatusUnreadable { <app>: true }, mysqldDown { <unit>: true }.
// A unit is a member once its charm has started: RECOVERING until it is active, then ONLINE;
// a dying unit has left the cluster. The primary is app.mysql.primary when that unit is an ONLINE
// member, else the leader (as a fresh deployment has it), else the first ONLINE member.
import { appView, choosePrimary, hash } from './lifecycle.js';

/** @import { Application, Faults, Model } from './types.js' */
/**
 * @typedef {{ unit: string, label: string, state: string, leader: boolean, address: string, role?: 'PRIMARY' | 'SECONDARY' }} Member
 * @typedef {{ members: Member[], primary?: string, primaryAddress?: string, status: string, statusText: string, scale: number }} Cluster
 */

/** @param {Application | undefined} app */
export const isMysql = (app) => app?.charm === 'mysql-k8s';

/**
 * The cluster as it is at `t`: members (label, unit, state, role, address), primary, status.
 * @param {Model} _model @param {string} modelName @param {Application} app @param {number} t @param {Faults} [faults]
 * @returns {Cluster}
 */
export function clusterAt(_model, modelName, app, t, faults = {}) {
  const view = appView(app, t, faults);
  /** @type {Member[]} */
  const members = [];
  for (const u of view.units) {
    if (u.life !== 'alive' || u.phase === 'allocating') continue;
    const state =
      faults.memberStates?.[u.name] ?? (u.phase === 'active' ? 'ONLINE' : u.phase === 'error' ? 'ERROR' : u.phase === 'blocked' ? 'OFFLINE' : 'RECOVERING');
    members.push({
      unit: u.name,
      label: u.name.replace('/', '-'),
      state,
      leader: u.leader,
      address: `${u.providerId}.${app.name}-endpoints.${modelName}.svc.cluster.local:3306`,
    });
  }
  const online = members.filter((m) => m.state === 'ONLINE');
  const primaryName = choosePrimary(
    app,
    online.map((m) => ({ name: m.unit, leader: m.leader })),
  );
  const wanted = online.find((m) => m.unit === primaryName);
  for (const m of members) m.role = m === wanted ? 'PRIMARY' : 'SECONDARY';
  const computed = statusOf(members.length, online.length, members.filter((m) => m.state === 'UNREACHABLE').length);
  const status = faults.clusterStatus?.[app.name] ?? computed.status;
  return {
    members,
    primary: wanted?.unit,
    primaryAddress: wanted?.address,
    status,
    statusText: statusText(status, members.length, online.length, wanted?.address),
    scale: app.scale,
  };
}

/**
 * Quorum counts every member still in the group (RECOVERING ones too); tolerance only ONLINE ones.
 * @param {number} total @param {number} online @param {number} unreachable
 */
function statusOf(total, online, unreachable) {
  if (total === 0 || online === 0) return { status: total === 0 ? 'OFFLINE' : 'NO_QUORUM' };
  if ((total - unreachable) * 2 <= total) return { status: 'NO_QUORUM' };
  const tolerance = Math.floor((online - 1) / 2);
  const partial = online < total;
  if (tolerance > 0) return { status: partial ? 'OK_PARTIAL' : 'OK' };
  return { status: partial ? 'OK_NO_TOLERANCE_PARTIAL' : 'OK_NO_TOLERANCE' };
}

const WORDS = ['NO', 'ONE', 'TWO', 'THREE', 'FOUR'];

/** @param {string} status @param {number} total @param {number} online @param {string | undefined} primaryAddress */
function statusText(status, total, online, primaryAddress) {
  const inactive = total - online;
  const notActive = inactive ? ` ${inactive} member${inactive === 1 ? ' is' : 's are'} not active.` : '';
  const tolerance = Math.max(0, Math.floor((online - 1) / 2));
  if (status.startsWith('OK_NO_TOLERANCE')) return `Cluster is NOT tolerant to any failures.${notActive}`;
  if (status.startsWith('OK'))
    return `Cluster is ONLINE and can tolerate up to ${WORDS[tolerance] ?? tolerance} failure${tolerance === 1 ? '' : 's'}.${notActive}`;
  if (status === 'NO_QUORUM')
    return `Cluster has no quorum as visible from '${primaryAddress ?? 'localhost:3306'}' and cannot process write transactions.${notActive}`;
  return `Cluster is ${status}.`;
}

/**
 * The primary's workload message in juju status is "Primary" (mysql.py active_status_message).
 * @param {Model} model @param {string} modelName @param {Application} app @param {number} t @param {Faults} [faults]
 */
export function primaryUnit(model, modelName, app, t, faults) {
  return clusterAt(model, modelName, app, t, faults).primary;
}

/**
 * get-cluster-status results: mysqlsh's cluster.status() lower-cased by the charm (json.loads of
 * the lower-cased output), then flattened by ops for action-set, so every leaf is a string
 * (None, True) and empty maps vanish.
 * @param {{ model: Model, modelName: string, app: Application, t: number, faults?: Faults, workloadVersion?: string }} at
 */
export function clusterStatusResults({ model, modelName, app, t, faults, workloadVersion }) {
  const c = clusterAt(model, modelName, app, t, faults);
  /** @type {Record<string, Record<string, unknown>>} */
  const topology = {};
  for (const m of c.members) {
    topology[m.label] = {
      address: m.address,
      memberRole: m.role,
      mode: m.state !== 'ONLINE' ? 'n/a' : m.role === 'PRIMARY' ? 'R/W' : 'R/O',
      readReplicas: {},
      replicationLag: m.role === 'PRIMARY' || m.state !== 'ONLINE' ? null : 'applier_queue_applied',
      role: 'HA',
      status: m.state,
      version: (workloadVersion ?? '8.0.41').split('-')[0],
    };
  }
  const status = {
    clusterName: clusterName(model, app),
    defaultReplicaSet: {
      name: 'default',
      ...(c.primaryAddress ? { primary: c.primaryAddress } : {}),
      ssl: 'REQUIRED',
      status: c.status,
      statusText: c.statusText,
      topology,
      topologyMode: 'Single-Primary',
    },
    groupInformationSourceMember: c.primaryAddress ?? `${app.name}-0.${app.name}-endpoints.${modelName}.svc.cluster.local:3306`,
  };
  return opsResults({ success: true, status: JSON.parse(JSON.stringify(status).toLowerCase()) });
}

/** @param {Model} model @param {Application} app */
function clusterName(model, app) {
  const peers = model.relations.find((r) => r.interface === 'mysql_peers' && r.endpoints[0].app === app.name);
  return peers?.data[app.name]?.['cluster-name'] ?? `cluster-${hash(app.name).toString(16)}`;
}

/**
 * What ops does to action results: nested maps kept, empty maps dropped, leaves str()-ed.
 * @param {Record<string, unknown>} value
 * @returns {Record<string, unknown>}
 */
export function opsResults(value) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const inner = opsResults(/** @type {Record<string, unknown>} */ (v));
      if (Object.keys(inner).length) out[k] = inner;
    } else {
      out[k] = pyStr(v);
    }
  }
  return out;
}

/** @param {unknown} v @returns {string} */
function pyStr(v) {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'string' ? `'${x}'` : pyStr(x))).join(', ')}]`;
  return String(v);
}

/** Python's repr of a list of strings, as in "Missing S3 parameters: ['bucket', 'access-key']". */
/** @param {string[]} items */
export const pyList = (items) => `[${items.map((i) => `'${i}'`).join(', ')}]`;
