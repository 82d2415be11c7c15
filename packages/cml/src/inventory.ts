import type { Logger } from '@ml-backup-actions/core';
import type { CmlApi } from './api.js';

/** One project as the upgrade record keeps it: who owns it and what it holds. */
export interface InventoryProject {
  id: string;
  name: string;
  owner: string;
  jobs: number;
  models: number;
  applications: number;
  /** Jobs with a schedule: they start by themselves in a restored workspace. */
  scheduledJobs: string[];
  /** Applications running when the inventory was taken. */
  runningApplications: string[];
}

export interface ProjectInventory {
  takenAt: string;
  /** The instanceUrl the inventory was read from. */
  from: string;
  projects: InventoryProject[];
}

interface ApiProject {
  id: string;
  name: string;
  owner?: { username?: string };
}
interface ApiJob {
  id: string;
  name: string;
  schedule?: string;
}
interface ApiApplication {
  id: string;
  name: string;
  status?: string;
}

/** How many projects are read at once: the per-project lists are three calls each. */
const PARALLEL = 4;

/** Every project the key can see, with its job, model and application counts (GET only). */
export async function takeInventory(
  api: CmlApi,
  instanceUrl: string,
  options: { log?: Logger; signal?: AbortSignal; now?: Date } = {},
): Promise<ProjectInventory> {
  const { signal } = options;
  const projects = await api.all<ApiProject>('/projects', 'projects', signal);
  const out: InventoryProject[] = new Array(projects.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < projects.length; i = next++) {
      const p = projects[i];
      const base = `/projects/${encodeURIComponent(p.id)}`;
      const [jobs, models, applications] = await Promise.all([
        api.all<ApiJob>(`${base}/jobs`, 'jobs', signal),
        api.all<{ id: string }>(`${base}/models`, 'models', signal),
        api.all<ApiApplication>(`${base}/applications`, 'applications', signal),
      ]);
      out[i] = {
        id: p.id,
        name: p.name,
        owner: p.owner?.username ?? '',
        jobs: jobs.length,
        models: models.length,
        applications: applications.length,
        scheduledJobs: jobs.filter((j) => (j.schedule ?? '').trim() !== '').map((j) => j.name),
        runningApplications: applications.filter((a) => /running|starting/i.test(a.status ?? '')).map((a) => a.name),
      };
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, projects.length) }, worker));
  options.log?.info(`CML API v2: ${out.length} project${out.length === 1 ? '' : 's'} in ${instanceUrl}`);
  return {
    takenAt: (options.now ?? new Date()).toISOString(),
    from: instanceUrl,
    projects: out.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id)),
  };
}
