// @ts-check
// Containers as directories on the host, and commands run "inside" them.
//
// Each container has a directory per mount (by default data/ for /data and tmp/ for /tmp) under
// <root>/pods/<namespace>/<pod>/<container>/. An exec runs in a private mount namespace
// (unshare --mount): a tmpfs becomes the container's root, holding only the container's declared
// tools (each host binary bind-mounted read-only onto /usr/bin/<tool>), the host's libraries
// (read-only), a minimal /dev and /etc, and the container's directories at their pod paths. The
// command is then run chrooted there with PATH=/usr/local/sbin:...:/bin, so `cat /data/mlmd.db` reads
// <container>/data/mlmd.db, and a tool the container does not declare is not there at all.
import { execFileSync, spawn } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdirSync, readdirSync, realpathSync, statSync, writeFileSync, chownSync, lstatSync } from 'node:fs';
import path from 'node:path';

/**
 * @typedef {import('./types.js').ContainerSpec} ContainerSpec
 * @typedef {{ files: Record<string, string>, mounts: Record<string, string>, env: Record<string, string>, passwd?: string, group?: string }} Extras
 *   what the kubelet (or Juju) adds to a container beyond its image's tools and its volumes:
 *   files: pod path -> a host file bound read-only there (/charm/bin/pebble); mounts: pod path ->
 *   host directory (/charm/container, where pebble's socket is); env: added to every exec's environment;
 *   passwd, group: more lines for /etc/passwd and /etc/group (the image's own users)
 * @typedef {{ tools: Map<string, string>, mounts: Record<string, string>, user?: string, extras?: Extras }} Container
 *   tools: name -> the host binary; mounts: pod path -> host directory
 * @typedef {import('node:child_process').ChildProcessByStdio<import('node:stream').Writable | null,
 *   import('node:stream').Readable, import('node:stream').Readable>} ContainerProcess stdin is null unless asked for
 */

export const DEFAULT_TOOLS = ['sh', 'cat', 'tar', 'ls', 'test', 'stat', 'rm', 'mkdir'];
/** @type {Record<string, string>} */
export const DEFAULT_MOUNTS = { '/data': 'data', '/tmp': 'tmp' };
export const CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const ENTER_SCRIPT = `#!/bin/sh
# Runs as root in a fresh private mount namespace: builds the container's root on a tmpfs, then
# runs "$@" chrooted into it with the container's PATH and nothing of the host's environment.
set -eu
R="$KS_ROOT"
fail() { echo "kube-sandbox: could not set up the container filesystem: $*" >&2; exit 125; }
mount -t tmpfs -o mode=0755,size=8m kube-sandbox-rootfs "$R" || fail "mount tmpfs on $R"
mkdir -p "$R/usr/bin" "$R/usr/sbin" "$R/usr/local/bin" "$R/dev" "$R/etc" "$R/proc" "$R/root"
ln -s usr/bin "$R/bin"
ln -s usr/sbin "$R/sbin"
for d in lib lib32 lib64 libx32; do
  if [ -L "/$d" ]; then ln -s "$(readlink "/$d")" "$R/$d"
  elif [ -d "/$d" ]; then mkdir -p "$R/$d" && mount --bind -o ro "/$d" "$R/$d" || fail "bind /$d"; fi
  if [ -d "/usr/$d" ] && [ ! -L "/usr/$d" ]; then
    mkdir -p "$R/usr/$d" && mount --bind -o ro "/usr/$d" "$R/usr/$d" || fail "bind /usr/$d"
  fi
done
IFS='
'
for t in $KS_TOOLS; do
  name=\${t%%=*}; src=\${t#*=}
  : > "$R/usr/bin/$name"
  mount --bind -o ro "$src" "$R/usr/bin/$name" || fail "bind tool $name"
done
for f in $KS_FILES; do
  dst=\${f%%=*}; src=\${f#*=}
  mkdir -p "$R\${dst%/*}"
  : > "$R$dst"
  mount --bind -o ro "$src" "$R$dst" || fail "bind $src on $dst"
done
for n in null zero full random urandom; do
  : > "$R/dev/$n"
  mount --bind "/dev/$n" "$R/dev/$n" || fail "bind /dev/$n"
done
ln -s /proc/self/fd "$R/dev/fd"
ln -s /proc/self/fd/0 "$R/dev/stdin"
ln -s /proc/self/fd/1 "$R/dev/stdout"
ln -s /proc/self/fd/2 "$R/dev/stderr"
mount -t proc proc "$R/proc" 2>/dev/null || true
printf 'root:x:0:0:root:/root:/bin/sh\\n%s' "$KS_PASSWD" > "$R/etc/passwd"
printf 'root:x:0:\\n%s' "$KS_GROUP" > "$R/etc/group"
printf '%s\\n' "$KS_HOSTNAME" > "$R/etc/hostname"
for m in $KS_MOUNTS; do
  dst=\${m%%=*}; src=\${m#*=}
  mkdir -p "$R$dst"
  mount --bind "$src" "$R$dst" || fail "bind $src on $dst"
done
cd /
# KS_ENV: NAME=value lines, split on newlines only
set -f
if [ -n "$KS_USER" ]; then
  exec env -i PATH="${CONTAINER_PATH}" HOME=/root HOSTNAME="$KS_HOSTNAME" $KS_ENV chroot --userspec="$KS_USER" "$R" "$@"
fi
exec env -i PATH="${CONTAINER_PATH}" HOME=/root HOSTNAME="$KS_HOSTNAME" $KS_ENV chroot "$R" "$@"
`;

/** Where a program is on the host, following symlinks (sh -> dash). @param {string} name @returns {string} */
function hostTool(name) {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return realpathSync(candidate);
    } catch {
      // not here
    }
  }
  throw new Error(`kube sandbox: the tool "${name}" a container declares is not installed on this machine`);
}

/** Fails early, and clearly, when this machine does not let us make a private mount namespace. @param {string} mountpoint */
export function checkMountNamespaces(mountpoint) {
  try {
    execFileSync('unshare', ['--mount', '--propagation', 'private', '--', 'mount', '-t', 'tmpfs', 'probe', mountpoint], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (err) {
    const failed = /** @type {Error & { stderr?: Buffer }} */ (err);
    const detail = String(failed.stderr ?? failed.message).trim();
    throw new Error(
      `kube sandbox: exec runs commands in a private mount namespace (unshare --mount, then bind mounts), which this ` +
        `machine does not permit (${detail}). Run the tests as root, or with CAP_SYS_ADMIN (e.g. docker run --privileged).`,
      { cause: err },
    );
  }
}

/** The host directories of every container, created empty. */
export class ContainerFilesystems {
  /** @param {string} root */
  constructor(root) {
    this.root = root;
    this.rootfsMountpoint = path.join(root, 'rootfs');
    mkdirSync(this.rootfsMountpoint, { recursive: true });
    this.enterScript = path.join(root, 'enter-container.sh');
    writeFileSync(this.enterScript, ENTER_SCRIPT, { mode: 0o755 });
    /** @type {Map<string, Container>} */
    this.containers = new Map();
  }

  /** @param {string} namespace @param {string} pod @param {string} container */
  key(namespace, pod, container) {
    return `${namespace}/${pod}/${container}`;
  }

  /**
   * @param {string} namespace @param {string} pod
   * @param {ContainerSpec} spec mounts: pod path -> a directory name under the container ("data"), or
   *   "volume:<name>" for a directory all containers of the pod share.
   */
  add(namespace, pod, spec) {
    const base = path.join(this.root, 'pods', namespace, pod);
    /** @type {Record<string, string>} */
    const mounts = {};
    for (const [podPath, where] of Object.entries(spec.mounts ?? DEFAULT_MOUNTS)) {
      if (!podPath.startsWith('/') || podPath === '/' || podPath.includes('=') || podPath.includes('\n')) {
        throw new Error(`kube sandbox: bad mount path ${podPath}`);
      }
      const hostDir = where.startsWith('volume:') ? path.join(base, 'volumes', where.slice(7)) : path.join(base, spec.name, where);
      mkdirSync(hostDir, { recursive: true });
      chmodSync(hostDir, podPath === '/tmp' ? 0o1777 : 0o755);
      if (spec.user) {
        const [uid, gid] = spec.user.split(':').map(Number);
        chownSync(hostDir, uid, gid ?? uid);
      }
      mounts[podPath] = hostDir;
    }
    const tools = new Map((spec.tools ?? DEFAULT_TOOLS).map((t) => [t, hostTool(t)]));
    this.containers.set(this.key(namespace, pod, spec.name), { tools, mounts, user: spec.user });
  }

  /** @param {string} namespace @param {string} pod @param {string} container @returns {Container} */
  get(namespace, pod, container) {
    const c = this.containers.get(this.key(namespace, pod, container));
    if (!c) throw new Error(`kube sandbox: no container ${this.key(namespace, pod, container)}`);
    return c;
  }

  /**
   * The host path of a path inside the container, e.g. hostPath('kubeflow','mlmd-0','mlmd-grpc-server','/data/mlmd.db').
   * @param {string} namespace @param {string} pod @param {string} container @param {string} podPath
   */
  hostPath(namespace, pod, container, podPath) {
    const found = this.resolve(namespace, pod, container, podPath);
    if (!found) {
      const { mounts } = this.get(namespace, pod, container);
      throw new Error(`kube sandbox: ${podPath} is not on a mount of ${container} (${Object.keys(mounts).join(', ')})`);
    }
    return found.host;
  }

  /**
   * Like hostPath, but undefined for a path on no mount; mountRoot: the path is a mount point itself.
   * @param {string} namespace @param {string} pod @param {string} container @param {string} podPath
   * @returns {{ host: string, mountRoot: boolean } | undefined}
   */
  resolve(namespace, pod, container, podPath) {
    const { mounts } = this.get(namespace, pod, container);
    const mount = Object.keys(mounts)
      .sort((a, b) => b.length - a.length)
      .find((m) => podPath === m || podPath.startsWith(`${m}/`));
    if (!mount) return undefined;
    return { host: path.join(mounts[mount], path.relative(mount, podPath)), mountRoot: podPath === mount };
  }

  /**
   * Adds files, directories and environment to every later exec in the container (Juju's pebble).
   * @param {string} namespace @param {string} pod @param {string} container @param {Extras} extras
   */
  attach(namespace, pod, container, extras) {
    this.get(namespace, pod, container).extras = extras;
  }

  /**
   * Every file and directory under the container's mounts, as pod paths, sorted.
   * @param {string} namespace @param {string} pod @param {string} container
   */
  listFiles(namespace, pod, container) {
    const { mounts } = this.get(namespace, pod, container);
    /** @type {string[]} */
    const out = [];
    /** @param {string} hostDir @param {string} podDir */
    const walk = (hostDir, podDir) => {
      for (const entry of readdirSync(hostDir).sort()) {
        const p = `${podDir}/${entry}`;
        out.push(p);
        if (lstatSync(path.join(hostDir, entry)).isDirectory()) walk(path.join(hostDir, entry), p);
      }
    };
    for (const [podPath, hostDir] of Object.entries(mounts)) walk(hostDir, podPath);
    return out.sort();
  }

  /**
   * Whether the container would find the program: undefined when it would, else why not.
   * @param {string} namespace @param {string} pod @param {string} container @param {string | undefined} program
   * @returns {string | undefined}
   */
  lookup(namespace, pod, container, program) {
    const c = this.get(namespace, pod, container);
    if (!program) return 'empty command';
    if (!program.includes('/')) return c.tools.has(program) ? undefined : 'not found';
    const normal = path.posix.normalize(program);
    const m = /^\/(?:usr\/)?s?bin\/([^/]+)$/.exec(normal);
    if (m && c.tools.has(m[1])) return undefined;
    if (c.extras?.files[normal]) return undefined;
    try {
      const host = this.hostPath(namespace, pod, container, normal);
      accessSync(host, constants.X_OK);
      return undefined;
    } catch {
      return 'not found';
    }
  }

  /**
   * Starts argv inside the container. The child leads its own process group (kill -pid stops all).
   * @param {string} namespace @param {string} pod @param {string} container @param {string[]} argv
   * @param {{ stdin: boolean }} options stdin: give the child a stdin pipe
   * @returns {ContainerProcess}
   */
  spawn(namespace, pod, container, argv, { stdin }) {
    const c = this.get(namespace, pod, container);
    const [uid, gid] = (c.user ?? '').split(':');
    return /** @type {ContainerProcess} */ (
      spawn('unshare', ['--mount', '--propagation', 'private', '--', '/bin/sh', this.enterScript, ...argv], {
        detached: true,
        stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
        env: {
          PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
          KS_ROOT: this.rootfsMountpoint,
          KS_TOOLS: [...c.tools].map(([name, host]) => `${name}=${host}`).join('\n'),
          KS_MOUNTS: Object.entries({ ...c.mounts, ...c.extras?.mounts })
            .map(([p, host]) => `${p}=${host}`)
            .join('\n'),
          KS_FILES: Object.entries(c.extras?.files ?? {})
            .map(([p, host]) => `${p}=${host}`)
            .join('\n'),
          KS_ENV: Object.entries(c.extras?.env ?? {})
            .map(([k, v]) => `${k}=${v}`)
            .join('\n'),
          KS_USER: c.user ?? '',
          KS_PASSWD: (uid ? `app:x:${uid}:${gid || uid}::/tmp:/bin/sh\n` : '') + (c.extras?.passwd ?? ''),
          KS_GROUP: (uid ? `app:x:${gid || uid}:\n` : '') + (c.extras?.group ?? ''),
          KS_HOSTNAME: pod,
        },
      })
    );
  }
}
