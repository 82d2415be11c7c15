// @ts-check
// What `juju actions <app> --schema` shows, and how juju validates `juju run` parameters against it.
//
// The mysql-k8s actions are those of canonical/mysql-k8s-operator actions.yaml; `force` on
// create-backup was added in PR #654 (2025-09-12), so it is declared only when the application's
// spec says so (forceParam). Juju turns each action into a JSON schema {title, description, type:
// object, properties}; Juju 3 leaves additionalProperties out (extra parameters are passed to the
// charm, which ignores them), Juju 4 defaults it to false (juju/juju#21294), and a charm can declare
// it either way (spec additionalProperties). A parameter that fails validation gives a task in
// status "error" whose message is the validation error (juju/juju tests/suites/actions).

import { PITR_REVISION } from './restore.js';

/** @import { Application } from './types.js' */
/**
 * @typedef {{ type: string, default?: unknown, description: string }} ParamSpec
 * @typedef {{ description: string, params: Record<string, ParamSpec>, required?: string[] }} ActionSpec
 * @typedef {{ description: string, properties: Record<string, ParamSpec>, title: string, type: 'object', required?: string[],
 *   additionalProperties?: boolean }} ActionSchema
 */

/** @type {Record<string, ActionSpec>} */
const MYSQL_ACTIONS = {
  'get-cluster-status': {
    description: 'Get cluster status information',
    params: {
      'cluster-set': {
        type: 'boolean',
        default: false,
        description: 'Whether to fetch the cluster or cluster-set status. Possible values are False (default) or True.',
      },
    },
  },
  'get-password': {
    description: "Fetch the system user's password, which is used by charm. It is for internal charm users and SHOULD NOT be used by applications.",
    params: { username: { type: 'string', description: "The username, the default value 'root'. Possible values - root, serverconfig, clusteradmin." } },
  },
  'set-password': {
    description: "Change the system user's password, which is used by charm. It is for internal charm users and SHOULD NOT be used by applications.",
    params: {
      username: { type: 'string', description: "The username, the default value 'root'. Possible values - root, serverconfig, clusteradmin." },
      password: { type: 'string', description: 'The password will be auto-generated if this option is not specified.' },
    },
  },
  'create-backup': {
    description: 'Create a database backup using xtrabackup. S3 credentials are retrieved from a relation with the S3 integrator charm.',
    params: {},
  },
  'list-backups': { description: 'List available backup_ids in the S3 bucket and path provided by the S3 integrator charm.', params: {} },
  restore: {
    description: 'Restore a database backup using xtrabackup. S3 credentials are retrieved from a relation with the S3 integrator charm.',
    params: {
      'backup-id': { type: 'string', description: 'A backup-id to identify the backup to restore (format = %Y-%m-%dT%H:%M:%SZ)' },
      'restore-to-time': { type: 'string', description: 'Point-in-time-recovery target (format = %Y-%m-%d %H:%M:%S).' },
    },
  },
  'pre-upgrade-check': { description: 'Run necessary pre-upgrade checks and preparations before executing a charm refresh.', params: {} },
  'resume-upgrade': { description: 'Resume a rolling upgrade after asserting successful upgrade of a new revision.', params: {} },
};

/** create-backup's `force` as the charm declares it from PR #654 (wording abridged from the reference). */
const FORCE_PARAM = {
  type: 'boolean',
  default: false,
  description:
    'Whether to ignore cluster health concerns and create the backup regardless. Use it with caution, as it can potentially create a backup from stale data.',
};

/** @type {Record<string, ActionSpec>} */
const S3_INTEGRATOR_ACTIONS = {
  'sync-s3-credentials': {
    description: 'Add S3 credentials',
    params: {
      'access-key': { type: 'string', description: 'The access key for the S3 server' },
      'secret-key': { type: 'string', description: 'The secret key for the S3 server' },
    },
    required: ['access-key', 'secret-key'],
  },
  'get-s3-credentials': { description: 'Get S3 credentials', params: {} },
  'get-s3-connection-info': { description: 'Get the S3 integrator connection info', params: {} },
};

/** @type {Record<string, Record<string, ActionSpec>>} */
const CATALOG = { 'mysql-k8s': MYSQL_ACTIONS, 's3-integrator': S3_INTEGRATOR_ACTIONS };

/** name -> { description, params, required? } for the application's charm revision. @param {Application} app */
export function actionSpecs(app) {
  const base = structuredClone(CATALOG[app.charm] ?? {});
  if (app.charm === 'mysql-k8s' && app.forceParam) base['create-backup'].params.force = { ...FORCE_PARAM };
  // point-in-time recovery came with revision 254 (PR #600); before it restore takes backup-id only
  if (app.charm === 'mysql-k8s' && app.rev < PITR_REVISION) delete base.restore.params['restore-to-time'];
  return base;
}

/**
 * The JSON schema juju builds for one action (internal/charm/actions.go ReadActionsYaml).
 * @param {Application} app @param {string} name @param {ActionSpec} spec @param {string} jujuVersion
 */
export function actionSchema(app, name, spec, jujuVersion) {
  /** @type {ActionSchema} */
  const schema = { description: spec.description, properties: spec.params ?? {}, title: name, type: 'object' };
  if (spec.required) schema.required = spec.required;
  const additional = additionalProperties(app, jujuVersion);
  if (additional !== undefined) schema.additionalProperties = additional;
  return schema;
}

/** @param {Application} app @param {string} jujuVersion */
function additionalProperties(app, jujuVersion) {
  if (typeof app.additionalProperties === 'boolean') return app.additionalProperties;
  return Number(String(jujuVersion).split('.')[0]) >= 4 ? false : undefined;
}

/**
 * null when the parameters fit the schema, else juju's "validation failed: ..." message.
 * @param {ActionSchema} schema @param {Record<string, unknown>} params
 */
export function validateParams(schema, params) {
  const errors = [];
  const given = JSON.stringify(params);
  for (const [key, value] of Object.entries(params)) {
    const prop = schema.properties[key];
    if (!prop) {
      if (schema.additionalProperties === false) errors.push(`(root) : additional property ${JSON.stringify(key)} is not allowed, given ${given}`);
      continue;
    }
    if (prop.type && !typeMatches(prop.type, value)) errors.push(`(root).${key} : must be of type ${prop.type}, given ${JSON.stringify(value)}`);
  }
  for (const key of schema.required ?? []) if (!(key in params)) errors.push(`(root) : ${key} is required`);
  return errors.length ? `validation failed: ${errors.sort().join('; ')}` : null;
}

/** @param {string} type @param {unknown} value */
function typeMatches(type, value) {
  switch (type) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    default:
      return true;
  }
}

/**
 * Parameters with the schema's defaults filled in (juju inserts them before the charm sees them).
 * @param {ActionSchema} schema @param {Record<string, unknown>} params
 */
export function withDefaults(schema, params) {
  const out = { ...params };
  for (const [key, prop] of Object.entries(schema.properties)) if (!(key in out) && prop.default !== undefined) out[key] = prop.default;
  return out;
}
