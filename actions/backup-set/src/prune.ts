import { ActionError, errorMessage, formatBytes } from '@ml-backup-actions/core';
import type { BackupSetRun } from './clients.js';
import { archiveClash, isManifestKey, trimPrefix, under } from './layout.js';
import { type Manifest, manifestText, parseManifest } from '@ml-backup-actions/ckf-set';

export interface PruneResult {
  kept: string[];
  deleted: string[];
  /** Each set deleted (or, in a dry run, to be): what a reviewer of the deletion reads. */
  sets: { backupId: string; status: string; startedAt: string; objects: number; bytes: number }[];
  /** Manifests that are not a backup set's (another kind or version, not JSON): never touched. */
  unreadable: string[];
  objects: number;
  bytes: number;
}

/**
 * Retention: keeps the newest `keep` sets, and the newest complete set whatever its age; deletes
 * the other sets' MLMD artifacts, mlpipeline archives and, last, their manifests. An archive holds
 * what its set's sync replaced, which restoring any older set needs, so only archives of sets
 * older than every kept set go, and only what no kept set owns (keptKeys); an archive that shares a
 * folder of any set's layout (manifests, a mirror, the MLMD backups) is left alone whole. Charm
 * backups are left to the charm (s3-integrator's retention). Nothing at all is deleted unless the
 * newest complete set has passed verify; dry-run only lists.
 */
export async function prune({ config, clients, log }: BackupSetRun): Promise<PruneResult> {
  const { bucket } = clients;
  const prefix = config.s3.prefix;
  const listing = await bucket.list(prefix);
  const manifestKeys = [...listing.keys()].filter((k) => isManifestKey(k, prefix));
  const sets: { key: string; manifest: Manifest }[] = [];
  const unreadable: string[] = [];
  for (const key of manifestKeys) {
    // A manifest that cannot be read fails the prune (nothing is deleted yet); one that is not a set's is left alone.
    const text = await bucket.readText(key);
    try {
      sets.push({ key, manifest: parseManifest(text, bucket.url(key)) });
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
  const due = sets.filter((s) => !kept.includes(s));
  // What a reviewer approved (a dry run's list) bounds what goes: a set due since then waits for the next approval.
  const doomed = config.deleteOnly ? due.filter((s) => config.deleteOnly?.includes(s.manifest.backupId)) : due;
  for (const s of due.filter((d) => !doomed.includes(d)))
    log.info(`keeping ${s.manifest.backupId} this time: it is due, but not in delete-only (the approved list)`);
  kept.push(...due.filter((d) => !doomed.includes(d)));
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
  const owned = keptKeys(kept, prefix);
  const result: PruneResult = { kept: kept.map((s) => s.manifest.backupId), deleted: [], sets: [], unreadable, objects: 0, bytes: 0 };
  for (const set of doomed) {
    // Sizes as recorded (artifacts) or as listed (archives): no object is looked up one by one.
    const doomedSizes = new Map<string, number>();
    for (const { key, bytes } of artifacts(set.manifest)) if (!owned(key)) doomedSizes.set(key, bytes);
    const archive = set.manifest.components.mlpipeline.archivePrefix;
    const id = set.manifest.backupId;
    if (archive && sets.indexOf(set) < oldestKept) {
      log.info(`${id}: its archive ${archive} is kept: restoring the older kept set ${sets[oldestKept].manifest.backupId} needs it`);
    } else if (archive) {
      const clash = sets.map((s) => archiveClash(archive, s.manifest, prefix)).find(Boolean);
      if (clash) {
        log.warning(`${id}: its archive prefix ${archive} shares the folder ${clash.prefix} with ${clash.what}; it is left alone`);
      } else {
        let spared = 0;
        for (const [key, bytes] of await bucket.list(trimPrefix(archive))) {
          if (owned(key)) spared++;
          else doomedSizes.set(key, bytes);
        }
        if (spared) log.info(`${id}: ${spared} objects under its archive ${archive} belong to a kept set and stay`);
      }
    }
    const keys = [...doomedSizes.keys()];
    const bytes = [...doomedSizes.values()].reduce((a, b) => a + b, 0);
    const what = `${set.manifest.backupId} (${set.manifest.status}, started ${set.manifest.startedAt}): ${keys.length} objects, ${formatBytes(bytes)}, then its manifest`;
    if (config.dryRun) {
      log.info(`would delete ${what}`);
    } else {
      log.info(`deleting ${what}`);
      // Stopped half-way, the set must not still say complete and verified over missing objects.
      if (keys.length) await bucket.writeText(set.key, manifestText(condemned(set.manifest, config.keep)));
      await bucket.delete(keys);
      await bucket.delete([set.key]);
    }
    result.deleted.push(set.manifest.backupId);
    const { backupId, status, startedAt } = set.manifest;
    result.sets.push({ backupId, status, startedAt, objects: keys.length + 1, bytes: bytes + (listing.get(set.key) ?? 0) });
    result.objects += keys.length + 1;
    result.bytes += bytes + (listing.get(set.key) ?? 0);
  }
  return result;
}

/**
 * What the kept sets own, from their manifests alone: every manifest, each kept set's MLMD
 * artifacts, and everything under a kept set's mirror or archive. A doomed set's key is deleted
 * only when none of these holds it.
 */
function keptKeys(kept: { manifest: Manifest }[], prefix: string): (key: string) => boolean {
  const keys = new Set(kept.flatMap((s) => artifacts(s.manifest).map((a) => a.key)));
  const folders = kept
    .flatMap(({ manifest: m }) => [m.components.mlpipeline.prefix, m.components.mlpipeline.archivePrefix])
    .filter((p): p is string => Boolean(p));
  return (key) => keys.has(key) || isManifestKey(key, prefix) || folders.some((f) => under(key, f));
}

/** The objects a set owns outright: its MLMD artifact and sidecar (not the shared mirror). */
function artifacts(m: Manifest): { key: string; bytes: number }[] {
  const { object, sidecar } = m.components.mlmd;
  return [object, sidecar].flatMap((l) => (l && l.bucket === m.target.bucket ? [{ key: l.key, bytes: l.bytes }] : []));
}

/** The manifest of a set being deleted: incomplete, with a failed retention check saying why. */
function condemned(m: Manifest, keep: number, now = new Date()): Manifest {
  const detail = `being deleted by prune (keep ${keep}) since ${now.toISOString()}: its objects may be partly gone; a next prune finishes it`;
  return { ...m, status: 'incomplete', verification: { at: now.toISOString(), ok: false, checks: [{ what: 'retention', ok: false, detail }] } };
}
