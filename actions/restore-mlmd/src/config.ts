import {
  ABSOLUTE_PATH_FORM,
  BACKUP_ID_FORM,
  DNS_LABEL_FORM,
  DNS_SUBDOMAIN_FORM,
  Inputs,
  JUJU_APPLICATION_FORM,
  JUJU_MODEL_FORM,
  isAbsoluteFilePath,
  isBackupId,
  isDnsLabel,
  isDnsSubdomain,
  isJujuApplication,
  isJujuModel,
  utcStamp,
} from '@ml-backup-actions/core';
import { readS3Target, type S3Target } from '@ml-backup-actions/rclone';

export interface RestoreMlmdConfig {
  /** The backup set's manifest, whose MLMD component names the object: a key in s3-bucket. */
  manifest?: string;
  /** Or the backup object itself (its sidecar is <key>.json): a key in s3-bucket. */
  objectKey?: string;
  namespace: string;
  pod: string;
  /** '' means: detect from the pod spec. */
  container: string;
  dbPath: string;
  jujuModel: string;
  writerApplication: string;
  /** Names the safety copy's folder, <prefix>/pre-restore/<restore-id>/. */
  restoreId: string;
  s3: S3Target;
  kubeconfig: string;
  timeoutMinutes: number;
  progressIntervalSeconds: number;
  dryRun: boolean;
}

const MANIFEST_FORM = "the backup set's manifest: its key in s3-bucket (e.g. manifests/20261122T013045Z.json) or s3://<s3-bucket>/<key>";
const OBJECT_FORM = 'a backup-mlmd object: its key in s3-bucket or s3://<s3-bucket>/<key>, ending .dump.gz or .sqlite.gz (its sidecar is <key>.json)';
const KEY = /^(?!\/)(?!.*\/\/)[\x21-\x7e]{1,1000}$/;

/** Reads and validates every input; throws one error naming each bad input, before any side effect. */
export function readConfig(env: NodeJS.ProcessEnv = process.env, now = new Date()): RestoreMlmdConfig {
  const inputs = new Inputs(env);
  const manifestRaw = inputs.raw('manifest').trim();
  const objectRaw = inputs.raw('object-url').trim();
  if (!manifestRaw === !objectRaw) {
    inputs.problem(
      manifestRaw ? 'object-url' : 'manifest',
      manifestRaw
        ? 'and manifest are both given: give one, the manifest or the object-url.'
        : `or object-url is required: manifest is ${MANIFEST_FORM}; object-url is ${OBJECT_FORM}.`,
    );
  }
  const s3 = readS3Target(inputs, env, 'mlmd');
  const config: RestoreMlmdConfig = {
    manifest: manifestRaw ? readKey(inputs, s3, { name: 'manifest', raw: manifestRaw, form: MANIFEST_FORM, ending: /\.json$/ }) : undefined,
    objectKey: objectRaw ? readKey(inputs, s3, { name: 'object-url', raw: objectRaw, form: OBJECT_FORM, ending: /\.(dump|sqlite)\.gz$/ }) : undefined,
    namespace: inputs.text('namespace', { default: 'kubeflow', form: DNS_LABEL_FORM, valid: isDnsLabel }),
    pod: inputs.text('pod', { default: 'mlmd-0', form: DNS_SUBDOMAIN_FORM, valid: isDnsSubdomain }),
    container: inputs.text('container', { form: DNS_LABEL_FORM, valid: isDnsLabel }),
    dbPath: inputs.text('db-path', { default: '/data/mlmd.db', form: ABSOLUTE_PATH_FORM, valid: isAbsoluteFilePath }),
    jujuModel: inputs.text('juju-model', { default: 'kubeflow', form: JUJU_MODEL_FORM, valid: isJujuModel }),
    writerApplication: inputs.text('writer-application', { default: 'kfp-metadata-writer', form: JUJU_APPLICATION_FORM, valid: isJujuApplication }),
    restoreId: inputs.text('restore-id', { default: utcStamp(now), form: BACKUP_ID_FORM, valid: isBackupId }),
    s3,
    kubeconfig: inputs.secret('kubeconfig', { multiline: true }),
    timeoutMinutes: inputs.number('timeout-minutes', { default: 60, min: 0.1, max: 1440 }),
    progressIntervalSeconds: inputs.integer('progress-interval-seconds', { default: 20, min: 1, max: 30 }),
    dryRun: inputs.boolean('dry-run', false),
  };
  inputs.done();
  return config;
}

/** A key in the backup bucket, given as the key or as s3://<s3-bucket>/<key>. */
function readKey(inputs: Inputs, s3: S3Target, { name, raw, form, ending }: { name: string; raw: string; form: string; ending: RegExp }): string | undefined {
  const url = /^s3:\/\/([^/]+)\/(.+)$/.exec(raw);
  const key = url ? url[2] : raw;
  if (url && url[1] !== s3.bucket) {
    inputs.problem(name, `must be ${form}; it names bucket ${url[1]}, but s3-bucket is ${s3.bucket}.`);
    return undefined;
  }
  if (!KEY.test(key) || !ending.test(key) || /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) !== Boolean(url)) {
    inputs.problem(name, `must be ${form}.`);
    return undefined;
  }
  return key;
}

/** Where the live database is kept before it is replaced: <prefix>/pre-restore/<restore-id>/mlmd.sqlite.gz and its sidecar. */
export function safetyNames(config: RestoreMlmdConfig): { object: string; sidecar: string } {
  const object = `${config.s3.prefix}/pre-restore/${config.restoreId}/mlmd-${config.restoreId}.sqlite.gz`;
  return { object, sidecar: `${object}.json` };
}
