import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import { explain } from './errors.js';

export interface ContainerSummary {
  name: string;
  image: string;
  ready: boolean;
  /** running, waiting or terminated, with the reason when not running */
  state: string;
}

export interface PodSummary {
  name: string;
  namespace: string;
  /** Pending, Running, Succeeded, Failed or Unknown */
  phase: string;
  labels: Record<string, string>;
  containers: ContainerSummary[];
}

export async function getPod(api: CoreV1Api, server: string, namespace: string, name: string): Promise<PodSummary> {
  let pod: V1Pod;
  try {
    pod = await api.readNamespacedPod({ name, namespace });
  } catch (err) {
    throw explain(err, { verb: 'get', resource: 'pod', name, namespace, server });
  }
  return summarizePod(pod, namespace, name);
}

export function summarizePod(pod: V1Pod, namespace: string, name: string): PodSummary {
  const statuses = new Map((pod.status?.containerStatuses ?? []).map((s) => [s.name, s]));
  return {
    name: pod.metadata?.name ?? name,
    namespace: pod.metadata?.namespace ?? namespace,
    phase: pod.status?.phase ?? 'Unknown',
    labels: { ...(pod.metadata?.labels ?? {}) },
    containers: (pod.spec?.containers ?? []).map((c) => {
      const s = statuses.get(c.name);
      const state = s?.state?.running
        ? 'running'
        : s?.state?.waiting
          ? `waiting (${s.state.waiting.reason ?? 'unknown reason'})`
          : s?.state?.terminated
            ? `terminated (${s.state.terminated.reason ?? `exit code ${s.state.terminated.exitCode}`})`
            : 'unknown';
      return { name: c.name, image: c.image ?? '', ready: s?.ready ?? false, state };
    }),
  };
}
