// @ts-check
// The shapes the Kubernetes emulator's modules share (JSDoc only; nothing here runs).

// ---- what a test asks for ----

/**
 * @typedef {{ name?: string, containerPort: number, protocol?: string }} ContainerPortSpec
 * @typedef {{ name: string, tools?: string[], mounts?: Record<string, string>, user?: string, image?: string, ports?: ContainerPortSpec[],
 *   pebble?: import('../pebble/types.js').PebbleSpec }} ContainerSpec
 *   tools: the programs on the container's PATH (default DEFAULT_TOOLS); mounts: pod path -> a
 *   directory of the container ("data") or "volume:<name>" shared by the pod's containers
 *   (default { '/data': 'data', '/tmp': 'tmp' }); user: "uid:gid" the commands run as;
 *   pebble: Juju's pebble in the container (see pebble.js): /charm/bin/pebble, PEBBLE_SOCKET, services.
 * @typedef {{ name: string, namespace?: string, phase?: string, labels?: Record<string, string>,
 *   annotations?: Record<string, string>, containers: ContainerSpec[], portForwards?: Record<string, string | number> }} PodSpec
 *   portForwards: pod port -> the real TCP address ("127.0.0.1:9100", or a port on 127.0.0.1)
 *   that pods/portforward connects to; a port not listed is refused, as by a pod not listening.
 * @typedef {{ name?: string, port: number, targetPort?: number | string, protocol?: string }} ServicePortSpec
 * @typedef {{ name: string, namespace?: string, selector?: Record<string, string>, labels?: Record<string, string>,
 *   ports: ServicePortSpec[] }} ServiceSpec
 * @typedef {{ name: string, namespace?: string, phase?: string, labels?: Record<string, string> }} CustomObjectSpec
 *   a Workflow or an Experiment; phase as its controller sets it
 */

// ---- what the server serves ----

/**
 * @typedef {{ name: string, namespace: string, uid: string, resourceVersion: string, creationTimestamp: string,
 *   labels?: Record<string, string>, annotations?: Record<string, string> }} ObjectMeta
 * @typedef {ReturnType<typeof import('./objects.js').makePod>} Pod
 * @typedef {ReturnType<typeof import('./objects.js').makeService>} Service
 * @typedef {ReturnType<typeof import('./objects.js').makeNamespace>} Namespace
 * @typedef {{ phase: string, startedAt: string, finishedAt: string | null, progress: string, message?: string }} WorkflowStatus
 * @typedef {{ apiVersion: string, kind: string, metadata: ObjectMeta, spec: { entrypoint: string, serviceAccountName: string },
 *   status?: WorkflowStatus }} Workflow
 *   an Argo Workflow; no status while its phase is '' (just submitted)
 * @typedef {{ type: string, status: string, reason: string, message: string, lastUpdateTime: string, lastTransitionTime: string }} Condition
 * @typedef {{ startTime: string, completionTime?: string, conditions: Condition[], trials?: number, trialsRunning?: number }} ExperimentStatus
 * @typedef {{ apiVersion: string, kind: string, metadata: ObjectMeta, spec: Record<string, unknown>, status?: ExperimentStatus }} Experiment
 * @typedef {'workflows' | 'experiments'} CustomResource
 * @typedef {Workflow | Experiment} CustomObject
 * @typedef {{ cells: unknown[], object?: unknown }} TableRow
 * @typedef {{ name: string, kind: string, verbs: string[] }} ServedSubresource
 * @typedef {{ name: string, singular: string, kind: string, namespaced: boolean, verbs: string[], shortNames?: string[],
 *   categories?: string[], subresources?: ServedSubresource[] }} ServedResource
 * @typedef {{ group: string, version: string, resources: ServedResource[] }} GroupVersion
 *   group '' is the core group
 */

// ---- sessions and what they record ----

/**
 * @typedef {{ kill: () => void }} Session
 *   an exec or port-forward still open; kill() ends it at once
 * @typedef {{ method: string, path: string, accept?: string, userAgent?: string, upgrade?: string,
 *   offeredProtocols?: string[], subprotocol?: string, status: number }} RequestRecord
 * @typedef {{ dropAfterBytes?: number, drop?: 'reset' | 'close' | 'status', bytesPerSecond?: number }} ExecFault
 *   dropAfterBytes: the connection goes away after exactly this many stdout bytes were sent:
 *     'reset' (default) destroys the TCP connection, 'close' closes the WebSocket normally, both
 *     without a status; 'status' sends an InternalError Failure status first, as the apiserver does
 *     when its stream to the kubelet breaks.
 *   bytesPerSecond: stdout is sent no faster than this.
 * @typedef {{ stdin: boolean, stdout: boolean, stderr: boolean }} ExecStreams
 * @typedef {{ namespace: string, pod: string, container: string, command: string[], protocol: string, streams: ExecStreams,
 *   fault?: ExecFault, pid?: number, stdoutBytes?: number, exitCode?: number | null, outcome?: string, status?: object,
 *   durationMs?: number, clientClosed?: boolean }} ExecRecord
 *   outcome: success, exit, signal, not-found, client-closed or dropped-<how>; status: what channel 3 carried
 * @typedef {{ uid: string, name: string, forwards: Record<string, string> }} PodTarget
 *   a pod port-forwards reach: forwards maps its port to the real host:port
 * @typedef {{ namespace: string, pod: string, protocol: string, ports: number[], connections: number,
 *   bytesToPod: number, bytesFromPod: number, errors: string[], open: boolean }} PortForwardRecord
 * @typedef {{ send: (data: Buffer, cb?: (err?: Error | null) => void) => void, pause: () => void,
 *   resume: () => void, close: () => void, kill: () => void }} Transport
 *   the client side of a port-forward: a WebSocket or an upgraded socket
 */

// ---- SPDY frames, as SpdyCodec parses them ----

/**
 * @typedef {{ control: false, streamId: number, flags: number, data: Buffer, raw: Buffer }} SpdyDataFrame
 * @typedef {{ control: true, version: number, type: number, flags: number, raw: Buffer }} SpdyControlFrame
 *   SETTINGS and any other type this server has no use for
 * @typedef {SpdyControlFrame & { streamId: number, associatedStreamId: number, priority: number, headers: Record<string, string> }} SpdySynStreamFrame
 * @typedef {SpdyControlFrame & { streamId: number, headers: Record<string, string> }} SpdyHeadersFrame  SYN_REPLY and HEADERS
 * @typedef {SpdyControlFrame & { streamId: number, status: number }} SpdyRstStreamFrame
 * @typedef {SpdyControlFrame & { id: number }} SpdyPingFrame
 * @typedef {SpdyControlFrame & { lastGoodStreamId: number, status: number }} SpdyGoAwayFrame
 * @typedef {SpdyControlFrame & { streamId: number, delta: number }} SpdyWindowUpdateFrame
 * @typedef {SpdyDataFrame | SpdyControlFrame | SpdySynStreamFrame | SpdyHeadersFrame | SpdyRstStreamFrame | SpdyPingFrame
 *   | SpdyGoAwayFrame | SpdyWindowUpdateFrame} SpdyFrame
 */

export {};
