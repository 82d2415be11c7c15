import { compareListings } from '@ml-backup-actions/rclone';
import type { Survey } from './preflight.js';

/** What a size-only sync or copy would do, in the terms rclone's --dry-run reports it. */
export interface Plan {
  copy: number;
  copyBytes: number;
  /** Objects that exist in the target with another size: moved to the archive, then overwritten. */
  replace: number;
  /** Objects only in the target (sync only): moved to the archive. */
  remove: number;
  archiveBytes: number;
  examples: string[];
}

/** The same decision rclone makes with --size-only: copy what is missing or differs in size. */
export function planMirror({ source, target }: Required<Pick<Survey, 'source' | 'target'>>, mode: 'sync' | 'copy'): Plan {
  const { missing, different } = compareListings(source, target);
  const gone = mode === 'sync' ? [...target.keys()].filter((path) => !source.has(path)) : [];
  const sum = (paths: string[], listing: Map<string, number>) => paths.reduce((n, p) => n + (listing.get(p) ?? 0), 0);
  const examples = [...missing.map((p) => `copy: ${p}`), ...different.map((p) => `move: ${p}`), ...gone.map((p) => `delete: ${p}`)].slice(0, 20);
  return {
    copy: missing.length + different.length,
    copyBytes: sum(missing, source) + sum(different, source),
    replace: different.length,
    remove: gone.length,
    archiveBytes: sum(different, target) + sum(gone, target),
    examples,
  };
}

export function isEmptyPlan(plan: Plan): boolean {
  return plan.copy === 0 && plan.remove === 0;
}
