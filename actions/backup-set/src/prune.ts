import { ActionError, errorMessage, formatBytes } from '@ml-backup-actions/core';
import type { BackupSetRun } from './clients.js';
import { type Manifest, parseManifest } from './manifest.js';

export interface PruneResult {
  kept: string[];
  deleted: string[];
  /** Sets whose manifest could not be read: never touched. */
  unreadable: string[];
  objects: number;
  bytes: number;
}

/**
 * Retention: keeps the newest `keep` sets, and the newest complete set whatever its age; deletes
 * the other sets' MLMD artifacts, mlpipeline archives and, last, their manifests. An archive holds
 * what its set's sync replaced, which restoring any older set needs, so only archives of sets
 * older than every kept set go. Charm backups are left to the charm (s3-integrator's retention). Nothing a kept set
 * names is deleted, nor anything under a mirror prefix, and nothing at all unless the newest
 * complete set has passed verify; dry-run only lists.
 */
export async function prune({ config, clients, log }: BackupSetRun): Promise<PruneResult> {
  const { bucket } = clients;
  const prefix = config.s3.prefix;
  const listing = await bucket.list(prefix);
  const manifestKeys = [...listing.keys()].filter((k) => k.endsWith('.json') && !k.slice(prefix.length + 1).includes('/'));
  const sets: { key: string; manifest: Manifest }[] = [];
  const unreadable: string[] = [];
  for (const key of manifestKeys) {
    try {
      sets.push({ key, manifest: parseManifest(await bucket.readText(key), bucket.url(key)) });
    } catch (err) {
      unreadable.push(key);
      log.warning(`left alone: ${errorMessage(err)}`);
    }
  }
  sets.sort((a, b) => b.manifest.startedAt.localeCompare(a.manifest.startedAt) || b.manifest.backupId.localeCompare(a.manifest.backupId));

  const kept = sets.slice(0, config.keep);
  const newestComplete = sets.find((s) => s.manifest.status === 'complete');
  if (newestComplete && !kept.includes(newestComplete)) {
    kept.push(newestComplete);
    log.info(`keeping ${newestComplete.manifest.backupId} beyond the newest ${config.keep}: it is the newest complete set`);
  }
  if (!newestComplete) log.warning('there is no complete backup set in the bucket');
  const doomed = sets.filter((s) => !kept.includes(s));
  // Proof first: nothing is deleted unless a complete set remains that verify has passed.
  if (doomed.length && !config.dryRun && !newestComplete?.manifest.verification?.ok) {
    throw new ActionError(
      newestComplete
        ? `nothing is deleted: the newest complete set, ${newestComplete.manifest.backupId}, has not passed verify (run backup-set with mode verify on it first)`
        : 'nothing is deleted: there is no complete backup set in the bucket, so every set is kept',
    );
  }

  // Restoring a set's mirror takes the archives of every newer set, so those stay.
  const oldestKept = Math.max(-1, ...kept.map((s) => sets.indexOf(s)));
  const protectedKeys = new Set(kept.flatMap((s) => artifacts(s.manifest).map((a) => a.key)));
  const mirrors = sets.map((s) => s.manifest.components.mlpipeline.prefix).filter((p): p is string => Boolean(p));
  const result: PruneResult = { kept: kept.map((s) => s.manifest.backupId), deleted: [], unreadable, objects: 0, bytes: 0 };
  for (const set of doomed) {
    // Sizes as recorded (artifacts) or as listed (archives): no object is looked up one by one.
    const doomedSizes = new Map<string, number>();
    for (const { key, bytes } of artifacts(set.manifest)) if (!protectedKeys.has(key)) doomedSizes.set(key, bytes);
    const archive = set.manifest.components.mlpipeline.archivePrefix?.replace(/\/+$/, '');
    if (archive && sets.indexOf(set) < oldestKept) {
      log.info(`${set.manifest.backupId}: its archive ${archive} is kept: restoring the older kept set ${sets[oldestKept].manifest.backupId} needs it`);
    } else if (archive && !mirrors.some((m) => m === archive || m.startsWith(`${archive}/`) || archive.startsWith(`${m}/`))) {
      const archived = await bucket.list(archive);
      for (const [key, bytes] of archived) if (!protectedKeys.has(key)) doomedSizes.set(key, bytes);
    } else if (archive) {
      log.warning(`${set.manifest.backupId}: archive prefix ${archive} overlaps an mlpipeline mirror; it is left alone`);
    }
    const keys = [...doomedSizes.keys()];
    const bytes = [...doomedSizes.values()].reduce((a, b) => a + b, 0);
    const what = `${set.manifest.backupId} (${set.manifest.status}, started ${set.manifest.startedAt}): ${keys.length} objects, ${formatBytes(bytes)}, then its manifest`;
    if (config.dryRun) {
      log.info(`would delete ${what}`);
    } else {
      log.info(`deleting ${what}`);
      await bucket.delete(keys);
      await bucket.delete([set.key]);
    }
    result.deleted.push(set.manifest.backupId);
    result.objects += keys.length + 1;
    result.bytes += bytes + (listing.get(set.key) ?? 0);
  }
  return result;
}

/** The objects a set owns outright: its MLMD artifact and sidecar (not the shared mirror). */
function artifacts(m: Manifest): { key: string; bytes: number }[] {
  const { object, sidecar } = m.components.mlmd;
  return [object, sidecar].flatMap((l) => (l && l.bucket === m.target.bucket ? [{ key: l.key, bytes: l.bytes }] : []));
}
