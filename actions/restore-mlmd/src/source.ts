import { ActionError, errorMessage, type Logger } from '@ml-backup-actions/core';
import { parseManifest, type BackupBucket } from '@ml-backup-actions/ckf-set';
import type { RestoreMlmdConfig } from './config.js';
import type { Source } from './report.js';

interface Sidecar {
  kind?: string;
  'backup-id'?: string;
  format?: string;
  object?: { key?: string; sha256?: string; 'size-bytes'?: number };
  database?: { 'schema-version'?: number; 'row-counts'?: Record<string, number> };
}

/**
 * What to restore, from the set's manifest (its mlmd component must be complete) or from
 * object-url; either way its sidecar, which says the format, the object's sha256 and size, and the
 * database's schema version and row counts. A manifest that disagrees with its sidecar is refused.
 */
export async function readSource(config: RestoreMlmdConfig, bucket: BackupBucket, log: Logger): Promise<Source> {
  let objectKey = config.objectKey;
  let sidecarKey = objectKey ? `${objectKey}.json` : undefined;
  let from = `object-url ${bucket.url(objectKey ?? '')}`;
  let recorded: { sha256?: string; bytes?: number; rowCounts?: Record<string, number>; schemaVersion?: number; format?: string } = {};
  if (config.manifest) {
    const url = bucket.url(config.manifest);
    if ((await bucket.size(config.manifest)) === undefined) throw new ActionError(`manifest ${url} does not exist`);
    const manifest = parseManifest(await bucket.readText(config.manifest), url);
    const mlmd = manifest.components.mlmd;
    if (mlmd.status !== 'complete' || !mlmd.object) {
      throw new ActionError(
        `backup set ${manifest.backupId} (${url}) has no complete MLMD backup: its mlmd component is ${mlmd.status}${mlmd.error ? ` (${mlmd.error})` : ''}`,
      );
    }
    if (mlmd.object.bucket !== bucket.bucket)
      throw new ActionError(`backup set ${manifest.backupId} keeps its MLMD object in bucket ${mlmd.object.bucket}, not ${bucket.bucket}`);
    objectKey = mlmd.object.key;
    sidecarKey = mlmd.sidecar?.key ?? `${objectKey}.json`;
    from = `backup set ${manifest.backupId} (${url})`;
    recorded = { sha256: mlmd.object.sha256, bytes: mlmd.object.bytes, rowCounts: mlmd.rowCounts, schemaVersion: mlmd.schemaVersion, format: mlmd.format };
    if (!manifest.verification?.ok)
      log.warning(`backup set ${manifest.backupId} has ${manifest.verification ? 'failed' : 'not passed'} verification (backup-set mode verify)`);
  }
  if (!objectKey || !sidecarKey) throw new ActionError('no object to restore');

  let side: Sidecar;
  try {
    side = JSON.parse(await bucket.readText(sidecarKey)) as Sidecar;
  } catch (err) {
    throw new ActionError(
      `the sidecar ${bucket.url(sidecarKey)} of ${bucket.url(objectKey)} could not be read (${errorMessage(err)}); an object without it is not restored`,
    );
  }
  const format = side.format;
  const sha256 = side.object?.sha256;
  const bytes = side.object?.['size-bytes'];
  const schemaVersion = side.database?.['schema-version'];
  const rowCounts = side.database?.['row-counts'];
  const missing = [
    format === 'dump' || format === 'sqlite' ? '' : 'format (dump or sqlite)',
    typeof sha256 === 'string' && /^[0-9a-f]{64}$/.test(sha256) ? '' : 'object.sha256',
    Number.isInteger(bytes) ? '' : 'object.size-bytes',
    Number.isInteger(schemaVersion) ? '' : 'database.schema-version',
    rowCounts && typeof rowCounts === 'object' ? '' : 'database.row-counts',
  ].filter(Boolean);
  if (missing.length)
    throw new ActionError(
      `the sidecar ${bucket.url(sidecarKey)} lacks ${missing.join(', ')}: not a backup-mlmd sidecar this action can check a restore against`,
    );
  const ext = format === 'dump' ? '.dump.gz' : '.sqlite.gz';
  if (!objectKey.endsWith(ext)) throw new ActionError(`${bucket.url(objectKey)} is named for another format than its sidecar's (${format}: ${ext})`);
  const source: Source = {
    from,
    objectKey,
    objectUrl: bucket.url(objectKey),
    sidecarKey,
    format: format as Source['format'],
    sha256: sha256 as string,
    bytes: bytes as number,
    schemaVersion: schemaVersion as number,
    rowCounts: rowCounts as Record<string, number>,
    backupId: side['backup-id'],
  };
  const differs = [
    recorded.sha256 !== undefined && recorded.sha256 !== source.sha256 ? `sha256 ${recorded.sha256} vs ${source.sha256}` : '',
    recorded.bytes !== undefined && recorded.bytes !== source.bytes ? `size ${recorded.bytes} vs ${source.bytes}` : '',
    recorded.format !== undefined && recorded.format !== source.format ? `format ${recorded.format} vs ${source.format}` : '',
    recorded.schemaVersion !== undefined && recorded.schemaVersion !== source.schemaVersion
      ? `schema version ${recorded.schemaVersion} vs ${source.schemaVersion}`
      : '',
    recorded.rowCounts && JSON.stringify(sorted(recorded.rowCounts)) !== JSON.stringify(sorted(source.rowCounts)) ? 'row counts' : '',
  ].filter(Boolean);
  if (differs.length) throw new ActionError(`the manifest and the sidecar ${bucket.url(sidecarKey)} disagree (manifest vs sidecar): ${differs.join('; ')}`);
  return source;
}

const sorted = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
