import { ActionError } from '@ml-backup-actions/core';
import { type BackupBucket, type CharmBackup, parseManifest } from '@ml-backup-actions/ckf-set';
import type { Logger } from '@ml-backup-actions/core';
import type { RestoreCkfDbConfig } from './config.js';

/** The charm backup to restore per application, and what the set recorded of it. */
export type Backups = Record<string, CharmBackup>;

/**
 * The backups the run restores: from the set's manifest (its databases component must be
 * complete, with a backup of every application asked for), or from backup-ids as given.
 */
export async function readBackups(config: RestoreCkfDbConfig, bucket: BackupBucket | undefined, log: Logger): Promise<{ backups: Backups; source: string }> {
  if (!config.manifest || !bucket) {
    const backups = Object.fromEntries(config.applications.map((app) => [app, { backupId: config.backupIds[app] }]));
    return { backups, source: 'backup-ids (no manifest: row counts are not checked)' };
  }
  const url = bucket.url(config.manifest.key);
  if ((await bucket.size(config.manifest.key)) === undefined) throw new ActionError(`manifest ${url} does not exist`);
  const manifest = parseManifest(await bucket.readText(config.manifest.key), url);
  const dbs = manifest.components.databases;
  if (dbs.status !== 'complete') {
    throw new ActionError(
      `backup set ${manifest.backupId} (${url}) has no complete database backups: its databases component is ${dbs.status}${dbs.error ? ` (${dbs.error})` : ''}`,
    );
  }
  const missing = config.applications.filter((app) => !dbs.backups?.[app]);
  if (missing.length) {
    const has = Object.keys(dbs.backups ?? {});
    throw new ActionError(`backup set ${manifest.backupId} (${url}) holds no backup of ${missing.join(', ')}; it has ${has.length ? has.join(', ') : 'none'}`);
  }
  if (manifest.status !== 'complete')
    log.warning(`backup set ${manifest.backupId} is ${manifest.status}: only its databases are restored here, and they are complete`);
  if (!manifest.verification?.ok)
    log.warning(`backup set ${manifest.backupId} has ${manifest.verification ? 'failed' : 'not passed'} verification (backup-set mode verify)`);
  const recorded = dbs.backups ?? {};
  const backups = Object.fromEntries(config.applications.map((app) => [app, recorded[app]]));
  return { backups, source: `backup set ${manifest.backupId} (${url}, manifest version ${manifest.manifestVersion})` };
}
