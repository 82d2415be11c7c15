import type { Check } from './checks.js';
import type { InventoryProject, ProjectInventory } from './inventory.js';

export interface MissingProject {
  id: string;
  name: string;
  owner: string;
}

export interface ProjectComparison {
  checks: Check[];
  missing: MissingProject[];
}

const COUNTS = ['jobs', 'models', 'applications'] as const;

/**
 * The record's projects against the restored workspace's (reference/cml-restore.md §5): each
 * present, by id or else by owner and name, with as many jobs, models and applications. On Azure
 * the restored workspace shares the original's NFS: its scheduled jobs and running applications
 * would write to it, so they are flagged.
 */
export function compareProjects(expected: ProjectInventory, found: ProjectInventory, cloud: 'AWS' | 'AZURE'): ProjectComparison {
  const byId = new Map(found.projects.map((p) => [p.id, p]));
  const byOwnerName = new Map(found.projects.map((p) => [`${p.owner}/${p.name}`, p]));
  const matched = new Set<InventoryProject>();
  const missing: MissingProject[] = [];
  const checks: Check[] = [];
  for (const want of expected.projects) {
    const got = byId.get(want.id) ?? byOwnerName.get(`${want.owner}/${want.name}`);
    if (!got) {
      missing.push({ id: want.id, name: want.name, owner: want.owner });
      continue;
    }
    matched.add(got);
    const differs = COUNTS.filter((k) => got[k] !== want[k]);
    if (differs.length)
      checks.push({
        name: `Project ${want.owner}/${want.name}`,
        result: 'fail',
        expected: differs.map((k) => `${want[k]} ${k}`).join(', '),
        found: differs.map((k) => `${got[k]} ${k}`).join(', '),
      });
  }
  checks.unshift({
    name: 'Projects',
    result: missing.length ? 'fail' : 'pass',
    expected: `${expected.projects.length} (the original's, ${expected.takenAt})`,
    found: missing.length ? `${found.projects.length}; missing: ${missing.map((p) => `${p.owner}/${p.name}`).join(', ')}` : `${found.projects.length}`,
  });
  const extra = found.projects.filter((p) => !matched.has(p));
  if (extra.length)
    checks.push({ name: 'Projects not in the record', result: 'warn', expected: '(none)', found: extra.map((p) => `${p.owner}/${p.name}`).join(', ') });
  if (cloud === 'AZURE') {
    const writers = found.projects.flatMap((p) => [
      ...p.scheduledJobs.map((j) => `${p.owner}/${p.name}: scheduled job ${j}`),
      ...p.runningApplications.map((a) => `${p.owner}/${p.name}: application ${a} running`),
    ]);
    if (writers.length)
      checks.push({
        name: 'Writers to the shared NFS',
        result: 'warn',
        expected: 'none running while the original and this workspace share the NFS',
        found: writers.join('; '),
      });
  }
  return { checks, missing };
}
