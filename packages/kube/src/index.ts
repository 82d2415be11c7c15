export { KubeClient } from './client.js';
export { loadKubeConfig, serverOf, contextNamespace, type KubeConfigSource } from './config.js';
export { execToStream, ExecError, EXEC_PROTOCOLS, type ExecOptions, type ExecResult, type ExecProtocol } from './exec.js';
export { explain, type KubeStatus, type Target } from './errors.js';
export { getPod, summarizePod, type PodSummary, type ContainerSummary } from './pods.js';
export { listRunningWorkloads, workflowActive, experimentActive, type RunningWorkloads } from './workloads.js';
