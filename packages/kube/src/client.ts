import type { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '@ml-backup-actions/core';
import { contextNamespace, loadKubeConfig, serverOf, type KubeConfigSource } from './config.js';
import { execToStream, type ExecOptions, type ExecResult } from './exec.js';
import { coreApi, customObjectsApi } from './http.js';
import { getPod, type PodSummary } from './pods.js';
import { openPortForward, type PortForward, type PortForwardOptions } from './portforward.js';
import { resolveServicePort, type ServiceTarget } from './services.js';
import { listRunningWorkloads, type RunningWorkloads } from './workloads.js';

/** The Kubernetes calls the backup actions make, each failing with an ActionError that says what to do. */
export class KubeClient {
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;
  /** The API server URL (never the credentials). */
  readonly server: string;

  constructor(
    readonly config: KubeConfig,
    private readonly log?: Logger,
  ) {
    this.core = coreApi(config);
    this.custom = customObjectsApi(config);
    this.server = serverOf(config);
  }

  /** From a kubeconfig's content (kept in memory only), else KUBECONFIG / ~/.kube/config / in-cluster. */
  static fromConfig(source: KubeConfigSource = {}, log?: Logger): KubeClient {
    return new KubeClient(loadKubeConfig(source), log);
  }

  /** The current context's namespace, if the kubeconfig sets one. */
  get defaultNamespace(): string | undefined {
    return contextNamespace(this.config);
  }

  getPod(namespace: string, name: string): Promise<PodSummary> {
    return getPod(this.core, this.server, namespace, name);
  }

  execToStream(options: ExecOptions): Promise<ExecResult> {
    return execToStream(this.config, { log: this.log, ...options });
  }

  /** The running pod behind service/port and the pod's port, as kubectl port-forward svc/… picks them. */
  resolveService(namespace: string, service: string, port: number | string, signal?: AbortSignal): Promise<ServiceTarget> {
    return resolveServicePort({ core: this.core, server: this.server }, { namespace, service, port }, signal);
  }

  /** A listener on 127.0.0.1 (random port) forwarding each connection to the pod's port; close() it when done. */
  portForward(options: PortForwardOptions): Promise<PortForward> {
    return openPortForward(this.config, { log: this.log, ...options });
  }

  /** In one namespace, or (without one) in all. */
  listRunningWorkloads(namespace?: string): Promise<RunningWorkloads> {
    return listRunningWorkloads(this.custom, this.server, namespace);
  }
}
