import type { Manifest } from '@ml-backup-actions/ckf-set';

/** A prefix without trailing slashes. */
export const trimPrefix = (p: string): string => p.replace(/\/+$/, '');

/** True when one prefix holds the other (or they are the same folder). */
function overlaps(a: string, b: string): boolean {
  const [x, y] = [trimPrefix(a), trimPrefix(b)];
  return x === y || x.startsWith(`${y}/`) || y.startsWith(`${x}/`);
}

/** True when key lies under prefix. */
export const under = (key: string, prefix: string): boolean => key.startsWith(`${trimPrefix(prefix)}/`);

/** A key where a manifest lives: <prefix>/<name>.json, directly in the manifests' folder. */
export function isManifestKey(key: string, prefix: string): boolean {
  const p = trimPrefix(prefix);
  const rest = p ? (under(key, p) ? key.slice(p.length + 1) : undefined) : key;
  return rest !== undefined && rest.endsWith('.json') && !rest.includes('/');
}

const folderOf = (key: string): string | undefined => (key.includes('/') ? key.slice(0, key.lastIndexOf('/')) : undefined);

/**
 * The folders a set's own layout uses: where the manifests are, the mlpipeline mirror, and the
 * folders of the MLMD object and sidecar. An archive holds whatever the mirror replaced, under
 * any name, so an archive that shares one of these folders cannot be told apart from the set's
 * own data: it is refused when recorded, and retention leaves it alone.
 */
function layoutFolders(m: Manifest, manifestsPrefix: string): { what: string; prefix: string }[] {
  const folders: { what: string; prefix: string }[] = [];
  if (trimPrefix(manifestsPrefix)) folders.push({ what: 'the backup sets’ manifests', prefix: trimPrefix(manifestsPrefix) });
  const { mlpipeline, mlmd } = m.components;
  if (mlpipeline.prefix) folders.push({ what: 'the mlpipeline mirror', prefix: trimPrefix(mlpipeline.prefix) });
  for (const [what, loc] of [
    ['the MLMD backups', mlmd.object],
    ['the MLMD sidecars', mlmd.sidecar],
  ] as const) {
    const folder = loc && loc.bucket === m.target.bucket ? folderOf(loc.key) : undefined;
    if (folder && !folders.some((f) => f.prefix === folder)) folders.push({ what, prefix: folder });
  }
  return folders;
}

/** The first folder of the layout that the archive shares, if any. */
export function archiveClash(archive: string, m: Manifest, manifestsPrefix: string): { what: string; prefix: string } | undefined {
  return layoutFolders(m, manifestsPrefix).find((f) => overlaps(archive, f.prefix));
}
