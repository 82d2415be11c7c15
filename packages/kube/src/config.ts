import { KubeConfig } from '@kubernetes/client-node';
import { ActionError, registerSecret } from '@ml-backup-actions/core';
import { messageOf } from './errors.js';

export interface KubeConfigSource {
  /**
   * A kubeconfig's content (YAML or JSON), e.g. from a secret input. It is parsed in memory: never
   * written to disk and never logged. When absent: KUBECONFIG, ~/.kube/config, then the in-cluster
   * service account (client-node's loadFromDefault).
   */
  kubeconfig?: string;
  /** A context of the kubeconfig to use instead of its current-context. */
  context?: string;
}

/** Loads and checks a kubeconfig; errors name the source, never its content. */
export function loadKubeConfig(source: KubeConfigSource = {}): KubeConfig {
  const kc = new KubeConfig();
  const from = source.kubeconfig ? 'the kubeconfig input' : describeDefaultSource();
  try {
    if (source.kubeconfig) kc.loadFromString(source.kubeconfig);
    else kc.loadFromDefault();
  } catch (err) {
    // a YAML error message can quote the offending line: keep only its first line, without the excerpt
    throw new ActionError(`could not read ${from}: ${firstLine(messageOf(err))}; check that it is a complete kubeconfig file`);
  }
  if (source.context) {
    if (!kc.getContextObject(source.context)) {
      throw new ActionError(
        `${from} has no context named "${source.context}" (it has: ${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'none'
        })`,
      );
    }
    kc.setCurrentContext(source.context);
  }
  maskCredentials(kc);
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) {
    throw new ActionError(`${from} has no usable current context with a cluster server URL; set current-context, or choose a context`);
  }
  if (!source.kubeconfig && cluster.server === 'http://localhost:8080' && cluster.name === 'cluster') {
    throw new ActionError(
      'no Kubernetes credentials found: pass a kubeconfig (as a secret input), set KUBECONFIG, or run inside the cluster with a service account',
    );
  }
  return kc;
}

/** Every credential the kubeconfig holds is masked on its own, whichever file or input it came from. */
function maskCredentials(kc: KubeConfig): void {
  for (const user of kc.getUsers()) {
    registerSecret(user.token);
    registerSecret(user.password);
    registerSecret(user.keyData);
    for (const value of Object.values(user.authProvider?.config ?? {})) if (typeof value === 'string') registerSecret(value);
    for (const env of user.exec?.env ?? []) registerSecret(env.value);
  }
}

/** The API server URL of the current context, for messages. */
export function serverOf(kc: KubeConfig): string {
  return kc.getCurrentCluster()?.server ?? 'the Kubernetes API server';
}

/** The namespace of the current context, when it sets one. */
export function contextNamespace(kc: KubeConfig): string | undefined {
  return kc.getContextObject(kc.getCurrentContext())?.namespace || undefined;
}

function describeDefaultSource(): string {
  if (process.env.KUBECONFIG) return `the kubeconfig named by KUBECONFIG (${process.env.KUBECONFIG})`;
  return 'the default kubeconfig (~/.kube/config or the in-cluster service account)';
}

function firstLine(text: string): string {
  return text.split('\n')[0].slice(0, 200);
}
