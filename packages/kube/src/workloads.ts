import type { CustomObjectsApi } from '@kubernetes/client-node';
import { explain, httpFailure } from './errors.js';

export interface Workload {
  namespace: string;
  name: string;
}

export interface RunningWorkloads {
  /** The namespace looked in; undefined when every namespace was (a cluster-wide list). */
  namespace?: string;
  /** Argo Workflows (Kubeflow Pipelines runs) not finished: phase Pending, Running, or not set yet. */
  workflows: Workload[];
  /** Katib Experiments neither Succeeded nor Failed. */
  experiments: Workload[];
  /** Every namespace that holds a workflow or an experiment, running or not. */
  namespacesSeen: string[];
}

interface Item {
  metadata?: { name?: string; namespace?: string };
  status?: { phase?: string; conditions?: { type?: string; status?: string }[] };
}

const WORKFLOWS = { group: 'argoproj.io', version: 'v1alpha1', plural: 'workflows', label: 'Argo Workflows' };
const EXPERIMENTS = { group: 'kubeflow.org', version: 'v1beta1', plural: 'experiments', label: 'Katib Experiments' };

/**
 * Pipeline runs and Katib experiments still running (or about to), in one namespace or, without
 * one, in all: multi-user Kubeflow runs them in the users' profile namespaces. A custom resource
 * that is not installed (404) counts as none; any other failure, 403 included, is an error.
 */
export async function listRunningWorkloads(api: CustomObjectsApi, server: string, namespace?: string): Promise<RunningWorkloads> {
  const [workflows, experiments] = await Promise.all([list(api, server, namespace, WORKFLOWS), list(api, server, namespace, EXPERIMENTS)]);
  return {
    ...(namespace === undefined ? {} : { namespace }),
    workflows: workflows.filter(workflowActive).map(workloadOf(namespace)).sort(byPlace),
    experiments: experiments.filter(experimentActive).map(workloadOf(namespace)).sort(byPlace),
    namespacesSeen: [...new Set([...workflows, ...experiments].map((i) => workloadOf(namespace)(i).namespace))].sort(),
  };
}

/** One line for the log and the summary: where was looked, and what was found. */
export function describeWorkloads(w: RunningWorkloads): string {
  const where = w.namespace === undefined ? 'all namespaces' : `namespace ${w.namespace}`;
  const seen = w.namespacesSeen.length ? `; workflows or experiments exist in ${w.namespacesSeen.join(', ')}` : '; none exist';
  const running = runningNames(w);
  return `${where} checked: ${running.length ? `${running.length} running` : 'none running'}${seen}`;
}

/** "Argo Workflow <namespace>/<name>" for each running one, workflows first. */
export function runningNames(w: RunningWorkloads): string[] {
  return [...w.workflows.map((x) => `Argo Workflow ${x.namespace}/${x.name}`), ...w.experiments.map((x) => `Katib Experiment ${x.namespace}/${x.name}`)];
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

const workloadOf =
  (namespace: string | undefined) =>
  (i: Item): Workload => ({ namespace: i.metadata?.namespace ?? namespace ?? '', name: i.metadata?.name ?? '(unnamed)' });
const byPlace = (a: Workload, b: Workload) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`);

async function list(api: CustomObjectsApi, server: string, namespace: string | undefined, r: typeof WORKFLOWS): Promise<Item[]> {
  const items: Item[] = [];
  let continueToken: string | undefined;
  try {
    do {
      const query = { group: r.group, version: r.version, plural: r.plural, limit: 500, _continue: continueToken };
      const page = (await (namespace === undefined ? api.listClusterCustomObject(query) : api.listNamespacedCustomObject({ ...query, namespace }))) as {
        items?: Item[];
        metadata?: { continue?: string };
      };
      items.push(...(page.items ?? []));
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken);
  } catch (err) {
    if (httpFailure(err)?.code === 404) return [];
    throw explain(err, { verb: 'list', resource: `${r.label} (${r.plural}.${r.group})`, namespace, server });
  }
  return items;
}
