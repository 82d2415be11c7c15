// @ts-check
// The objects the emulator serves, shaped like the real ones: Pods, Argo Workflows, Katib Experiments,
// server-side printed Tables, and API discovery (legacy and aggregated v2).
import { randomUUID } from 'node:crypto';

/**
 * @typedef {import('./types.js').ObjectMeta} ObjectMeta
 * @typedef {import('./types.js').PodSpec} PodSpec
 * @typedef {import('./types.js').ServiceSpec} ServiceSpec
 * @typedef {import('./types.js').Pod} Pod
 * @typedef {import('./types.js').Service} Service
 * @typedef {import('./types.js').Workflow} Workflow
 * @typedef {import('./types.js').Experiment} Experiment
 * @typedef {import('./types.js').Condition} Condition
 * @typedef {import('./types.js').CustomObject} CustomObject
 * @typedef {import('./types.js').CustomObjectSpec} CustomObjectSpec
 * @typedef {import('./types.js').TableRow} TableRow
 * @typedef {import('./types.js').GroupVersion} GroupVersion
 */

let resourceVersion = 1000;
export const nextResourceVersion = () => String(++resourceVersion);
export const currentResourceVersion = () => String(resourceVersion);

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * @param {string} namespace @param {string} name @param {Record<string, string>} [labels] @param {Record<string, string>} [annotations]
 * @returns {ObjectMeta}
 */
function metadata(namespace, name, labels = {}, annotations) {
  return {
    name,
    namespace,
    uid: randomUUID(),
    resourceVersion: nextResourceVersion(),
    creationTimestamp: now(),
    ...(Object.keys(labels).length ? { labels: { ...labels } } : {}),
    ...(annotations && Object.keys(annotations).length ? { annotations: { ...annotations } } : {}),
  };
}

/** @param {PodSpec & { namespace: string }} spec */
export function makePod(spec) {
  const phase = spec.phase ?? 'Running';
  const running = phase === 'Running';
  const started = now();
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: metadata(spec.namespace, spec.name, spec.labels, spec.annotations),
    spec: {
      containers: spec.containers.map((c) => ({
        name: c.name,
        image: c.image ?? `registry.example/${c.name}:sandbox`,
        imagePullPolicy: 'IfNotPresent',
        ...(c.ports?.length
          ? { ports: c.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), containerPort: p.containerPort, protocol: p.protocol ?? 'TCP' })) }
          : {}),
        resources: {},
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        volumeMounts: Object.keys(c.mounts ?? { '/data': 'data' })
          .filter((p) => p !== '/tmp')
          .map((mountPath) => ({ name: mountPath.replace(/^\//, '').replace(/\//g, '-') || 'root', mountPath })),
      })),
      dnsPolicy: 'ClusterFirst',
      enableServiceLinks: true,
      nodeName: 'sandbox-node',
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      serviceAccount: spec.name.replace(/-\d+$/, ''),
      serviceAccountName: spec.name.replace(/-\d+$/, ''),
      terminationGracePeriodSeconds: 30,
    },
    status: {
      phase,
      conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
        type,
        status: running || type === 'PodScheduled' || type === 'Initialized' ? 'True' : 'False',
        lastProbeTime: null,
        lastTransitionTime: started,
      })),
      hostIP: '10.0.0.10',
      podIP: '10.1.0.20',
      podIPs: [{ ip: '10.1.0.20' }],
      startTime: started,
      qosClass: 'BestEffort',
      containerStatuses: spec.containers.map((c) => ({
        name: c.name,
        image: c.image ?? `registry.example/${c.name}:sandbox`,
        imageID: `registry.example/${c.name}@sha256:${'0'.repeat(64)}`,
        containerID: `containerd://${randomUUID().replace(/-/g, '')}`,
        ready: running,
        started: running,
        restartCount: 0,
        state: running ? { running: { startedAt: started } } : { waiting: { reason: phase === 'Pending' ? 'ContainerCreating' : 'Completed' } },
      })),
    },
  };
}

/**
 * A ClusterIP Service.
 * @param {ServiceSpec & { namespace: string }} spec
 */
export function makeService(spec) {
  const h = [...`${spec.namespace}/${spec.name}`].reduce((n, c) => (n * 31 + c.charCodeAt(0)) >>> 0, 7);
  const clusterIP = `10.152.183.${(h % 240) + 10}`;
  return {
    kind: 'Service',
    apiVersion: 'v1',
    metadata: metadata(spec.namespace, spec.name, spec.labels),
    spec: {
      ports: spec.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), protocol: p.protocol ?? 'TCP', port: p.port, targetPort: p.targetPort ?? p.port })),
      ...(spec.selector ? { selector: { ...spec.selector } } : {}),
      clusterIP,
      clusterIPs: [clusterIP],
      type: 'ClusterIP',
      sessionAffinity: 'None',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
    },
    status: { loadBalancer: {} },
  };
}

/**
 * `kubectl get services`: the apiserver's service printer.
 * @param {Service[]} services @param {string} [includeObject] Object, Metadata or None
 */
export function serviceTable(services, includeObject = 'Metadata') {
  /** @param {string} name @param {string} description @param {number} [priority] @param {string} [format] */
  const col = (name, description, priority = 0, format = '') => ({ name, type: 'string', format, description, priority });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: currentResourceVersion() },
    columnDefinitions: [
      col('Name', 'Name must be unique within a namespace.', 0, 'name'),
      col('Type', 'type determines how the Service is exposed.'),
      col('Cluster-IP', 'clusterIP is the IP address of the service.'),
      col('External-IP', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
      col('Port(s)', 'The list of ports that are exposed by this service.'),
      col('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
      col('Selector', 'Route service traffic to pods with label keys and values matching this selector.', 1),
    ],
    rows: services.map((s) => {
      /** @type {TableRow} */
      const row = {
        cells: [
          s.metadata.name,
          s.spec.type,
          s.spec.clusterIP,
          '<none>',
          s.spec.ports.map((p) => `${p.port}/${p.protocol}`).join(','),
          age(s.metadata.creationTimestamp),
          Object.entries(s.spec.selector ?? {})
            .map(([k, v]) => `${k}=${v}`)
            .join(',') || '<none>',
        ],
      };
      if (includeObject === 'Object') row.object = s;
      else if (includeObject !== 'None') row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: s.metadata };
      return row;
    }),
  };
}

export const WORKFLOW_PHASES = ['', 'Pending', 'Running', 'Succeeded', 'Failed', 'Error'];

/**
 * An Argo Workflow as the workflow controller leaves it; phase '' is one just submitted (no status yet).
 * @param {CustomObjectSpec & { namespace: string }} spec
 * @returns {Workflow}
 */
export function makeWorkflow({ namespace, name, phase = 'Running', labels = {} }) {
  /** @type {Workflow} */
  const wf = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: metadata(namespace, name, labels),
    spec: { entrypoint: 'entrypoint', serviceAccountName: 'pipeline-runner' },
  };
  setWorkflowPhase(wf, phase);
  return wf;
}

/** @param {Workflow} wf @param {string} phase one of WORKFLOW_PHASES */
export function setWorkflowPhase(wf, phase) {
  if (!WORKFLOW_PHASES.includes(phase)) throw new Error(`unknown workflow phase ${phase}`);
  wf.metadata.resourceVersion = nextResourceVersion();
  const labels = { ...(wf.metadata.labels ?? {}) };
  delete labels['workflows.argoproj.io/phase'];
  delete labels['workflows.argoproj.io/completed'];
  if (!phase) {
    delete wf.status;
    wf.metadata.labels = labels;
    return;
  }
  const done = !['Pending', 'Running'].includes(phase);
  wf.metadata.labels = { ...labels, 'workflows.argoproj.io/phase': phase, 'workflows.argoproj.io/completed': String(done) };
  wf.status = {
    phase,
    startedAt: wf.status?.startedAt ?? now(),
    finishedAt: done ? now() : null,
    progress: done ? '1/1' : '0/1',
    ...(phase === 'Failed' || phase === 'Error' ? { message: 'child failed' } : {}),
  };
}

export const EXPERIMENT_PHASES = ['Created', 'Running', 'Restarting', 'Succeeded', 'Failed'];

/**
 * A Katib Experiment with the conditions the experiment controller sets for a phase.
 * @param {CustomObjectSpec & { namespace: string }} spec
 * @returns {Experiment}
 */
export function makeExperiment({ namespace, name, phase = 'Running', labels = {} }) {
  /** @type {Experiment} */
  const exp = {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: metadata(namespace, name, labels),
    spec: {
      algorithm: { algorithmName: 'random' },
      maxTrialCount: 12,
      parallelTrialCount: 3,
      maxFailedTrialCount: 3,
      objective: { type: 'maximize', goal: 0.99, objectiveMetricName: 'accuracy' },
      resumePolicy: 'Never',
    },
  };
  setExperimentPhase(exp, phase);
  return exp;
}

/** @param {Experiment} exp @param {string} phase one of EXPERIMENT_PHASES */
export function setExperimentPhase(exp, phase) {
  if (!EXPERIMENT_PHASES.includes(phase)) throw new Error(`unknown experiment phase ${phase}`);
  exp.metadata.resourceVersion = nextResourceVersion();
  const t = now();
  /** @param {string} type @param {string} status @param {string} reason @param {string} message @returns {Condition} */
  const cond = (type, status, reason, message) => ({ type, status, reason, message, lastUpdateTime: t, lastTransitionTime: t });
  const conditions = [cond('Created', 'True', 'ExperimentCreated', 'Experiment is created')];
  if (phase === 'Running') conditions.push(cond('Running', 'True', 'ExperimentRunning', 'Experiment is running'));
  if (phase === 'Restarting') conditions.push(cond('Restarting', 'True', 'ExperimentRestarting', 'Experiment is restarting'));
  if (phase === 'Succeeded') {
    conditions.push(cond('Running', 'False', 'ExperimentRunning', 'Experiment is running'));
    conditions.push(cond('Succeeded', 'True', 'ExperimentMaxTrialsReached', 'Experiment has succeeded because max trial count has reached'));
  }
  if (phase === 'Failed') {
    conditions.push(cond('Running', 'False', 'ExperimentRunning', 'Experiment is running'));
    conditions.push(cond('Failed', 'True', 'ExperimentMaxFailedTrialsReached', 'Experiment has failed because max failed count has reached'));
  }
  const done = phase === 'Succeeded' || phase === 'Failed';
  exp.status = {
    startTime: exp.status?.startTime ?? t,
    ...(done ? { completionTime: t } : {}),
    conditions,
    ...(phase === 'Created' ? {} : { trials: 3, trialsRunning: done ? 0 : 3 }),
  };
}

/**
 * `kubectl get pods` asks for a Table; this is the apiserver's pod printer, minus readiness gates.
 * @param {Pod[]} pods @param {string} [includeObject] Object, Metadata or None
 */
export function podTable(pods, includeObject = 'Metadata') {
  /** @param {string} name @param {string} description @param {number} [priority] @param {string} [format] */
  const col = (name, description, priority = 0, format = '') => ({ name, type: name === 'Restarts' ? 'string' : 'string', format, description, priority });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: currentResourceVersion() },
    columnDefinitions: [
      col('Name', 'Name must be unique within a namespace.', 0, 'name'),
      col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'The aggregate status of the containers in this pod.'),
      col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
      col('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
      col('IP', 'podIP is the IP address allocated to the pod.', 1),
      col('Node', 'nodeName is the name of the node to schedule this pod onto.', 1),
      col('Nominated Node', 'nominatedNodeName is set when this pod preempts other pods on the node.', 1),
      col('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
    ],
    rows: pods.map((p) => {
      const ready = p.status.containerStatuses.filter((c) => c.ready).length;
      /** @type {TableRow} */
      const row = {
        cells: [
          p.metadata.name,
          `${ready}/${p.spec.containers.length}`,
          p.status.phase,
          0,
          age(p.metadata.creationTimestamp),
          p.status.podIP,
          p.spec.nodeName,
          '<none>',
          '<none>',
        ],
      };
      if (includeObject === 'Object') row.object = p;
      else if (includeObject !== 'None') row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: p.metadata };
      return row;
    }),
  };
}

/**
 * Tables for the custom resources, with their CRDs' additionalPrinterColumns.
 * @param {string} resource workflows (the items are Workflows) or experiments (Experiments)
 * @param {CustomObject[]} items @param {string} [includeObject] Object, Metadata or None
 */
export function customTable(resource, items, includeObject = 'Metadata') {
  /** @param {CustomObject} o */
  const workflowStatus = (o) => /** @type {Workflow} */ (o).status;
  /** @param {CustomObject} o */
  const last = (o) => {
    const experiment = /** @type {Experiment} */ (o);
    return (experiment.status?.conditions ?? []).at(-1);
  };
  /** @type {[name: string, type: string, description: string, get: (o: CustomObject) => string, priority?: number][]} */
  const columns =
    resource === 'workflows'
      ? [
          ['Status', 'string', 'Status of the workflow', (o) => workflowStatus(o)?.phase ?? ''],
          ['Age', 'date', 'When the workflow was started', (o) => age(workflowStatus(o)?.startedAt ?? o.metadata.creationTimestamp)],
          [
            'Message',
            'string',
            'Human readable message indicating details about why the workflow is in this condition.',
            (o) => workflowStatus(o)?.message ?? '',
            1,
          ],
        ]
      : [
          ['Type', 'string', '', (o) => last(o)?.type ?? ''],
          ['Status', 'string', '', (o) => last(o)?.status ?? ''],
          ['Age', 'date', '', (o) => age(o.metadata.creationTimestamp)],
        ];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: currentResourceVersion() },
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
      ...columns.map(([name, type, description, , priority = 0]) => ({ name, type, format: '', description, priority })),
    ],
    rows: items.map((o) => {
      /** @type {TableRow} */
      const row = { cells: [o.metadata.name, ...columns.map(([, , , get]) => get(o))] };
      if (includeObject === 'Object') row.object = o;
      else if (includeObject !== 'None') row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
      return row;
    }),
  };
}

/** @param {string} name */
export function makeNamespace(name) {
  return {
    kind: 'Namespace',
    apiVersion: 'v1',
    metadata: { name, uid: randomUUID(), resourceVersion: '1', creationTimestamp: now(), labels: { 'kubernetes.io/metadata.name': name } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

/** `kubectl get`'s AGE column: 90s, 5m30s, 42m, 3h. @param {string} ts an RFC 3339 time */
function age(ts) {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  if (m < 180) return `${m}m`;
  return `${Math.floor(m / 60)}h`;
}

const POD_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const CR_VERBS = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'];

/**
 * What this server serves, per group version. `crds` says which custom resources are installed.
 * @param {{ workflows?: boolean, experiments?: boolean }} crds
 */
export function servedResources(crds) {
  /** @type {GroupVersion[]} */
  const groups = [
    {
      group: '',
      version: 'v1',
      resources: [
        {
          name: 'pods',
          singular: 'pod',
          kind: 'Pod',
          namespaced: true,
          verbs: POD_VERBS,
          shortNames: ['po'],
          categories: ['all'],
          subresources: [
            { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
            { name: 'log', kind: 'Pod', verbs: ['get'] },
            { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
            { name: 'status', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
          ],
        },
        {
          name: 'services',
          singular: 'service',
          kind: 'Service',
          namespaced: true,
          verbs: POD_VERBS.filter((v) => v !== 'deletecollection'),
          shortNames: ['svc'],
          categories: ['all'],
          subresources: [
            { name: 'proxy', kind: 'ServiceProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
            { name: 'status', kind: 'Service', verbs: ['get', 'patch', 'update'] },
          ],
        },
        {
          name: 'namespaces',
          singular: 'namespace',
          kind: 'Namespace',
          namespaced: false,
          verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
          shortNames: ['ns'],
        },
      ],
    },
  ];
  if (crds.workflows) {
    groups.push({
      group: 'argoproj.io',
      version: 'v1alpha1',
      resources: [{ name: 'workflows', singular: 'workflow', kind: 'Workflow', namespaced: true, verbs: CR_VERBS, shortNames: ['wf'], subresources: [] }],
    });
  }
  if (crds.experiments) {
    groups.push({
      group: 'kubeflow.org',
      version: 'v1beta1',
      resources: [
        {
          name: 'experiments',
          singular: 'experiment',
          kind: 'Experiment',
          namespaced: true,
          verbs: CR_VERBS,
          categories: ['all', 'kubeflow', 'katib'],
          subresources: [{ name: 'status', kind: 'Experiment', verbs: ['get', 'patch', 'update'] }],
        },
      ],
    });
  }
  return groups;
}

/** @param {GroupVersion} gv */
export function apiResourceList(gv) {
  const resources = [];
  for (const r of gv.resources) {
    resources.push({
      name: r.name,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      ...(r.categories ? { categories: r.categories } : {}),
    });
    for (const s of r.subresources ?? []) {
      resources.push({ name: `${r.name}/${s.name}`, singularName: '', namespaced: r.namespaced, kind: s.kind, verbs: s.verbs });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv.group ? `${gv.group}/${gv.version}` : gv.version, resources };
}

/** @param {GroupVersion[]} groups */
export function apiGroupList(groups) {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups
      .filter((g) => g.group)
      .map((g) => {
        const v = { groupVersion: `${g.group}/${g.version}`, version: g.version };
        return { name: g.group, versions: [v], preferredVersion: v };
      }),
  };
}

/**
 * Aggregated discovery (apidiscovery.k8s.io/v2), what kubectl >= 1.30 asks for first.
 * @param {GroupVersion[]} groups
 */
export function aggregatedDiscovery(groups) {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map((g) => ({
      metadata: g.group ? { name: g.group, creationTimestamp: null } : { creationTimestamp: null },
      versions: [
        {
          version: g.version,
          resources: g.resources.map((r) => ({
            resource: r.name,
            responseKind: { group: g.group, version: g.version, kind: r.kind },
            scope: r.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: r.singular,
            verbs: r.verbs,
            ...(r.shortNames ? { shortNames: r.shortNames } : {}),
            ...(r.categories ? { categories: r.categories } : {}),
            ...((r.subresources ?? []).length
              ? {
                  subresources: (r.subresources ?? []).map((s) => ({
                    subresource: s.name,
                    responseKind: { group: g.group, version: g.version, kind: s.kind },
                    verbs: s.verbs,
                  })),
                }
              : {}),
          })),
          freshness: 'Current',
        },
      ],
    })),
  };
}
