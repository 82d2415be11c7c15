// @ts-check
// A Kubernetes API server emulator at its wire protocol, enough for the real kubectl and
// @kubernetes/client-node: HTTPS with a test CA, bearer tokens, discovery, pods (get, list with
// label selectors, server-side Tables), services, pods/exec over WebSocket (v5/v4 channel
// protocols, run for real in a private mount namespace, see containers.js), pods/portforward to
// real TCP addresses (WebSocket v4 channels, and SPDY tunnelled or upgraded as kubectl speaks it,
// see portforward.js), Argo Workflows and Katib Experiments, Juju's pebble in the containers that
// ask for it (pebble.js), and fault injection. Runs in the test's process: drive kubectl with async spawn, never execFileSync,
// or the server cannot answer.
import https from 'node:https';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { makeTestCertificates } from '../tls.js';
import { ContainerFilesystems, checkMountNamespaces, DEFAULT_MOUNTS } from './containers.js';
import { SUPPORTED_PROTOCOLS, negotiate, serveExec } from './exec.js';
import {
  CHANNEL_PROTOCOL,
  PORT_FORWARD_PROTOCOLS,
  SPDY_STREAM_PROTOCOL,
  serveChannelPortForward,
  serveSpdyPortForward,
  socketTransport,
  wsTransport,
} from './portforward.js';
import { Pebbles, pebbleHandle } from './pebble.js';
import { createRbac } from './rbac.js';
import { parseLabelSelector } from './selector.js';
import * as st from './status.js';
import {
  aggregatedDiscovery,
  apiGroupList,
  apiResourceList,
  currentResourceVersion,
  makeExperiment,
  customTable,
  makeNamespace,
  makePod,
  makeService,
  makeWorkflow,
  podTable,
  servedResources,
  serviceTable,
  setExperimentPhase,
  setWorkflowPhase,
} from './objects.js';

export { DEFAULT_TOOLS, DEFAULT_MOUNTS } from './containers.js';
export { SUPPORTED_PROTOCOLS } from './exec.js';
export { PORT_FORWARD_PROTOCOLS } from './portforward.js';

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4',
  gitCommit: '59526cd4867447956156ae3a602fcbac10a2c335',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T16:02:27Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/**
 * @typedef {import('./types.js').PodSpec} PodSpec
 * @typedef {import('./types.js').ServiceSpec} ServiceSpec
 * @typedef {import('./types.js').CustomObjectSpec} CustomObjectSpec
 * @typedef {import('./types.js').CustomResource} CustomResource
 * @typedef {import('./types.js').CustomObject} CustomObject
 * @typedef {import('./types.js').Workflow} Workflow
 * @typedef {import('./types.js').Experiment} Experiment
 * @typedef {import('./types.js').Pod} Pod
 * @typedef {import('./types.js').Service} Service
 * @typedef {import('./types.js').Namespace} Namespace
 * @typedef {import('./types.js').RequestRecord} RequestRecord
 * @typedef {import('./types.js').ExecRecord} ExecRecord
 * @typedef {import('./types.js').ExecFault} ExecFault
 * @typedef {import('./types.js').PortForwardRecord} PortForwardRecord
 * @typedef {import('./types.js').Session} Session
 * @typedef {import('node:http').IncomingMessage & { negotiatedProtocol?: string, tunnelProtocol?: string }} UpgradeRequest
 *   negotiatedProtocol: the subprotocol ws is to answer with; tunnelProtocol: one ws refuses, put back in the headers
 * @typedef {import('node:stream').Duplex} Duplex
 */

/** @type {Record<CustomResource, { group: string, version: string, kind: string }>} */
const CUSTOM = {
  workflows: { group: 'argoproj.io', version: 'v1alpha1', kind: 'Workflow' },
  experiments: { group: 'kubeflow.org', version: 'v1beta1', kind: 'Experiment' },
};
const CUSTOM_RESOURCES = /** @type {CustomResource[]} */ (Object.keys(CUSTOM));

/**
 * @param {{ namespace?: string, token?: string, user?: string, pods?: PodSpec[], services?: ServiceSpec[],
 *   workflows?: CustomObjectSpec[], experiments?: CustomObjectSpec[],
 *   crds?: { workflows?: boolean, experiments?: boolean },
 *   execProtocols?: string[], root?: string, rbac?: import('./rbac.js').RbacObject[], websocketCreateCheck?: boolean }} [options]
 *   namespace: the kubeconfig context's namespace and the default for everything (kubeflow);
 *   execProtocols: the exec subprotocols served, in order (default v5 then v4: an apiserver >= 1.30);
 *   rbac: Roles, ClusterRoles and their bindings that authorize the user (default: everything allowed);
 *   websocketCreateCheck: a WebSocket exec or port-forward also needs create, as from Kubernetes 1.31 (default true).
 */
export async function startKube(options = {}) {
  const defaultNs = options.namespace ?? 'kubeflow';
  const token = options.token ?? `sandbox-${randomBytes(24).toString('hex')}`;
  const user = options.user ?? `system:serviceaccount:${defaultNs}:ckf-backup`;
  const root = mkdtempSync(path.join(options.root ?? os.tmpdir(), 'mlba-kube-'));
  const tlsDir = path.join(root, 'tls');
  const fs = new ContainerFilesystems(root);
  const pebbles = new Pebbles(root, fs);
  try {
    checkMountNamespaces(fs.rootfsMountpoint);
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
  mkdirSync(tlsDir, { mode: 0o700 });
  let tls;
  try {
    tls = makeTestCertificates(tlsDir, { caName: 'kube-sandbox-ca', serverName: 'kube-apiserver', dnsNames: ['kubernetes.default.svc'] });
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    const failed = /** @type {Error & { stderr?: Buffer }} */ (err);
    throw new Error(`kube sandbox: could not make the test certificates with openssl: ${failed.stderr ?? failed.message}`, { cause: err });
  } finally {
    rmSync(tlsDir, { recursive: true, force: true });
  }
  const { ca, cert, key: serverKey } = tls;

  /** @type {Map<string, Pod>} ns/name -> Pod */
  const pods = new Map();
  /** @type {Map<string, Record<string, string>>} ns/name -> pod port -> host:port */
  const forwards = new Map();
  /** @type {Map<string, Service>} ns/name -> Service */
  const services = new Map();
  /** @type {PortForwardRecord[]} */
  const portForwards = [];
  /** @type {Set<Session>} */
  const forwardSessions = new Set();
  /** @type {Record<CustomResource, Map<string, CustomObject>>} ns/name -> Workflow or Experiment */
  const custom = { workflows: new Map(), experiments: new Map() };
  /** @type {Record<CustomResource, boolean>} */
  const crds = { workflows: options.crds?.workflows ?? true, experiments: options.crds?.experiments ?? true };
  let execProtocols = options.execProtocols ?? SUPPORTED_PROTOCOLS;
  /** @type {Set<string>} "resource" or "resource:verb" */
  const forbidden = new Set();
  /** @type {ExecFault | undefined} */
  let execFault;
  /** @type {RequestRecord[]} */
  const requests = [];
  /** @type {ExecRecord[]} */
  const execs = [];
  /** @type {Set<Session>} */
  const sessions = new Set();

  /** @param {string} ns @param {string} name */
  const key = (ns, name) => `${ns}/${name}`;
  /**
   * Lists come back in etcd key order: namespace, then name.
   * @template {{ metadata: { namespace: string, name: string } }} T @param {T[]} objects @returns {T[]}
   */
  const sorted = (objects) => objects.sort((a, b) => key(a.metadata.namespace, a.metadata.name).localeCompare(key(b.metadata.namespace, b.metadata.name)));
  /** @type {Map<string, Namespace>} */
  const namespaceObjects = new Map();
  /** The namespaces that exist: the default one, and every one holding an object. */
  const namespaces = () => {
    const names = new Set([
      defaultNs,
      'default',
      'kube-system',
      ...[pods, services, custom.workflows, custom.experiments].flatMap((m) => [...m.keys()].map((k) => k.split('/')[0])),
    ]);
    for (const n of names) if (!namespaceObjects.has(n)) namespaceObjects.set(n, makeNamespace(n));
    return new Map([...namespaceObjects].filter(([n]) => names.has(n)));
  };

  /** @param {PodSpec} spec */
  function addPod(spec) {
    const namespace = spec.namespace ?? defaultNs;
    if (pods.has(key(namespace, spec.name))) throw new Error(`kube sandbox: pod ${namespace}/${spec.name} exists`);
    for (const c of spec.containers) fs.add(namespace, spec.name, c);
    for (const c of spec.containers) if (c.pebble) pebbles.add(namespace, spec.name, c);
    const pod = makePod({ ...spec, namespace, containers: spec.containers.map((c) => ({ ...c, mounts: c.mounts ?? DEFAULT_MOUNTS })) });
    pods.set(key(namespace, spec.name), pod);
    setPortForwards(spec.name, spec.portForwards ?? {}, namespace);
    return pod;
  }
  /** @param {string} name @param {Record<string, string | number>} map @param {string} [namespace] */
  function setPortForwards(name, map, namespace = defaultNs) {
    /** @type {Record<string, string>} */
    const targets = {};
    for (const [port, to] of Object.entries(map)) targets[port] = typeof to === 'number' ? `127.0.0.1:${to}` : to;
    forwards.set(key(namespace, name), targets);
  }
  /** @param {ServiceSpec} spec */
  function addService(spec) {
    const namespace = spec.namespace ?? defaultNs;
    if (services.has(key(namespace, spec.name))) throw new Error(`kube sandbox: service ${namespace}/${spec.name} exists`);
    const svc = makeService({ ...spec, namespace });
    services.set(key(namespace, spec.name), svc);
    return svc;
  }
  for (const p of options.pods ?? []) addPod(p);
  await Promise.all([...pebbles.daemons.values()].map((d) => d.daemon.ready));
  for (const s of options.services ?? []) addService(s);
  for (const w of options.workflows ?? [])
    custom.workflows.set(key(w.namespace ?? defaultNs, w.name), makeWorkflow({ ...w, namespace: w.namespace ?? defaultNs }));
  for (const e of options.experiments ?? [])
    custom.experiments.set(key(e.namespace ?? defaultNs, e.name), makeExperiment({ ...e, namespace: e.namespace ?? defaultNs }));

  const rbac = createRbac(user);
  rbac.set(options.rbac);
  // Kubernetes 1.31+ (AuthorizePodWebsocketUpgradeCreatePermission) also checks create on a
  // WebSocket exec or port-forward, which is a GET and so authorized as get; older ones only get.
  let websocketCreateCheck = options.websocketCreateCheck ?? true;
  /**
   * The 403 Status for a request the deny-list (forbid) or the RBAC objects refuse; undefined when allowed.
   * @param {import('./rbac.js').Attributes} a
   */
  function denied(a) {
    const full = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    if (!forbidden.has(full) && !forbidden.has(`${full}:${a.verb}`) && rbac.allows(a)) return undefined;
    return st.forbidden({ user, ...a, namespace: a.namespace ?? '' });
  }
  /**
   * An upgrade to pods/exec or pods/portforward: a POST (SPDY) is a create; a GET (WebSocket) is a
   * get, and then a create where that is checked.
   * @param {import('node:http').IncomingMessage} req @param {string} subresource @param {string} ns @param {string} name
   */
  const deniedUpgrade = (req, subresource, ns, name) => {
    const a = { resource: 'pods', subresource, namespace: ns, name };
    if (req.method === 'POST') return denied({ verb: 'create', ...a });
    return denied({ verb: 'get', ...a }) ?? (websocketCreateCheck ? denied({ verb: 'create', ...a }) : undefined);
  };

  // ---- HTTP ----

  /** @param {import('node:http').IncomingMessage} req */
  function authenticate(req) {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    return Boolean(m && m[1] === token);
  }

  /**
   * @param {import('node:http').ServerResponse} res @param {number} code @param {unknown} body @param {string} [contentType]
   * @returns {number} the status code sent
   */
  function sendJson(res, code, body, contentType = 'application/json') {
    const text = JSON.stringify(body);
    res.writeHead(code, {
      'Content-Type': contentType,
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-cache, private',
      'Audit-Id': randomBytes(16).toString('hex'),
      'X-Kubernetes-Pf-Flowschema-Uid': '00000000-0000-0000-0000-000000000000',
    });
    res.end(text);
    return code;
  }

  /** @param {import('node:http').IncomingMessage} req */
  const wantsTable = (req) => /as=Table/.test(String(req.headers.accept ?? ''));

  /**
   * @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res
   * @returns {number} the status code sent
   */
  function route(req, res) {
    const url = new URL(req.url ?? '/', 'https://sandbox');
    const p = url.pathname.replace(/\/+$/, '') || '/';
    const q = url.searchParams;
    const accept = String(req.headers.accept ?? '');
    const publicPath = ['/version', '/healthz', '/livez', '/readyz'].includes(p);
    if (!publicPath && !authenticate(req)) return sendJson(res, 401, st.unauthorized());
    if (req.headers.authorization && !authenticate(req)) return sendJson(res, 401, st.unauthorized());
    if (req.method !== 'GET' && !/\/(exec|portforward)$/.test(p)) return sendJson(res, 405, st.methodNotAllowed());

    if (p === '/version') return sendJson(res, 200, SERVER_VERSION);
    if (['/healthz', '/livez', '/readyz'].includes(p)) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('ok');
      return 200;
    }
    const groups = servedResources(crds);
    const aggregated = /g=apidiscovery\.k8s\.io;\s*v=v2;\s*as=APIGroupDiscoveryList/.test(accept);
    if (p === '/api' || p === '/apis') {
      const served = p === '/api' ? groups.filter((g) => !g.group) : groups.filter((g) => g.group);
      if (aggregated) {
        return sendJson(res, 200, aggregatedDiscovery(served), 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
      }
      if (p === '/api') {
        return sendJson(res, 200, {
          kind: 'APIVersions',
          versions: ['v1'],
          serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${port}` }],
        });
      }
      return sendJson(res, 200, apiGroupList(groups));
    }
    for (const g of groups) {
      const base = g.group ? `/apis/${g.group}/${g.version}` : `/api/${g.version}`;
      if (p === base) return sendJson(res, 200, apiResourceList(g));
    }

    let m;
    if ((m = /^\/api\/v1\/namespaces(?:\/([^/]+))?$/.exec(p))) {
      const refused = denied({ verb: m[1] ? 'get' : 'list', resource: 'namespaces', name: m[1] && decodeURIComponent(m[1]) });
      if (refused) return sendJson(res, 403, refused);
      const known = namespaces();
      if (!m[1])
        return sendJson(res, 200, {
          kind: 'NamespaceList',
          apiVersion: 'v1',
          metadata: { resourceVersion: currentResourceVersion() },
          items: [...known.values()],
        });
      const ns = known.get(decodeURIComponent(m[1]));
      return ns ? sendJson(res, 200, ns) : sendJson(res, 404, st.notFound('namespaces', decodeURIComponent(m[1])));
    }
    if (/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|portforward)$/.test(p)) {
      return sendJson(res, 400, st.badRequest('Upgrade request required'));
    }
    if ((m = /^\/api\/v1(?:\/namespaces\/([^/]+))?\/services$/.exec(p))) {
      const ns = m[1] && decodeURIComponent(m[1]);
      const refused = denied({ verb: 'list', resource: 'services', namespace: ns });
      if (refused) return sendJson(res, 403, refused);
      let match;
      try {
        match = parseLabelSelector(q.get('labelSelector') ?? '');
      } catch (err) {
        return sendJson(res, 400, st.badRequest(/** @type {Error} */ (err).message));
      }
      const items = sorted([...services.values()]).filter((svc) => (!ns || svc.metadata.namespace === ns) && match(svc.metadata.labels));
      if (wantsTable(req)) return sendJson(res, 200, serviceTable(items, q.get('includeObject') ?? 'Metadata'));
      return sendJson(res, 200, {
        kind: 'ServiceList',
        apiVersion: 'v1',
        metadata: { resourceVersion: currentResourceVersion() },
        items: items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest),
      });
    }
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/]+)$/.exec(p))) {
      const [ns, name] = [decodeURIComponent(m[1]), decodeURIComponent(m[2])];
      const refused = denied({ verb: 'get', resource: 'services', namespace: ns, name });
      if (refused) return sendJson(res, 403, refused);
      const svc = services.get(key(ns, name));
      if (!svc) return sendJson(res, 404, st.notFound('services', name));
      if (wantsTable(req)) return sendJson(res, 200, serviceTable([svc], q.get('includeObject') ?? 'Metadata'));
      return sendJson(res, 200, svc);
    }
    if ((m = /^\/api\/v1(?:\/namespaces\/([^/]+))?\/pods$/.exec(p))) {
      const ns = m[1] && decodeURIComponent(m[1]);
      const refused = denied({ verb: 'list', resource: 'pods', namespace: ns });
      if (refused) return sendJson(res, 403, refused);
      let match;
      try {
        match = parseLabelSelector(q.get('labelSelector') ?? '');
      } catch (err) {
        return sendJson(res, 400, st.badRequest(/** @type {Error} */ (err).message));
      }
      const items = sorted([...pods.values()]).filter((pod) => (!ns || pod.metadata.namespace === ns) && match(pod.metadata.labels));
      if (wantsTable(req)) return sendJson(res, 200, podTable(items, q.get('includeObject') ?? 'Metadata'));
      return sendJson(res, 200, {
        kind: 'PodList',
        apiVersion: 'v1',
        metadata: { resourceVersion: currentResourceVersion() },
        items: items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest),
      });
    }
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(p))) {
      const [ns, name] = [decodeURIComponent(m[1]), decodeURIComponent(m[2])];
      const refused = denied({ verb: 'get', resource: 'pods', namespace: ns, name });
      if (refused) return sendJson(res, 403, refused);
      const pod = pods.get(key(ns, name));
      if (!pod) return sendJson(res, 404, st.notFound('pods', name));
      if (wantsTable(req)) return sendJson(res, 200, podTable([pod], q.get('includeObject') ?? 'Metadata'));
      return sendJson(res, 200, pod);
    }
    for (const resource of CUSTOM_RESOURCES) {
      const def = CUSTOM[resource];
      const re = new RegExp(`^/apis/${def.group.replace('.', '\\.')}/${def.version}(?:/namespaces/([^/]+))?/${resource}(?:/([^/]+))?$`);
      if (!(m = re.exec(p))) continue;
      if (!crds[resource]) return sendJson(res, 404, st.pathNotFound());
      const ns = m[1] && decodeURIComponent(m[1]);
      const name = m[2] && decodeURIComponent(m[2]);
      const verb = name ? 'get' : 'list';
      const refused = denied({ verb, resource, group: def.group, namespace: ns, name });
      if (refused) return sendJson(res, 403, refused);
      if (name) {
        const obj = custom[resource].get(key(ns, name));
        if (!obj) return sendJson(res, 404, st.notFound(resource, name, def.group));
        return sendJson(res, 200, wantsTable(req) ? customTable(resource, [obj], q.get('includeObject') ?? 'Metadata') : obj);
      }
      let match;
      try {
        match = parseLabelSelector(q.get('labelSelector') ?? '');
      } catch (err) {
        return sendJson(res, 400, st.badRequest(/** @type {Error} */ (err).message));
      }
      const items = sorted([...custom[resource].values()]).filter((o) => (!ns || o.metadata.namespace === ns) && match(o.metadata.labels));
      if (wantsTable(req)) return sendJson(res, 200, customTable(resource, items, q.get('includeObject') ?? 'Metadata'));
      return sendJson(res, 200, {
        apiVersion: `${def.group}/${def.version}`,
        kind: `${def.kind}List`,
        metadata: { continue: '', resourceVersion: currentResourceVersion() },
        items,
      });
    }
    return sendJson(res, 404, st.pathNotFound());
  }

  // ---- exec upgrades ----

  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: 64 * 1024 * 1024,
    handleProtocols: (_offered, req) => /** @type {UpgradeRequest} */ (req).negotiatedProtocol ?? false,
  });

  wss.on('headers', (headers, req) => {
    const { tunnelProtocol } = /** @type {UpgradeRequest} */ (req);
    if (tunnelProtocol) headers.push(`Sec-WebSocket-Protocol: ${tunnelProtocol}`);
  });

  /** @param {Duplex} socket @param {number} code @param {unknown} body @returns {number} the status code sent */
  function refuseUpgrade(socket, code, body) {
    const text = JSON.stringify(body);
    /** @type {Record<number, string>} */
    const reasons = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' };
    const reason = reasons[code] ?? 'Error';
    socket.end(
      `HTTP/1.1 ${code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
        `Cache-Control: no-cache, private\r\nConnection: close\r\n\r\n${text}`,
    );
    return code;
  }

  /**
   * @param {UpgradeRequest} req @param {Duplex} socket @param {Buffer} head @param {RequestRecord} record
   * @returns {number} the status code sent
   */
  function upgrade(req, socket, head, record) {
    const url = new URL(req.url ?? '/', 'https://sandbox');
    if (!authenticate(req)) return refuseUpgrade(socket, 401, st.unauthorized());
    const pf = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/.exec(url.pathname);
    if (pf) {
      return upgradePortForward({ req, socket, head, record }, { ns: decodeURIComponent(pf[1]), name: decodeURIComponent(pf[2]), q: url.searchParams });
    }
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
    if (!m) return refuseUpgrade(socket, 404, st.pathNotFound());
    const [ns, name] = [decodeURIComponent(m[1]), decodeURIComponent(m[2])];
    const refused = deniedUpgrade(req, 'exec', ns, name);
    if (refused) return refuseUpgrade(socket, 403, refused);
    const pod = pods.get(key(ns, name));
    if (!pod) return refuseUpgrade(socket, 404, st.notFound('pods', name));
    const q = url.searchParams;
    const names = pod.spec.containers.map((c) => c.name);
    let container = q.get('container') ?? '';
    if (!container) {
      if (names.length !== 1) {
        return refuseUpgrade(socket, 400, st.badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`));
      }
      container = names[0];
    }
    if (!names.includes(container)) return refuseUpgrade(socket, 400, st.badRequest(`container ${container} is not valid for pod ${name}`));
    if (pod.status.phase === 'Pending') return refuseUpgrade(socket, 400, st.badRequest(`pod ${name} does not have a host assigned`));
    if (pod.status.phase !== 'Running') {
      return refuseUpgrade(socket, 400, st.badRequest(`unable to upgrade connection: container not found ("${container}")`));
    }
    const command = q.getAll('command');
    if (!command.length) return refuseUpgrade(socket, 400, st.badRequest('you must specify at least 1 command'));
    const streams = { stdin: q.get('stdin') === 'true', stdout: q.get('stdout') === 'true', stderr: q.get('stderr') === 'true' };
    if (!streams.stdin && !streams.stdout && !streams.stderr) {
      return refuseUpgrade(socket, 400, st.badRequest('you must specify at least 1 of stdin, stdout, stderr'));
    }
    if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      return refuseUpgrade(socket, 400, st.badRequest(`this sandbox serves exec over WebSocket only, not ${req.headers.upgrade}`));
    }
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const protocol = negotiate(offered, execProtocols);
    if (!protocol) {
      return refuseUpgrade(
        socket,
        400,
        st.badRequest(
          `unable to upgrade connection: requested protocol(s) are not supported: [${offered.join(' ')}]; supported protocols are [${execProtocols.join(' ')}]`,
        ),
      );
    }
    req.negotiatedProtocol = protocol;
    record.subprotocol = protocol;
    /** @type {ExecRecord} */
    const execRecord = { namespace: ns, pod: name, container, command, protocol, streams, fault: execFault ? { ...execFault } : undefined };
    execs.push(execRecord);
    const fault = execFault;
    wss.handleUpgrade(req, socket, head, (ws) => {
      serveExec({ ws, fs, namespace: ns, pod: name, container, command, streams, fault, record: execRecord, sessions });
    });
    return 101;
  }

  // ---- port-forward upgrades ----

  /**
   * @param {{ req: UpgradeRequest, socket: Duplex, head: Buffer, record: RequestRecord }} upgrade the upgrade request
   * @param {{ ns: string, name: string, q: URLSearchParams }} target the pod, and the request's query
   * @returns {number} the status code sent
   */
  function upgradePortForward({ req, socket, head, record }, { ns, name, q }) {
    const refused = deniedUpgrade(req, 'portforward', ns, name);
    if (refused) return refuseUpgrade(socket, 403, refused);
    const pod = pods.get(key(ns, name));
    if (!pod) return refuseUpgrade(socket, 404, st.notFound('pods', name));
    if (pod.status.phase === 'Pending') return refuseUpgrade(socket, 400, st.badRequest(`pod ${name} does not have a host assigned`));
    if (pod.status.phase !== 'Running') return refuseUpgrade(socket, 400, st.badRequest(`unable to upgrade connection: pod ${name} is not running`));
    const target = { uid: pod.metadata.uid, name, forwards: forwards.get(key(ns, name)) ?? {} };
    /** @param {string} protocol @param {number[]} [ports] */
    const newRecord = (protocol, ports = []) => {
      /** @type {PortForwardRecord} */
      const r = { namespace: ns, pod: name, protocol, ports, connections: 0, bytesToPod: 0, bytesFromPod: 0, errors: [], open: true };
      portForwards.push(r);
      return r;
    };
    const upgradeTo = String(req.headers.upgrade ?? '').toLowerCase();
    if (upgradeTo === 'spdy/3.1') {
      // kubectl's fallback: SPDY on the upgraded connection itself, the stream protocol negotiated in headers.
      const offered = String(req.headers['x-stream-protocol-version'] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (!offered.includes(SPDY_STREAM_PROTOCOL)) {
        return refuseUpgrade(socket, 403, st.forbidden({ user, verb: 'create', resource: 'pods', subresource: 'portforward', namespace: ns, name }));
      }
      record.subprotocol = SPDY_STREAM_PROTOCOL;
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${SPDY_STREAM_PROTOCOL}\r\n\r\n`,
      );
      if (head?.length) socket.unshift(head);
      serveSpdyPortForward({
        transport: socketTransport(socket),
        onData: (cb) => socket.on('data', cb),
        onClose: (cb) => socket.on('close', cb),
        pod: target,
        record: newRecord('SPDY/3.1'),
        sessions: forwardSessions,
      });
      return 101;
    }
    if (upgradeTo !== 'websocket') return refuseUpgrade(socket, 400, st.badRequest(`unable to upgrade: ${req.headers.upgrade} is not a supported upgrade`));
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const protocol = negotiate(offered, PORT_FORWARD_PROTOCOLS);
    if (!protocol) {
      return refuseUpgrade(
        socket,
        400,
        st.badRequest(
          `unable to upgrade connection: requested protocol(s) are not supported: [${offered.join(' ')}]; supported protocols are [${PORT_FORWARD_PROTOCOLS.join(' ')}]`,
        ),
      );
    }
    /** @type {number[]} */
    let ports = [];
    if (protocol === CHANNEL_PROTOCOL) {
      const raw = q
        .getAll('ports')
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter(Boolean);
      if (!raw.length) return refuseUpgrade(socket, 400, st.badRequest('query parameter "port" is required'));
      ports = raw.map(Number);
      const bad = raw.find((v, i) => !/^\d+$/.test(v) || ports[i] < 1 || ports[i] > 65535);
      if (bad !== undefined) return refuseUpgrade(socket, 400, st.badRequest(`unable to parse "${bad}" as a port: port must be > 0 and < 65536`));
    }
    record.subprotocol = protocol;
    if (protocol === CHANNEL_PROTOCOL) req.negotiatedProtocol = protocol;
    else {
      // ws refuses "SPDY/3.1+portforward.k8s.io" as a subprotocol ('/' is not a token character,
      // though the apiserver accepts it): the header is taken out here and put back in the answer.
      delete req.headers['sec-websocket-protocol'];
      req.tunnelProtocol = protocol;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const rec = newRecord(protocol, ports);
      if (protocol === CHANNEL_PROTOCOL) {
        serveChannelPortForward({ ws, pod: target, ports, record: rec, sessions: forwardSessions });
      } else {
        serveSpdyPortForward({
          transport: wsTransport(ws),
          // never an ArrayBuffer: the socket's binaryType is the default, 'nodebuffer'
          onData: (cb) => ws.on('message', (data) => cb(Buffer.isBuffer(data) ? data : Buffer.concat(/** @type {Buffer[]} */ (data)))),
          onClose: (cb) => ws.on('close', cb),
          pod: target,
          record: rec,
          sessions: forwardSessions,
        });
      }
    });
    return 101;
  }

  const server = https.createServer({ key: serverKey, cert }, (req, res) => {
    /** @type {RequestRecord} */
    const record = { method: req.method ?? 'GET', path: req.url ?? '/', accept: req.headers.accept, userAgent: req.headers['user-agent'], status: 0 };
    requests.push(record);
    try {
      record.status = route(req, res);
    } catch (err) {
      record.status = sendJson(res, 500, st.failure(500, 'InternalError', `Internal error occurred: ${/** @type {Error} */ (err).message}`));
    }
  });
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => undefined);
    /** @type {RequestRecord} */
    const record = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      userAgent: req.headers['user-agent'],
      upgrade: String(req.headers.upgrade ?? ''),
      offeredProtocols: String(req.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      status: 0,
    };
    requests.push(record);
    try {
      record.status = upgrade(req, socket, head, record);
    } catch (err) {
      record.status = refuseUpgrade(socket, 500, st.failure(500, 'InternalError', `Internal error occurred: ${/** @type {Error} */ (err).message}`));
    }
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(undefined));
  });
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  const serverUrl = `https://127.0.0.1:${port}`;

  /** @param {string} [t] the bearer token @param {string} [namespace] the context's */
  const kubeconfigFor = (t = token, namespace = defaultNs) =>
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: sandbox',
      '  cluster:',
      `    server: ${serverUrl}`,
      `    certificate-authority-data: ${Buffer.from(ca).toString('base64')}`,
      'users:',
      '- name: sandbox-user',
      '  user:',
      `    token: ${t}`,
      'contexts:',
      '- name: sandbox',
      '  context:',
      '    cluster: sandbox',
      '    user: sandbox-user',
      `    namespace: ${namespace}`,
      'current-context: sandbox',
      'preferences: {}',
      '',
    ].join('\n');
  const kubeconfig = kubeconfigFor();
  const kubeconfigPath = path.join(root, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });

  let stopped = false;
  /** @param {CustomResource} resource checked: JS callers may pass anything */
  const objectsOf = (resource) => {
    if (!custom[resource]) throw new Error(`kube sandbox: unknown custom resource ${resource}`);
    return custom[resource];
  };

  return {
    server: serverUrl,
    port,
    token,
    user,
    namespace: defaultNs,
    caPem: ca,
    kubeconfig,
    kubeconfigPath,
    root,
    /** Every request so far, oldest first; exec upgrades carry the offered and negotiated subprotocols. */
    requests,
    /** Every exec so far: pod, container, command, protocol, outcome, exitCode, stdoutBytes, status. */
    execs,
    /** A kubeconfig for this server with another token (a wrong one, for tests) or namespace. */
    kubeconfigFor,

    addPod,
    /** @param {string} name @param {string} [namespace] */
    removePod(name, namespace = defaultNs) {
      pods.delete(key(namespace, name));
      forwards.delete(key(namespace, name));
      void pebbles.remove(namespace, name);
    },
    /**
     * The pebble of a container that has one (spec `pebble`): services, logs, pushes, faults.
     * @param {string} pod @param {string} [container] needed when several containers of the pod have pebble @param {string} [namespace]
     */
    pebble: (pod, container, namespace = defaultNs) => pebbleHandle(pebbles.get(namespace, pod, container)),
    /**
     * The MLMD server behind the pod's pebble service `mlmd` (sandbox/pebble/mlmd-server.js): its
     * libraryVersion (set it to make the next start or RPC see a schema mismatch) and rpc().
     * @param {string} [pod] @param {string} [namespace]
     */
    mlmd(pod = 'mlmd-0', namespace = defaultNs) {
      const handle = pebbleHandle(pebbles.withService(namespace, pod, 'mlmd'));
      return /** @type {ReturnType<typeof import('../pebble/mlmd-server.js').mlmdServer>} */ (handle.program('mlmd'));
    },
    /**
     * Where connections to the pod's ports go from now: { 9000: '127.0.0.1:9100' } (a number: a port on 127.0.0.1).
     * @param {string} name @param {Record<string, string | number>} map @param {string} [namespace]
     */
    setPortForwards: (name, map, namespace = defaultNs) => setPortForwards(name, map, namespace),
    addService,
    /** @param {string} name @param {string} [namespace] */
    removeService(name, namespace = defaultNs) {
      services.delete(key(namespace, name));
    },
    /** Every port-forward session so far: pod, protocol, ports, connections, bytes each way, errors, open. */
    portForwards,
    /** Port-forward sessions (WebSocket or SPDY connections) still open. */
    get activePortForwards() {
      return forwardSessions.size;
    },
    /** @param {string} name @param {string} phase Pending, Running, Succeeded, Failed... @param {string} [namespace] */
    setPodPhase(name, phase, namespace = defaultNs) {
      const pod = pods.get(key(namespace, name));
      if (!pod) throw new Error(`kube sandbox: no pod ${namespace}/${name}`);
      pod.status.phase = phase;
    },
    /**
     * The host path of a path inside a container: write test files through it.
     * @param {string} pod @param {string} container @param {string} podPath @param {string} [namespace]
     */
    hostPath: (pod, container, podPath, namespace = defaultNs) => fs.hostPath(namespace, pod, container, podPath),
    /**
     * Every file under the container's mounts, as pod paths ("/data/mlmd.db", "/tmp/x").
     * @param {string} pod @param {string} container @param {string} [namespace]
     */
    listFiles: (pod, container, namespace = defaultNs) => fs.listFiles(namespace, pod, container),

    /** @param {CustomResource} resource @param {CustomObjectSpec} spec */
    addObject(resource, { name, namespace = defaultNs, phase, labels }) {
      const make = resource === 'workflows' ? makeWorkflow : makeExperiment;
      const obj = make({ name, namespace, phase, labels });
      objectsOf(resource).set(key(namespace, name), obj);
      return obj;
    },
    /** @param {CustomResource} resource @param {string} name @param {string} phase @param {string} [namespace] */
    setPhase(resource, name, phase, namespace = defaultNs) {
      const obj = objectsOf(resource).get(key(namespace, name));
      if (!obj) throw new Error(`kube sandbox: no ${resource} ${namespace}/${name}`);
      // the workflows map holds Workflows only, the experiments map Experiments
      if (resource === 'workflows') setWorkflowPhase(/** @type {Workflow} */ (obj), phase);
      else setExperimentPhase(/** @type {Experiment} */ (obj), phase);
    },
    /** @param {CustomResource} resource @param {string} name @param {string} [namespace] */
    removeObject(resource, name, namespace = defaultNs) {
      objectsOf(resource).delete(key(namespace, name));
    },
    /**
     * Installs or uninstalls a CRD: uninstalled, its paths answer 404 and discovery omits it.
     * @param {CustomResource} resource @param {boolean} installed
     */
    setCrdInstalled(resource, installed) {
      objectsOf(resource);
      crds[resource] = installed;
    },

    /**
     * 403 for a resource ('pods', 'pods/exec', 'pods/portforward', 'services', 'workflows', 'experiments'), optionally one verb only.
     * @param {string} resource @param {string} [verb]
     */
    forbid(resource, verb) {
      forbidden.add(verb ? `${resource}:${verb}` : resource);
    },
    /**
     * Authorizes the user with these RBAC objects (Role, ClusterRole, RoleBinding, ClusterRoleBinding),
     * as from `kubectl apply -f`; undefined allows everything again.
     * @param {import('./rbac.js').RbacObject[] | undefined} objects
     */
    setRbac(objects) {
      rbac.set(objects);
    },
    /** @param {boolean} on */
    setWebsocketCreateCheck(on) {
      websocketCreateCheck = on;
    },
    /** @param {string} resource @param {string} [verb] */
    allow(resource, verb) {
      forbidden.delete(verb ? `${resource}:${verb}` : resource);
    },
    /** Applies to every exec started from now until cleared with setExecFault(undefined). @param {ExecFault | undefined} fault */
    setExecFault(fault) {
      execFault = fault;
    },
    /**
     * The exec subprotocols served, in preference order (e.g. ['v4.channel.k8s.io'] for an older apiserver).
     * @param {string[]} protocols
     */
    setExecProtocols(protocols) {
      execProtocols = protocols;
    },
    /** Exec sessions still running. */
    get activeExecs() {
      return sessions.size;
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      for (const s of sessions) s.kill();
      for (const s of forwardSessions) s.kill();
      for (const ws of wss.clients) ws.terminate();
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
      wss.close();
      await pebbles.stopAll();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
