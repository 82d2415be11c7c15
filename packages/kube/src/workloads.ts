import type { CustomObjectsApi } from '@kubernetes/client-node';
import { explain, httpFailure } from './errors.js';

export interface RunningWorkloads {
  /** Argo Workflows (Kubeflow Pipelines runs) not finished: phase Pending, Running, or not set yet. */
  workflows: string[];
  /** Katib Experiments neither Succeeded nor Failed. */
  experiments: string[];
}

interface Item {
  metadata?: { name?: string };
  status?: { phase?: string; conditions?: { type?: string; status?: string }[] };
}

const WORKFLOWS = { group: 'argoproj.io', version: 'v1alpha1', plural: 'workflows', label: 'Argo Workflows' };
const EXPERIMENTS = { group: 'kubeflow.org', version: 'v1beta1', plural: 'experiments', label: 'Katib Experiments' };

/**
 * Pipeline runs and Katib experiments still running (or about to) in a namespace. A custom
 * resource that is not installed (404) counts as none; any other failure, 403 included, is an error.
 */
export async function listRunningWorkloads(api: CustomObjectsApi, server: string, namespace: string): Promise<RunningWorkloads> {
  const [workflows, experiments] = await Promise.all([list(api, server, namespace, WORKFLOWS), list(api, server, namespace, EXPERIMENTS)]);
  return {
    workflows: workflows.filter(workflowActive).map(nameOf).sort(),
    experiments: experiments.filter(experimentActive).map(nameOf).sort(),
  };
}

/** Argo sets no phase until the controller picks a workflow up; that one is about to run. */
export function workflowActive(wf: Item): boolean {
  const phase = wf.status?.phase ?? '';
  return phase === '' || phase === 'Pending' || phase === 'Running';
}

/** Katib marks a finished experiment with a Succeeded or Failed condition whose status is "True". */
export function experimentActive(exp: Item): boolean {
  const done = (exp.status?.conditions ?? []).some((c) => (c.type === 'Succeeded' || c.type === 'Failed') && c.status === 'True');
  return !done;
}

const nameOf = (i: Item) => i.metadata?.name ?? '(unnamed)';

async function list(api: CustomObjectsApi, server: string, namespace: string, r: typeof WORKFLOWS): Promise<Item[]> {
  const items: Item[] = [];
  let continueToken: string | undefined;
  try {
    do {
      const page = (await api.listNamespacedCustomObject({
        group: r.group,
        version: r.version,
        namespace,
        plural: r.plural,
        limit: 500,
        _continue: continueToken,
      })) as { items?: Item[]; metadata?: { continue?: string } };
      items.push(...(page.items ?? []));
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken);
  } catch (err) {
    if (httpFailure(err)?.code === 404) return [];
    throw explain(err, { verb: 'list', resource: `${r.label} (${r.plural}.${r.group})`, namespace, server });
  }
  return items;
}
