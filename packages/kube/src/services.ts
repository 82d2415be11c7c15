import type { CoreV1Api, V1Pod, V1Service, V1ServicePort } from '@kubernetes/client-node';
import { ActionError, TimeoutError, throwIfAborted } from '@ml-backup-actions/core';
import { explain, type Target } from './errors.js';

/** Where a service port leads: the pod that serves it and the pod's port, as kubectl port-forward svc/… resolves it. */
export interface ServiceTarget {
  namespace: string;
  service: string;
  /** The service port chosen (its number). */
  servicePort: number;
  servicePortName?: string;
  /** A running pod selected by the service. */
  pod: string;
  /** The pod's port the service port targets (its targetPort, named ports resolved). */
  podPort: number;
}

const API_CALL_MS = 30_000;

/**
 * Resolves service/port to a running pod and the pod's port: GET the service, pick its port by
 * number or name, list the pods its selector matches, take a running one (ready ones first), and
 * map the targetPort (a number, or a container port's name) to a number.
 */
export async function resolveServicePort(
  api: { core: CoreV1Api; server: string },
  { namespace, service, port }: { namespace: string; service: string; port: number | string },
  signal?: AbortSignal,
): Promise<ServiceTarget> {
  const { server } = api;
  const svc = await bounded(
    api.core.readNamespacedService({ name: service, namespace }),
    { verb: 'get', resource: 'service', name: service, namespace, server },
    signal,
  );
  const chosen = pickServicePort(svc, port);
  const selector = Object.entries(svc.spec?.selector ?? {});
  if (!selector.length) {
    throw new ActionError(
      `service ${service} in namespace ${namespace} has no pod selector, so there is no pod to forward to; reach it another way (an endpoint URL)`,
    );
  }
  const labelSelector = selector.map(([k, v]) => `${k}=${v}`).join(',');
  const list = await bounded(api.core.listNamespacedPod({ namespace, labelSelector }), { verb: 'list', resource: 'pods', namespace, server }, signal);
  const pod = pickPod(list.items, `service ${service}'s selector ${labelSelector} in namespace ${namespace}`);
  return {
    namespace,
    service,
    servicePort: chosen.port,
    ...(chosen.name ? { servicePortName: chosen.name } : {}),
    pod: pod.metadata?.name ?? '',
    podPort: containerPortFor(pod, chosen, service),
  };
}

/** The service port numbered or named `wanted`; a service with a single port is taken as it is. */
export function pickServicePort(svc: V1Service, wanted: number | string): V1ServicePort {
  const ports = svc.spec?.ports ?? [];
  const name = svc.metadata?.name ?? 'the service';
  const match = ports.find((p) => p.port === Number(wanted) || (p.name !== undefined && p.name === String(wanted)));
  if (match) return match;
  if (ports.length === 1) return ports[0];
  const listed = ports.map((p) => `${p.port}${p.name ? ` (${p.name})` : ''}`).join(', ') || 'none';
  throw new ActionError(`service ${name} has no port numbered or named ${wanted} (its ports: ${listed})`);
}

/** A running pod that is not being deleted, all containers ready preferred, then by name. */
export function pickPod(pods: V1Pod[], what: string): V1Pod {
  const ready = (p: V1Pod) => (p.status?.containerStatuses ?? []).every((c) => c.ready) && (p.status?.containerStatuses ?? []).length > 0;
  const running = pods
    .filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp)
    .sort((a, b) => Number(ready(b)) - Number(ready(a)) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  if (running.length) return running[0];
  const found = pods.map((p) => `${p.metadata?.name} ${p.metadata?.deletionTimestamp ? 'Terminating' : (p.status?.phase ?? 'Unknown')}`).join(', ');
  throw new ActionError(`no running pod matches ${what} (${found ? `found: ${found}` : 'none found'}); check that the workload is up`);
}

/** The pod's port a service port leads to: targetPort as a number, or the container port of that name. */
export function containerPortFor(pod: V1Pod, servicePort: V1ServicePort, service = 'the service'): number {
  const target = servicePort.targetPort as unknown;
  if (target === undefined || target === null || target === 0 || target === '') return servicePort.port;
  if (typeof target === 'number') return target;
  const text = String(target);
  if (/^\d+$/.test(text)) return Number(text);
  for (const c of pod.spec?.containers ?? []) {
    const named = (c.ports ?? []).find((p) => p.name === text);
    if (named) return named.containerPort;
  }
  throw new ActionError(`service ${service} targets the port named "${text}", which no container of pod ${pod.metadata?.name} declares`);
}

/** An API call with a deadline and the run's signal; failures explained for the job log. */
async function bounded<T>(call: Promise<T>, target: Target, signal?: AbortSignal, ms = API_CALL_MS): Promise<T> {
  throwIfAborted(signal);
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new TimeoutError(
            `the Kubernetes API server at ${target.server} did not answer within ${ms / 1000} s (${target.verb} ${target.resource}${target.name ? ` ${target.name}` : ''})`,
          ),
        ),
      ms,
    );
    onAbort = () => reject(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([call.catch((err) => Promise.reject(explain(err, target))), stop]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}
