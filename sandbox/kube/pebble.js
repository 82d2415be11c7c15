// @ts-check
// Pebble in the containers that ask for it (`pebble: { services: {...} }` in a container spec), as
// Juju puts it in every workload container: a daemon per container (sandbox/pebble/daemon.js) on a
// unix socket under the kube root, bind-mounted in each exec at /charm/container/pebble.socket, with
// PEBBLE_SOCKET set to it; the CLI at /charm/bin/pebble (sandbox/pebble/cli.js and its siblings,
// copied under the root) run by the host's node, bind-mounted read-only at /charm/bin/node.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPebbleDaemon } from '../pebble/daemon.js';

const PEBBLE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../pebble');
/** The CLI's modules: cli.js becomes /charm/bin/pebble, the rest keep their names beside it. */
const CLI_FILES = ['cli.js', 'cli-args.js', 'cli-client.js', 'cli-format.js', 'multipart.js', 'errors.js'];
export const PEBBLE_SOCKET = '/charm/container/pebble.socket';
const MAX_SOCKET_PATH = 107; // sun_path

/**
 * @typedef {import('../pebble/types.js').PebbleSpec} PebbleSpec
 * @typedef {ReturnType<typeof startPebbleDaemon>} Daemon
 */

export class Pebbles {
  /** @param {string} root the kube's temp dir @param {import('./containers.js').ContainerFilesystems} fs */
  constructor(root, fs) {
    this.root = root;
    this.fs = fs;
    /** @type {Map<string, { daemon: Daemon, socketDir: string }>} ns/pod/container */
    this.daemons = new Map();
    /** @type {Record<string, string> | undefined} pod path -> host file */
    this.cliFiles = undefined;
  }

  /** The CLI, staged once under the root. */
  charmBin() {
    if (this.cliFiles) return this.cliFiles;
    const dir = path.join(this.root, 'charm-bin');
    mkdirSync(dir, { recursive: true });
    /** @type {Record<string, string>} */
    const files = { '/charm/bin/node': realpathSync(process.execPath) };
    for (const f of CLI_FILES) {
      const name = f === 'cli.js' ? 'pebble' : f;
      copyFileSync(path.join(PEBBLE_DIR, f), path.join(dir, name));
      chmodSync(path.join(dir, name), name === 'pebble' ? 0o755 : 0o644);
      files[`/charm/bin/${name}`] = path.join(dir, name);
    }
    this.cliFiles = files;
    return files;
  }

  /**
   * Starts the container's pebble (its enabled services start at once, as the charm's replan does).
   * @param {string} namespace @param {string} pod @param {import('./types.js').ContainerSpec} spec
   */
  add(namespace, pod, spec) {
    const pebble = /** @type {PebbleSpec} */ (spec.pebble);
    const key = `${namespace}/${pod}/${spec.name}`;
    let socketDir = path.join(this.root, 'pebble', namespace, pod, spec.name);
    mkdirSync(socketDir, { recursive: true });
    const scratchDir = path.join(socketDir, 'scratch');
    mkdirSync(scratchDir);
    if (path.join(socketDir, 'socket', 'pebble.socket').length > MAX_SOCKET_PATH) socketDir = mkdtempSync(path.join(os.tmpdir(), 'pebble-'));
    else socketDir = path.join(socketDir, 'socket');
    mkdirSync(socketDir, { recursive: true, mode: 0o755 });
    chmodSync(socketDir, 0o755);

    /** @type {Map<number, { name: string, gid: number }>} */
    const users = new Map([[0, { name: 'root', gid: 0 }]]);
    /** @type {Map<number, string>} */
    const groups = new Map([[0, 'root']]);
    if (spec.user) {
      const [uid, gid = uid] = spec.user.split(':').map(Number);
      users.set(uid, { name: 'app', gid });
      groups.set(gid, 'app');
    }
    let passwd = '';
    let group = '';
    for (const [id, name] of Object.entries(pebble.users ?? {})) {
      users.set(Number(id), { name, gid: Number(id) });
      passwd += `${name}:x:${id}:${id}::/nonexistent:/usr/sbin/nologin\n`;
    }
    for (const [id, name] of Object.entries(pebble.groups ?? {})) {
      groups.set(Number(id), name);
      group += `${name}:x:${id}:\n`;
    }

    const daemon = startPebbleDaemon({
      socketPath: path.join(socketDir, 'pebble.socket'),
      spec: pebble,
      scratchDir,
      resolve: (p) => this.fs.resolve(namespace, pod, spec.name, p),
      hostPath: (p) => this.fs.hostPath(namespace, pod, spec.name, p),
      users,
      groups,
    });
    this.fs.attach(namespace, pod, spec.name, {
      files: this.charmBin(),
      mounts: { '/charm/container': socketDir },
      env: { PEBBLE_SOCKET },
      passwd,
      group,
    });
    this.daemons.set(key, { daemon, socketDir });
    return daemon;
  }

  /**
   * The pebble of a container; container may be left out when one container of the pod has one.
   * @param {string} namespace @param {string} pod @param {string} [container]
   */
  get(namespace, pod, container) {
    const prefix = `${namespace}/${pod}/`;
    const keys = [...this.daemons.keys()].filter((k) => k.startsWith(prefix) && (!container || k === prefix + container));
    if (keys.length !== 1) {
      throw new Error(
        `kube sandbox: ${keys.length ? 'several containers' : 'no container'} of ${namespace}/${pod} with pebble${container ? ` named ${container}` : ''}`,
      );
    }
    return /** @type {{ daemon: Daemon }} */ (this.daemons.get(keys[0])).daemon;
  }

  /** The pebble of the pod's container that has this service. @param {string} namespace @param {string} pod @param {string} service */
  withService(namespace, pod, service) {
    for (const [k, { daemon }] of this.daemons) if (k.startsWith(`${namespace}/${pod}/`) && daemon.manager.services.has(service)) return daemon;
    throw new Error(`kube sandbox: no container of ${namespace}/${pod} has a pebble service ${service}`);
  }

  /** Stops the pebbles of a pod (it is being removed). @param {string} namespace @param {string} pod */
  async remove(namespace, pod) {
    const gone = [...this.daemons].filter(([k]) => k.startsWith(`${namespace}/${pod}/`));
    for (const [k] of gone) this.daemons.delete(k);
    await Promise.all(gone.map(([, d]) => this.close(d)));
  }

  /** @param {{ daemon: Daemon, socketDir: string }} d */
  async close(d) {
    await d.daemon.close();
    if (!d.socketDir.startsWith(this.root)) rmSync(d.socketDir, { recursive: true, force: true });
  }

  async stopAll() {
    const all = [...this.daemons.values()];
    this.daemons.clear();
    await Promise.all(all.map((d) => this.close(d)));
  }
}

/**
 * What a test sees of a container's pebble (kube.pebble(pod, container)).
 * @param {Daemon} daemon
 */
export function pebbleHandle(daemon) {
  const { manager } = daemon;
  /** @param {string} name */
  const svc = (name) => {
    const s = manager.services.get(name);
    if (!s) throw new Error(`kube sandbox: pebble has no service ${name}`);
    return s;
  };
  return {
    socketPath: daemon.socketPath,
    /** Every service as `pebble services` would list it. */
    services: () => manager.list([]),
    /** current: active | inactive | backoff | error; state: pebble's internal state; starts: how often it was started. @param {string} name */
    service(name) {
      const s = svc(name);
      return { name, current: manager.status(s), state: s.state, since: s.since, starts: s.starts, backoffs: s.backoffNum };
    },
    /** The service's output, one line an entry, oldest first. @param {string} name */
    logs: (name) => svc(name).logs.map((e) => e.message),
    /**
     * Combines fields into a service's layer, as `pebble add --combine` would (backoff-delay, ...).
     * @param {string} name @param {Partial<import('../pebble/types.js').ServiceSpec>} fields
     */
    combine: (name, fields) => Object.assign(svc(name).spec, fields),
    /** The in-process program behind a service (mlmdServer(): libraryVersion, rpc()). @param {string} name */
    program: (name) => svc(name).spec.program,
    /** Resolves once the service's status is current (active, inactive, backoff, error). @param {string} name @param {string} current @param {number} [ms] */
    async waitFor(name, current, ms = 10_000) {
      const until = Date.now() + ms;
      while (manager.status(svc(name)) !== current) {
        if (Date.now() > until) throw new Error(`kube sandbox: service ${name} is ${manager.status(svc(name))}, not ${current}, after ${ms} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    /** Every push so far: path, bytes, outcome (written, failed, crashed), tmp, mode, uid, gid, error. */
    pushes: daemon.pushes,
    /** Every API request so far: method, path, query, status. */
    requests: daemon.requests,
    /** Changes by id, as /v1/changes/{id} serves them. */
    changes: manager.changes,
    /** @param {import('../pebble/types.js').PushFault | undefined} fault */
    setPushFault: (fault) => daemon.setPushFault(fault),
  };
}
