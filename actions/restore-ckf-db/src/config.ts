import { Inputs, JUJU_MODEL_FORM, isJujuModel } from '@ml-backup-actions/core';
import { BACKUP_IDS_FORM, readApplications, readBackupIds } from '@ml-backup-actions/juju';
import { readS3Target, type S3Target } from '@ml-backup-actions/rclone';

export interface RestoreCkfDbConfig {
  jujuModel: string;
  /** mysql-k8s applications, in the order given. */
  applications: string[];
  /** The set's manifest: a key in the backup bucket, or s3://<bucket>/<key>. */
  manifest?: { bucket: string; key: string };
  /** Charm backup-ids given directly (no manifest, so no row counts to check). */
  backupIds: Record<string, string>;
  /** The backup bucket: where the manifest is read. */
  s3?: S3Target;
  actionTimeoutMinutes: number;
  scaleTimeoutMinutes: number;
  progressIntervalSeconds: number;
  pollIntervalSeconds: number;
  kubeconfig: string;
  ignoreRunningWorkloads: boolean;
  dryRun: boolean;
}

const MANIFEST_FORM = "the backup set's manifest: its key in the backup bucket (e.g. manifests/20261122T013045Z.json) or its URL s3://<bucket>/<key>";
const KEY = /^(?!\/)(?!.*\/\/)[\x21-\x7e]{1,1024}\.json$/;

/** Reads and validates every input; throws one error naming each bad input, before any side effect. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): RestoreCkfDbConfig {
  const inputs = new Inputs(env);
  const manifestRaw = inputs.raw('manifest').trim();
  const backupIds = readBackupIds(inputs, 'backup-ids');
  const given = [manifestRaw, inputs.raw('backup-ids').trim()].filter(Boolean).length;
  if (given !== 1) {
    inputs.problem(
      given ? 'backup-ids' : 'manifest',
      given
        ? 'and manifest are both given: give one, the manifest (whose row counts the restore is checked against) or backup-ids.'
        : `or backup-ids is required: manifest is ${MANIFEST_FORM}; backup-ids is ${BACKUP_IDS_FORM}.`,
    );
  }
  const applications = readApplications(inputs);
  // The bucket is needed to read a manifest; with backup-ids only, nothing is read from it.
  const s3 = manifestRaw || inputs.raw('s3-bucket') ? readS3Target(inputs, env, 'manifests') : undefined;
  const config: RestoreCkfDbConfig = {
    jujuModel: inputs.text('juju-model', { default: 'kubeflow', form: JUJU_MODEL_FORM, valid: isJujuModel }),
    applications,
    manifest: manifestRaw ? readManifest(inputs, manifestRaw, s3) : undefined,
    backupIds,
    s3,
    actionTimeoutMinutes: inputs.number('action-timeout-minutes', { default: 120, min: 0.1, max: 1440 }),
    scaleTimeoutMinutes: inputs.number('scale-timeout-minutes', { default: 20, min: 0.1, max: 240 }),
    progressIntervalSeconds: inputs.integer('progress-interval-seconds', { default: 30, min: 1, max: 600 }),
    pollIntervalSeconds: inputs.number('poll-interval-seconds', { default: 2, min: 0.1, max: 60 }),
    kubeconfig: inputs.secret('kubeconfig', { multiline: true }),
    ignoreRunningWorkloads: inputs.boolean('ignore-running-workloads', false),
    dryRun: inputs.boolean('dry-run', false),
  };
  const notNamed = Object.keys(backupIds).filter((app) => !applications.includes(app));
  const unnamed = applications.filter((app) => Object.keys(backupIds).length && !backupIds[app]);
  if (notNamed.length || unnamed.length) {
    inputs.problem(
      'backup-ids',
      `must give a backup-id for each of applications (${applications.join(', ')}) and no other${unnamed.length ? `; none for ${unnamed.join(', ')}` : ''}${notNamed.length ? `; not in applications: ${notNamed.join(', ')}` : ''}.`,
    );
  }
  inputs.done();
  return config;
}

function readManifest(inputs: Inputs, raw: string, s3: S3Target | undefined): { bucket: string; key: string } | undefined {
  const url = /^s3:\/\/([^/]+)\/(.+)$/.exec(raw);
  const bucket = url ? url[1] : s3?.bucket;
  const key = url ? url[2] : raw;
  if (!KEY.test(key) || (url && s3 && url[1] !== s3.bucket)) {
    const why = url && s3 && url[1] !== s3.bucket ? `; it names bucket ${url[1]}, but s3-bucket is ${s3.bucket}` : '';
    inputs.problem('manifest', `must be ${MANIFEST_FORM}${why}.`);
    return undefined;
  }
  return bucket ? { bucket, key } : undefined;
}
