import { ActionError, errorMessage } from '@ml-backup-actions/core';

/** An error's message, also for errors from another realm (not instanceof Error) such as fs errors under jest. */
export function messageOf(err: unknown): string {
  const m = (err as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? m : errorMessage(err);
}

/** What a request was for, so an error can name it: "get pod mlmd-0 in namespace kubeflow". */
export interface Target {
  verb: string;
  /** singular, as a person says it: "pod", "Argo Workflows", "exec into pod" */
  resource: string;
  name?: string;
  /** undefined: across all namespaces (a cluster-wide request) */
  namespace: string | undefined;
  /** the API server URL */
  server: string;
}

/** A metav1.Status, as far as this package reads it. */
export interface KubeStatus {
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: { reason?: string; message?: string }[] };
}

/** The HTTP status and Status body of a failed API call, from client-node's ApiException or a raw response. */
export function httpFailure(err: unknown): { code: number; status?: KubeStatus } | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; body?: unknown };
  if (typeof e.code !== 'number') return undefined;
  return { code: e.code, status: parseStatus(e.body) };
}

export function parseStatus(body: unknown): KubeStatus | undefined {
  if (body === undefined || body === null || body === '') return undefined;
  if (typeof body === 'object') return body as KubeStatus;
  try {
    const parsed: unknown = JSON.parse(String(body));
    return typeof parsed === 'object' && parsed !== null ? (parsed as KubeStatus) : undefined;
  } catch {
    return { message: String(body).slice(0, 300) };
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE']);

/** The error code of a failed connection (node-fetch's FetchError, ws, net), if that is what it is. */
export function networkCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && typeof e === 'object' && e !== null; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown; error?: unknown }).cause ?? (e as { error?: unknown }).error;
  }
  return undefined;
}

const where = (t: Target) => (t.namespace === undefined ? 'in all namespaces' : `in namespace ${t.namespace}`);

function what(t: Target): string {
  return `${t.verb} ${t.resource}${t.name ? ` ${t.name}` : ''} ${where(t)}`;
}

/** Turns any failure of an API call into an ActionError that says what failed and what to do. */
export function explain(err: unknown, t: Target): ActionError {
  if (err instanceof ActionError) return err;
  const http = httpFailure(err);
  if (http) return explainHttp(http.code, http.status, t, err);
  const code = networkCode(err);
  if (code && (NETWORK_CODES.has(code) || code.startsWith('ERR_SOCKET') || code.startsWith('UND_ERR'))) {
    return new ActionError(
      `could not reach the Kubernetes API server at ${t.server} to ${what(t)} (${code}); check the cluster address in the kubeconfig and that the runner can reach it`,
      { cause: err },
    );
  }
  if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME/.test(code)) {
    return new ActionError(
      `the TLS certificate of the Kubernetes API server at ${t.server} was not accepted (${code}); check certificate-authority-data in the kubeconfig`,
      { cause: err },
    );
  }
  return new ActionError(`could not ${what(t)} at ${t.server}: ${messageOf(err).split('\n')[0]}`, { cause: err });
}

export function explainHttp(code: number, status: KubeStatus | undefined, t: Target, cause?: unknown): ActionError {
  const detail = status?.message ? `: ${status.message}` : '';
  switch (code) {
    case 401:
      return new ActionError(
        `the Kubernetes API server at ${t.server} rejected the credentials (401 Unauthorized) when trying to ${what(t)}; ` +
          'the kubeconfig token or certificate is wrong or expired',
        { cause },
      );
    case 403:
      return new ActionError(
        `not allowed to ${what(t)} (403 Forbidden${detail}); grant the kubeconfig's user RBAC permission to ${t.verb} ${t.resource}` +
          (t.namespace === undefined ? ' in a ClusterRole with a ClusterRoleBinding (a Role allows one namespace only; see docs/runner.md)' : ''),
        { cause },
      );
    case 404:
      return new ActionError(t.name ? `${t.resource} ${t.name} not found ${where(t)}` : `${t.resource} not found ${where(t)}${detail}`, { cause });
    default:
      return new ActionError(`could not ${what(t)}: the API server answered ${code}${status?.reason ? ` ${status.reason}` : ''}${detail}`, { cause });
  }
}
