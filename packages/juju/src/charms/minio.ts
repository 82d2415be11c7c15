// What this suite knows of the minio charm: where its keys are (its config, and the object-storage
// relation data it publishes to kfp-ui).
import { ActionError, registerSecret, type Logger } from '@ml-backup-actions/core';
import { JujuError, type JujuCli } from '../cli.js';
import { readApplication } from '../status.js';
import { byUnitNumber, isDying } from '../units.js';
import { parseObjectStorageData, type ObjectStorageData } from './minio-relation-data.js';

/** The minio charm's default access-key (its config.yaml): public, so masking it would hide nothing. */
export const MINIO_DEFAULT_ACCESS_KEY = 'minio';

export interface MinioCredentials {
  accessKey: string;
  secretKey: string;
  /** Where they came from, for the log and the summary (never the values). */
  source: string;
  /** What minio published besides the keys: port, service and namespace. */
  published?: Omit<ObjectStorageData, 'accessKey' | 'secretKey'>;
}

/**
 * The runbook's way to the MinIO keys: the access key from `juju config <minio> access-key`, the
 * secret key from the object-storage relation data minio gives kfp-ui (`juju show-unit kfp-ui/N`:
 * the minio charm generates the secret and publishes it only there). Both are masked as read.
 */
export async function credentialsFromJuju(juju: JujuCli, apps: { minio: string; consumer: string }, log: Logger): Promise<MinioCredentials> {
  const { minio, consumer } = apps;
  const { stdout } = await juju.call('config', [minio, 'access-key'], { subject: minio });
  const accessKey = stdout.trim();
  // The charm's default is public knowledge; masking it would blank the word "minio" in every
  // line of the job log (and refuse any output naming it). Any other access key is masked.
  if (accessKey !== MINIO_DEFAULT_ACCESS_KEY) registerSecret(accessKey);
  if (!accessKey)
    throw new ActionError(`juju config ${minio} access-key printed nothing in model "${juju.model}"; set it, or pass minio-access-key and minio-secret-key`);

  const unit = await consumerUnit(juju, consumer, minio);
  const data = await objectStorageData(juju, unit, minio, consumer);
  const parsed = parseObjectStorageData(data);
  if (parsed.accessKey !== accessKey) {
    log.warning(
      `the access key ${minio} publishes to ${consumer} differs from \`juju config ${minio} access-key\`; using the configured one, as the runbook does`,
    );
  }
  const { accessKey: _published, secretKey, ...published } = parsed;
  return {
    accessKey,
    secretKey,
    source: `juju config ${minio} access-key; ${unit}'s object-storage relation data (model ${juju.model})`,
    published,
  };
}

/** A living unit of the consumer application, named by `juju status` (not assumed to be /0). */
async function consumerUnit(juju: JujuCli, consumer: string, minio: string): Promise<string> {
  const app = await readApplication(juju, consumer);
  const units = Object.values(app.units)
    .filter((u) => !isDying(u))
    .map((u) => u.name)
    .sort(byUnitNumber);
  if (!units.length) {
    throw new ActionError(
      `${consumer} has no running unit in model "${juju.model}", so the object-storage relation data ${minio} gives it cannot be read; ` +
        `bring ${consumer} back, or pass minio-access-key and minio-secret-key`,
    );
  }
  return units[0];
}

interface RelationInfo {
  endpoint?: string;
  'application-data'?: Record<string, unknown>;
  'related-units'?: Record<string, unknown>;
}

/** application-data.data of the unit's object-storage relation, checked to come from minio. */
async function objectStorageData(juju: JujuCli, unit: string, minio: string, consumer: string): Promise<string> {
  // parsed here rather than with callJson, whose error would quote the output (and the secret in it)
  const { stdout } = await juju.call('show-unit', ['--format', 'json', unit], { subject: unit });
  let shown: Record<string, { 'relation-info'?: RelationInfo[] }>;
  try {
    shown = JSON.parse(stdout) as typeof shown;
  } catch {
    throw new JujuError(
      'unexpected-output',
      `juju show-unit ${unit} printed something that is not JSON (${stdout.length} characters, not shown: it may hold the secret)`,
    );
  }
  const relations = (shown?.[unit]?.['relation-info'] ?? []).filter((r) => r.endpoint === 'object-storage');
  if (!relations.length) {
    throw new ActionError(
      `${unit} has no object-storage relation in model "${juju.model}" (juju show-unit ${unit} lists none), so there is no MinIO secret to read; ` +
        `relate them (juju integrate ${minio} ${consumer}), or pass minio-access-key and minio-secret-key`,
    );
  }
  const fromMinio = relations.filter((r) => {
    const remote = Object.keys(r['related-units'] ?? {});
    return !remote.length || remote.some((u) => u.startsWith(`${minio}/`));
  });
  if (!fromMinio.length) {
    const others = [...new Set(relations.flatMap((r) => Object.keys(r['related-units'] ?? {}).map((u) => u.split('/')[0])))];
    throw new ActionError(`${unit}'s object-storage relation is with ${others.join(', ')}, not ${minio}; set minio-application to the MinIO application`);
  }
  const data = fromMinio[0]['application-data']?.data;
  if (typeof data !== 'string' || !data.trim()) {
    throw new ActionError(
      `${minio} has not published its object-storage data to ${unit} yet (no "data" in the relation's application data); ` +
        `wait until ${minio} is active, or pass minio-access-key and minio-secret-key`,
    );
  }
  return data;
}
