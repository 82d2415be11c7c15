import type { Rclone, RcloneRun } from './rclone.js';

/** Object sizes by path relative to the listed path. */
export type Listing = Map<string, number>;

export interface ListingRun extends RcloneRun {
  objects: Listing;
}

// --no-modtime: on S3 a modification time costs a HEAD per object; sizes come with the listing.
const LIST_FLAGS = ['-R', '--files-only', '--fast-list', '--no-modtime', '--no-mimetype'];

/**
 * Every object under a path with its size, parsed line by line as rclone prints it, so a bucket of
 * millions of objects costs one map entry each. An S3 prefix without objects lists as empty; a
 * missing bucket ends with exit code 3 ("directory not found").
 */
export async function listObjects(rclone: Rclone, path: string, options: { signal?: AbortSignal; extraArgs?: readonly string[] } = {}): Promise<ListingRun> {
  const objects: Listing = new Map();
  const run = await rclone.run('lsjson', [path, ...LIST_FLAGS, ...(options.extraArgs ?? [])], {
    signal: options.signal,
    onStdoutLine: (line) => {
      const entry = parseListingLine(line);
      if (entry) objects.set(entry.Path, entry.Size);
    },
  });
  return { ...run, objects };
}

/** One line of `rclone lsjson` output: `{...},`, `{...}` or a bracket. */
export function parseListingLine(line: string): { Path: string; Size: number } | undefined {
  const text = line.trim();
  if (!text.startsWith('{')) return undefined;
  const entry = JSON.parse(text.endsWith(',') ? text.slice(0, -1) : text) as { Path?: unknown; Size?: unknown };
  if (typeof entry.Path !== 'string' || typeof entry.Size !== 'number') return undefined;
  return { Path: entry.Path, Size: entry.Size };
}

export interface Comparison {
  /** Source objects present in the target with the same size. */
  same: number;
  /** Source objects absent from the target. */
  missing: string[];
  /** Source objects present in the target with another size. */
  different: string[];
}

/** `rclone check --one-way --size-only` on two listings taken already. */
export function compareListings(source: Listing, target: Listing): Comparison {
  const result: Comparison = { same: 0, missing: [], different: [] };
  for (const [path, size] of source) {
    const stored = target.get(path);
    if (stored === undefined) result.missing.push(path);
    else if (stored !== size) result.different.push(path);
    else result.same++;
  }
  return result;
}
