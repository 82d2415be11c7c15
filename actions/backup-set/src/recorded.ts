import type { BackupSetRun } from './clients.js';
import { type Manifest, manifestKey, parseManifest } from '@ml-backup-actions/ckf-set';

export interface Recorded {
  manifest?: Manifest;
  url: string;
  /** Application to the charm backup-id an earlier attempt of the set made. */
  backupIds: Record<string, string>;
}

/**
 * What a set already holds, for a rerun of one of its jobs: the charm backup-ids recorded (a failed
 * databases job reports those that succeeded), so that backup-ckf-db reuses them instead of
 * making a second pair. A set not opened yet holds nothing.
 */
export async function recorded({ config, clients, log }: BackupSetRun): Promise<Recorded> {
  const { bucket } = clients;
  const key = manifestKey(config.s3.prefix, config.backupId);
  const url = bucket.url(key);
  if ((await bucket.size(key)) === undefined) {
    log.info(`${url} does not exist: backup set ${config.backupId} has recorded nothing`);
    return { url, backupIds: {} };
  }
  const manifest = parseManifest(await bucket.readText(key), url);
  const backups = manifest.components.databases.backups ?? {};
  const backupIds = Object.fromEntries(Object.entries(backups).map(([app, b]) => [app, b.backupId]));
  const listed = Object.entries(backupIds).map(([app, id]) => `${app} ${id}`);
  log.info(`backup set ${config.backupId} (${manifest.status}) recorded ${listed.length ? `charm backups: ${listed.join(', ')}` : 'no charm backup'}`);
  return { manifest, url, backupIds };
}
