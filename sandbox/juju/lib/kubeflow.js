// @ts-check
// A Charmed Kubeflow 1.10 control plane as a Juju model: the applications the backup runbook
// touches, with the relations and configuration it reads. Charm names, channels, config options
// and the object-storage relation data follow reference/ckf.md (sections 1.5 and 3.4); revisions
// and addresses are made up.
import { randomInt, randomUUID } from 'node:crypto';
import { initialDatabases } from './databases.js';
import { toYaml } from './format.js';
import { hash, settledUnit } from './lifecycle.js';

/** @import { AppSpec, Application, ConfigOption, JujuModelOptions, Relation, S3Options, State } from './types.js' */
/** @typedef {AppSpec & { channel: string, rev: number }} FullSpec an application spec with what every application has */

/** @type {Record<string, ConfigOption>} */
const MINIO_OPTIONS = {
  'access-key': { type: 'string', default: 'minio', description: 'Access key' },
  'console-port': { type: 'int', default: 9001, description: 'Console port' },
  'gateway-storage-service': { type: 'string', default: '', description: 'Storage service used by gateway to store objects. Possible values: s3, azure' },
  mode: { type: 'string', default: 'server', description: 'Mode of operations. Possible values: server, gateway' },
  port: { type: 'int', default: 9000, description: 'HTTP port' },
  'secret-key': { type: 'string', default: '', description: 'Secret key' },
};

/** @type {Record<string, ConfigOption>} */
const MYSQL_OPTIONS = {
  'cluster-name': { type: 'string', description: 'Optional - Name of the MySQL InnoDB cluster, set once at deployment' },
  binlog_retention_days: { type: 'int', default: 7, description: 'Number of days for binary logs retention' },
  'plugin-audit-enabled': { type: 'boolean', default: true, description: 'Enable the audit plugin' },
  profile: { type: 'string', default: 'production', description: 'Configuration profile: production or testing' },
  'profile-limit-memory': { type: 'int', description: 'Amount of memory in Megabytes to limit MySQL and associated process to.' },
};

/**
 * s3-integrator (track 1/) configuration options (canonical/s3-integrator config.yaml).
 * @type {Record<string, ConfigOption>}
 */
const S3_OPTIONS = {
  endpoint: { type: 'string', description: 'The endpoint used to connect to the object storage.' },
  bucket: { type: 'string', description: 'The bucket/container name delivered by the provider.' },
  region: { type: 'string', description: 'The region used to connect to the object storage.' },
  path: { type: 'string', description: 'The path inside the bucket/container to store objects.' },
  attributes: { type: 'string', description: 'The custom metadata (HTTP headers).' },
  's3-uri-style': { type: 'string', description: 'The S3 protocol specific bucket path lookup type.' },
  'storage-class': { type: 'string', description: 'Storage Class for objects uploaded to the object storage.' },
  'tls-ca-chain': { type: 'string', description: 'The complete CA chain, which can be used for HTTPS validation.' },
  's3-api-version': { type: 'string', description: 'S3 protocol specific API signature.' },
  'experimental-delete-older-than-days': { type: 'int', description: 'Full backups can be retained for a number of days. EXPERIMENTAL.' },
};

/**
 * The s3-integrator application each database backs up through (two apps, so two paths).
 * @type {Record<string, string>}
 */
export const S3_INTEGRATORS = { 'kfp-db': 's3-kfp', 'katib-db': 's3-katib' };

/** kfp-db and katib-db: the same mysql-k8s charm. @type {FullSpec} */
const MYSQL = {
  charm: 'mysql-k8s',
  channel: '8.0/stable',
  rev: 210,
  base: '22.04',
  workloadVersion: '8.0.41-0ubuntu0.22.04.1',
  primaryMessage: 'Primary',
  options: MYSQL_OPTIONS,
  trust: true,
};

/**
 * name -> application spec; `scale` units are created settled.
 * @type {Record<string, FullSpec>}
 */
export const KUBEFLOW_APPLICATIONS = {
  'katib-db': { ...MYSQL },
  'katib-db-manager': { charm: 'katib-db-manager', channel: '0.18/stable', rev: 626, base: '20.04' },
  'kfp-api': { charm: 'kfp-api', channel: '2.5/stable', rev: 1813, base: '20.04', trust: true },
  'kfp-db': { ...MYSQL },
  'kfp-metadata-writer': { charm: 'kfp-metadata-writer', channel: '2.5/stable', rev: 1763, base: '22.04' },
  'kfp-ui': { charm: 'kfp-ui', channel: '2.5/stable', rev: 1786, base: '22.04' },
  minio: { charm: 'minio', channel: 'ckf-1.10/stable', rev: 412, base: '20.04', options: MINIO_OPTIONS },
  mlmd: { charm: 'mlmd', channel: 'ckf-1.10/stable', rev: 300, base: '22.04' },
};

/**
 * [provider app, endpoint, requirer app, endpoint, interface]; peers have one side.
 * @type {[string, string, string | null, string | null, string][]}
 */
const KUBEFLOW_RELATIONS = [
  ['minio', 'object-storage', 'kfp-ui', 'object-storage', 'object-storage'],
  ['minio', 'object-storage', 'kfp-api', 'object-storage', 'object-storage'],
  ['kfp-db', 'database', 'kfp-api', 'relational-db', 'mysql_client'],
  ['katib-db', 'database', 'katib-db-manager', 'relational-db', 'mysql_client'],
  ['mlmd', 'grpc', 'kfp-metadata-writer', 'grpc', 'k8s-service'],
  ['kfp-db', 'database-peers', null, null, 'mysql_peers'],
  ['katib-db', 'database-peers', null, null, 'mysql_peers'],
  ['s3-kfp', 's3-credentials', 'kfp-db', 's3-parameters', 's3'],
  ['s3-katib', 's3-credentials', 'katib-db', 's3-parameters', 's3'],
];

/**
 * The two s3-integrator applications for { endpoint, accessKey, secretKey, bucket, region?,
 * paths? }: bucket, endpoint and a path per database in config, the keys as if synced with
 * sync-s3-credentials.
 * @param {S3Options} s3
 */
function s3Specs(s3) {
  /** @type {Record<string, FullSpec>} */
  const specs = {};
  for (const [db, integrator] of Object.entries(S3_INTEGRATORS)) {
    specs[integrator] = {
      charm: 's3-integrator',
      channel: '1/stable',
      rev: 145,
      base: '22.04',
      options: S3_OPTIONS,
      config: {
        ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
        ...(s3.bucket ? { bucket: s3.bucket } : {}),
        ...(s3.region !== undefined ? { region: s3.region } : {}),
        path: s3.paths?.[db] ?? `mysql/${db}`,
        ...(s3.uriStyle ? { 's3-uri-style': s3.uriStyle } : {}),
      },
      credentials: s3.accessKey ? { 'access-key': s3.accessKey, 'secret-key': s3.secretKey } : undefined,
    };
  }
  return specs;
}

/** A secret like the minio charm's generated one: 30 characters of A-Z and 0-9. */
export function generateMinioSecret() {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return Array.from({ length: 30 }, () => alphabet[randomInt(alphabet.length)]).join('');
}

/**
 * @param {JujuModelOptions & { now?: number }} [options]
 * @returns {State}
 */
export function createState(options = {}) {
  const now = options.now ?? Date.now();
  const deployedAt = now - 86_400_000;
  const modelName = options.model ?? 'kubeflow';
  const specs = { ...KUBEFLOW_APPLICATIONS, ...(options.s3 ? s3Specs(options.s3) : {}) };
  for (const [name, spec] of Object.entries(options.applications ?? {})) {
    if (spec === null) delete specs[name];
    else specs[name] = { ...(specs[name] ?? { channel: 'latest/stable', rev: 1, base: '22.04' }), ...spec };
  }
  /** @type {Record<string, Application>} */
  const applications = {};
  for (const [name, spec] of Object.entries(specs)) applications[name] = buildApplication(name, spec, deployedAt);
  const minioSecretKey = options.minioSecretKey ?? generateMinioSecret();
  const relations = buildRelations(applications, modelName, minioSecretKey);
  return {
    schema: 1,
    jujuVersion: options.jujuVersion ?? '3.6.1',
    controller: { name: options.controller ?? 'microk8s-localhost', cloud: 'microk8s', region: 'localhost', address: '10.152.183.74:17070' },
    currentModel: modelName,
    timing: { settleMs: options.settleMs ?? 600, dyingMs: options.dyingMs ?? Math.round((options.settleMs ?? 600) / 2) },
    timeScale: options.timeScale ?? 1,
    actionTiming: { ...(options.actionTiming ?? {}) },
    faults: {},
    minioSecretKey,
    models: {
      [modelName]: { uuid: randomUUID(), owner: 'admin', type: 'caas', createdAt: deployedAt, applications, relations },
    },
  };
}

/** @param {string} name @param {FullSpec} spec @param {number} deployedAt */
function buildApplication(name, spec, deployedAt) {
  const h = hash(name);
  /** @type {Application} */
  const app = {
    name,
    charm: spec.charm ?? name,
    channel: spec.channel,
    rev: spec.rev,
    base: { name: 'ubuntu', channel: spec.base ?? '22.04' },
    providerId: uuidFrom(h),
    address: `10.152.183.${(h % 240) + 10}`,
    exposed: false,
    workloadVersion: spec.workloadVersion,
    primaryMessage: spec.primaryMessage,
    activeMessage: spec.activeMessage ?? '',
    trust: spec.trust ?? false,
    options: spec.options ?? {},
    config: { ...(spec.config ?? {}) },
    scale: spec.scale ?? 1,
    ...(spec.charm === 'mysql-k8s' ? { mysql: { databases: initialDatabases(name), ...(spec.mysql ?? {}) }, forceParam: spec.forceParam ?? false } : {}),
    ...(spec.additionalProperties !== undefined ? { additionalProperties: spec.additionalProperties } : {}),
    ...(spec.credentials ? { credentials: { ...spec.credentials } } : {}),
    ...(spec.actionTiming ? { actionTiming: { ...spec.actionTiming } } : {}),
    status: { current: 'active', message: '', since: deployedAt },
    units: [],
    ...(spec.timing ? { timing: spec.timing } : {}),
  };
  for (let i = 0; i < app.scale; i++) app.units.push(settledUnit(app, i, deployedAt));
  return app;
}

/** @param {number} h */
function uuidFrom(h) {
  /** @param {number} n */
  const hex = (n) => (n >>> 0).toString(16).padStart(8, '0');
  const a = hex(h);
  const b = hex(Math.imul(h, 2654435761));
  const c = hex(Math.imul(h ^ 0x5bd1e995, 40503));
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-a${c.slice(1, 4)}-${c}${a.slice(0, 4)}`;
}

/** @param {Record<string, Application>} applications @param {string} modelName @param {string} minioSecretKey */
function buildRelations(applications, modelName, minioSecretKey) {
  /** @type {Relation[]} */
  const relations = [];
  let id = 0;
  for (const [provider, pEndpoint, requirer, rEndpoint, iface] of KUBEFLOW_RELATIONS) {
    if (!applications[provider] || (requirer && !applications[requirer])) continue;
    const endpoints = [{ app: provider, endpoint: pEndpoint, role: requirer ? 'provider' : 'peer' }];
    if (requirer && rEndpoint) endpoints.push({ app: requirer, endpoint: rEndpoint, role: 'requirer' });
    relations.push({ id: id++, interface: iface, endpoints, data: relationData({ iface, provider, requirer, applications, modelName, minioSecretKey }) });
  }
  return relations;
}

/**
 * Application data each side publishes, as the charms publish it.
 * @param {{ iface: string, provider: string, requirer: string | null, applications: Record<string, Application>, modelName: string,
 *   minioSecretKey: string }} relation
 * @returns {Relation['data']}
 */
function relationData({ iface, provider, requirer, applications, modelName, minioSecretKey }) {
  /** @type {Relation['data']} */
  const data = { [provider]: {}, ...(requirer ? { [requirer]: {} } : {}) };
  if (!requirer) {
    // A peer relation: its one side.
    if (iface === 'mysql_peers') {
      data[provider] = { 'cluster-name': `cluster-${hash(provider).toString(16)}`, 'units-added-to-cluster': String(applications[provider].scale) };
    }
    return data;
  }
  if (iface === 'object-storage') {
    // serialized-data-interface "nested" mode: the payload is a YAML string under `data`, keys sorted
    // (yaml.safe_dump), next to the versions the side supports.
    const config = applications[provider].config;
    const payload = {
      'access-key': config['access-key'] ?? 'minio',
      namespace: modelName,
      port: config.port ?? 9000,
      'secret-key': config['secret-key'] || minioSecretKey,
      secure: false,
      service: provider,
    };
    data[provider] = { _supported_versions: '- v1\n', data: toYaml(payload) };
    data[requirer] = { _supported_versions: '- v1\n' };
  } else if (iface === 'mysql_client') {
    data[provider] = {
      database: requirer === 'kfp-api' ? 'mlpipeline' : 'katib',
      endpoints: `${provider}-primary.${modelName}.svc.cluster.local:3306`,
      'read-only-endpoints': `${provider}-replicas.${modelName}.svc.cluster.local:3306`,
      'secret-user': `secret://${hash(provider).toString(36)}/${hash(requirer).toString(36)}`,
      version: applications[provider].workloadVersion?.split('-')[0] ?? '8.0',
    };
    data[requirer] = { database: data[provider].database, 'requested-secrets': '["username", "password", "tls", "tls-ca", "uris"]' };
  } else if (iface === 'k8s-service') {
    data[provider] = { _supported_versions: '- v1\n', data: toYaml({ name: provider, port: '8080' }) };
    data[requirer] = { _supported_versions: '- v1\n' };
  } else if (iface === 's3') {
    // The integrator's side is computed when read (lib/s3.js integratorData); mysql asks for nothing.
    data[requirer] = {};
  }
  return data;
}
