export { KubeClient } from './client.js';
export { loadKubeConfig, serverOf, contextNamespace, type KubeConfigSource } from './config.js';
export { execToStream, ExecError, EXEC_PROTOCOLS, type ExecOptions, type ExecResult, type ExecProtocol } from './exec.js';
export { explain, type KubeStatus, type Target } from './errors.js';
export { getPod, summarizePod, type PodSummary, type ContainerSummary } from './pods.js';
export { channelFrame, openPortForward, PortForwardChannels, PORT_FORWARD_PROTOCOL, type PortForward, type PortForwardOptions } from './portforward.js';
export { containerPortFor, pickPod, pickServicePort, resolveServicePort, type ServiceTarget } from './services.js';
export { listRunningWorkloads, describeWorkloads, runningNames, workflowActive, experimentActive, type RunningWorkloads, type Workload } from './workloads.js';
