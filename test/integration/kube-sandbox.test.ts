// The Kubernetes API emulator (sandbox/kube) against the real kubectl and the kube package
// (@kubernetes/client-node underneath): exec over WebSocket byte for byte, errors as the real API
// server words them, fault injection, workload lists, and bounded memory under a slow consumer.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { ActionError, CancelledError } from '@ml-backup-actions/core';
import { describeWorkloads, ExecError, KubeClient, runningNames, type PortForward } from '@ml-backup-actions/kube';
import { startKube } from '../../sandbox/kube/index.js';
import { isAlive } from '../support/procs.js';
import { must } from '../support/must.js';
import { kubectl as runKubectl } from '../support/kubectl.js';

type Kube = Awaited<ReturnType<typeof startKube>>;
let kube: Kube;
let client: KubeClient;
let db: Buffer;
const NS = 'kubeflow';
const POD = 'mlmd-0';
const C = 'mlmd-grpc-server';
const MiB = 1024 * 1024;

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Collects a stream's bytes; `ended` tells whether the writer ended it. */
function collector() {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  return { stream, bytes: () => Buffer.concat(chunks), ended: () => stream.writableEnded };
}

const kubectl = (args: string[], kubeconfig = kube.kubeconfigPath, stdin?: Buffer) =>
  runKubectl(args, { kubeconfig, cacheDir: path.join(kube.root, 'kubectl-cache') }, stdin);

const exec = (command: string[], extra: Partial<Parameters<KubeClient['execToStream']>[0]> = {}) => {
  const out = collector();
  const run = client.execToStream({ namespace: NS, pod: POD, container: C, command, stdout: out.stream, ...extra });
  return { out, run };
};

async function waitFor(check: () => boolean, ms = 10_000) {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  kube = await startKube({
    namespace: NS,
    pods: [
      { name: POD, labels: { 'app.kubernetes.io/name': 'mlmd', app: 'mlmd' }, containers: [{ name: C }] },
      { name: 'big-0', labels: { app: 'big' }, containers: [{ name: 'main', tools: ['sh', 'head', 'cat'] }] },
      { name: 'rock-0', labels: { app: 'rock' }, containers: [{ name: 'app', tools: ['sh', 'stat', 'cat'], user: '584792:584792' }] },
      { name: 'minio-0', labels: { app: 'minio' }, containers: [{ name: 'minio' }] },
    ],
    workflows: [
      { name: 'run-running', phase: 'Running' },
      { name: 'run-pending', phase: 'Pending' },
      { name: 'run-submitted', phase: '' },
      { name: 'run-done', phase: 'Succeeded' },
      { name: 'run-failed', phase: 'Failed' },
      { name: 'other-ns-run', namespace: 'admin', phase: 'Running' },
    ],
    experiments: [
      { name: 'exp-created', phase: 'Created' },
      { name: 'exp-running', phase: 'Running' },
      { name: 'exp-succeeded', phase: 'Succeeded' },
      { name: 'exp-failed', phase: 'Failed' },
    ],
  });
  db = randomBytes(4 * MiB + 123);
  writeFileSync(kube.hostPath(POD, C, '/data/mlmd.db'), db);
  writeFileSync(kube.hostPath(POD, C, '/data/mlmd.db-wal'), 'wal-bytes');
  client = KubeClient.fromConfig({ kubeconfig: kube.kubeconfig });
}, 60_000);

afterAll(async () => {
  await kube?.stop();
});

describe('the real kubectl against the emulator', () => {
  test('kubectl exec … -- cat /data/mlmd.db returns the file byte for byte, over WebSocket v5', async () => {
    const before = kube.requests.length;
    const r = await kubectl(['exec', 'mlmd-0', '-c', 'mlmd-grpc-server', '--', 'cat', '/data/mlmd.db']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(db.length);
    expect(sha(r.stdout)).toBe(sha(db));

    // (gcloud's kubectl dispatcher asks /version first to pick the client matching the server;
    // kubectl itself discovers /api and /apis once, then caches them)
    const seen = kube.requests.slice(before).filter((q) => !q.userAgent?.startsWith('kubectl-dispatcher') && !/^\/apis?\?/.test(q.path));
    expect(seen.every((q) => /^kubectl\/v1\.\d+\./.test(q.userAgent ?? ''))).toBe(true);
    expect(seen.map((q) => `${q.method} ${q.path.split('?')[0]} ${q.status}`)).toEqual([
      'GET /api/v1/namespaces/kubeflow/pods/mlmd-0 200',
      'GET /api/v1/namespaces/kubeflow/pods/mlmd-0/exec 101',
    ]);
    const upgrade = seen[1];
    expect(upgrade.upgrade).toBe('websocket');
    expect(upgrade.offeredProtocols).toEqual(['v5.channel.k8s.io']);
    expect(upgrade.subprotocol).toBe('v5.channel.k8s.io');
    expect(new URL(upgrade.path, 'https://x').searchParams.getAll('command')).toEqual(['cat', '/data/mlmd.db']);
    expect(kube.execs.at(-1)).toMatchObject({ outcome: 'success', exitCode: 0, stdoutBytes: db.length });
  });

  test('kubectl get pod mlmd-0 -o json, and a label-selected list', async () => {
    const r = await kubectl(['get', 'pod', 'mlmd-0', '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const pod = JSON.parse(r.stdout.toString());
    expect(pod).toMatchObject({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'mlmd-0', namespace: 'kubeflow' }, status: { phase: 'Running' } });
    expect(pod.spec.containers.map((c: { name: string }) => c.name)).toEqual(['mlmd-grpc-server']);
    // kubectl discovered the API the way it does against a >= 1.30 server (aggregated discovery)
    expect(kube.requests.some((q) => q.path.startsWith('/api?') && /as=APIGroupDiscoveryList/.test(q.accept ?? ''))).toBe(true);

    const listed = await kubectl(['get', 'pods', '-l', 'app=mlmd', '-o', 'name']);
    expect(listed.code).toBe(0);
    expect(listed.stdout.toString()).toBe('pod/mlmd-0\n');
    const table = await kubectl(['get', 'pods', '-l', 'app in (mlmd,minio)']);
    expect(table.stdout.toString()).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nminio-0\s+1\/1\s+Running\s+0\s+\S+\nmlmd-0\s+1\/1\s+Running/);
    const missing = await kubectl(['get', 'pod', 'mlmd-1']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('Error from server (NotFound): pods "mlmd-1" not found\n');
  });

  test('kubectl exec: a non-zero exit is passed on as kubectl exit code and message', async () => {
    const r = await kubectl(['exec', 'mlmd-0', '-c', 'mlmd-grpc-server', '--', 'sh', '-c', 'echo broken >&2; exit 3']);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('broken\ncommand terminated with exit code 3\n');
    expect(kube.execs.at(-1)?.status).toEqual({
      metadata: {},
      status: 'Failure',
      message: 'command terminated with non-zero exit code: error executing command [sh -c echo broken >&2; exit 3], exit code 3',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
  });

  test('kubectl exec -i: stdin is streamed and half-closed (v5 close channel)', async () => {
    const upload = randomBytes(300_000);
    const r = await kubectl(['exec', '-i', 'mlmd-0', '-c', 'mlmd-grpc-server', '--', 'sh', '-c', 'cat > /tmp/upload.bin'], kube.kubeconfigPath, upload);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const stored = kube.hostPath(POD, C, '/tmp/upload.bin');
    expect(sha(readFileSync(stored))).toBe(sha(upload));
    rmSync(stored);
  });

  test('kubectl (>= 1.30) offers only v5 over WebSocket: against a v4-only server it falls back to SPDY', async () => {
    kube.setExecProtocols(['v4.channel.k8s.io']);
    try {
      const before = kube.requests.length;
      const r = await kubectl(['exec', 'mlmd-0', '-c', 'mlmd-grpc-server', '--', 'cat', '/data/mlmd.db']);
      expect(r.code).toBe(1);
      const upgrades = kube.requests.slice(before).filter((q) => q.upgrade);
      expect(upgrades.map((q) => [q.method, q.upgrade, q.offeredProtocols, q.status])).toEqual([
        ['GET', 'websocket', ['v5.channel.k8s.io'], 400],
        ['POST', 'SPDY/3.1', [], 400],
      ]);
    } finally {
      kube.setExecProtocols(['v5.channel.k8s.io', 'v4.channel.k8s.io']);
    }
  });

  test('kubectl with a wrong token is told it is not logged in', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kube-wrong-'));
    try {
      const file = path.join(dir, 'config');
      writeFileSync(file, kube.kubeconfigFor('not-the-token'), { mode: 0o600 });
      const r = await kubectl(['get', 'pod', 'mlmd-0'], file);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('error: You must be logged in to the server (Unauthorized)\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('execToStream', () => {
  test.each(['v5.channel.k8s.io', 'v4.channel.k8s.io'])('streams /data/mlmd.db byte for byte over %s', async (protocol) => {
    const { out, run } = exec(['cat', '/data/mlmd.db'], { protocols: [protocol] });
    const result = await run;
    expect(result).toEqual({ stderr: '', stdoutBytes: db.length, protocol });
    expect(out.ended()).toBe(true);
    expect(sha(out.bytes())).toBe(sha(db));
    expect(kube.execs.at(-1)).toMatchObject({ protocol, outcome: 'success', command: ['cat', '/data/mlmd.db'] });
    expect(kube.requests.at(-1)).toMatchObject({ method: 'GET', upgrade: 'websocket', subprotocol: protocol });
  });

  test('offers v5 then v4 by default and gets v5', async () => {
    const { run } = exec(['test', '-f', '/data/mlmd.db']);
    expect((await run).protocol).toBe('v5.channel.k8s.io');
    expect(kube.requests.at(-1)?.offeredProtocols).toEqual(['v5.channel.k8s.io', 'v4.channel.k8s.io']);
  });

  test('the command sees the pod paths, and only the tools the container has', async () => {
    const tar = exec(['sh', '-c', 'tar -cf - -C /data mlmd.db mlmd.db-wal']);
    await tar.run;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kube-tar-'));
    try {
      writeFileSync(path.join(dir, 'out.tar'), tar.out.bytes());
      mkdirSync(path.join(dir, 'x'));
      const untar = spawn('tar', ['-xf', path.join(dir, 'out.tar'), '-C', path.join(dir, 'x')]);
      expect(await new Promise((r) => untar.on('close', r))).toBe(0);
      expect(sha(readFileSync(path.join(dir, 'x', 'mlmd.db')))).toBe(sha(db));
      expect(readFileSync(path.join(dir, 'x', 'mlmd.db-wal'), 'utf8')).toBe('wal-bytes');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const ls = exec(['ls', '/usr/bin']);
    await ls.run;
    expect(ls.out.bytes().toString().trim().split('\n')).toEqual(['cat', 'ls', 'mkdir', 'rm', 'sh', 'stat', 'tar', 'test']);
    const env = exec(['sh', '-c', 'echo "$PATH"; command -v sqlite3 || echo no-sqlite3']);
    await env.run;
    expect(env.out.bytes().toString()).toBe('/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nno-sqlite3\n');
  });

  test('a container declared with a user runs commands as that user', async () => {
    const out = collector();
    await client.execToStream({
      namespace: NS,
      pod: 'rock-0',
      container: 'app',
      command: ['sh', '-c', 'echo x > /data/owned && stat -c %u:%g /data/owned /data'],
      stdout: out.stream,
    });
    expect(out.bytes().toString()).toBe('584792:584792\n584792:584792\n');
    expect(kube.listFiles('rock-0', 'app')).toEqual(['/data/owned']);
  });

  test('a non-zero exit rejects with the exit code and the end of stderr; stdout is not ended', async () => {
    const { out, run } = exec(['sh', '-c', 'echo partial; i=0; while [ $i -lt 30 ]; do echo "line $i" >&2; i=$((i+1)); done; exit 3']);
    const err = (await run.catch((e: unknown) => e)) as ExecError;
    expect(err).toBeInstanceOf(ExecError);
    expect(err.exitCode).toBe(3);
    expect(err.message).toMatch(/^`sh -c .*` in kubeflow\/mlmd-0 \(container mlmd-grpc-server\) exited with code 3; stderr ends with:\nline 10\n/);
    expect(err.message.endsWith('line 29')).toBe(true);
    expect(out.bytes().toString()).toBe('partial\n');
    expect(out.ended()).toBe(false);
  });

  test('a program the image lacks fails as containerd reports it', async () => {
    const { run } = exec(['sqlite3', '/data/mlmd.db', '.dump']);
    await expect(run).rejects.toThrow(/exec: "sqlite3": executable file not found in \$PATH/);
    expect(kube.execs.at(-1)).toMatchObject({ outcome: 'not-found' });
  });

  test.each(['reset', 'close'] as const)('a connection that goes away mid-stream (%s) rejects: no status means incomplete', async (drop) => {
    kube.setExecFault({ dropAfterBytes: 1 * MiB + 7, drop });
    try {
      const { out, run } = exec(['cat', '/data/mlmd.db']);
      await expect(run).rejects.toThrow(
        /^the exec stream ended without a status: the pod's output may be incomplete \(`cat \/data\/mlmd.db` in kubeflow\/mlmd-0 \(container mlmd-grpc-server\); 1048583 bytes received; connection closed with code 10\d\d/,
      );
      expect(out.bytes().length).toBe(1 * MiB + 7);
      expect(out.ended()).toBe(false);
      expect(kube.execs.at(-1)).toMatchObject({ outcome: `dropped-${drop}` });
    } finally {
      kube.setExecFault(undefined);
    }
  });

  test('a Failure status from the API server mid-stream rejects', async () => {
    kube.setExecFault({ dropAfterBytes: 5000, drop: 'status' });
    try {
      const { out, run } = exec(['cat', '/data/mlmd.db']);
      await expect(run).rejects.toThrow(/failed: Internal error occurred: error sending request: .*connection reset by peer/);
      expect(out.ended()).toBe(false);
    } finally {
      kube.setExecFault(undefined);
    }
  });

  test('aborting during a slow stream closes the connection and the command is stopped', async () => {
    writeFileSync(kube.hostPath(POD, C, '/tmp/slow.bin'), randomBytes(4 * MiB));
    kube.setExecFault({ bytesPerSecond: 256 * 1024 });
    const controller = new AbortController();
    try {
      const { out, run } = exec(['cat', '/tmp/slow.bin'], { signal: controller.signal });
      await waitFor(() => out.bytes().length > 100_000);
      const record = must(kube.execs.at(-1), 'an exec record');
      expect(isAlive(record.pid as number)).toBe(true);
      const t0 = Date.now();
      controller.abort(new CancelledError('SIGTERM received'));
      await expect(run).rejects.toThrow('cancelled: SIGTERM received');
      expect(Date.now() - t0).toBeLessThan(1000);
      await waitFor(() => kube.activeExecs === 0 && !isAlive(record.pid as number));
      expect(record.outcome).toBe('client-closed');
      expect(out.bytes().length).toBeLessThan(2 * MiB);
    } finally {
      kube.setExecFault(undefined);
      rmSync(kube.hostPath(POD, C, '/tmp/slow.bin'));
    }
    expect(kube.listFiles(POD, C)).toEqual(['/data/mlmd.db', '/data/mlmd.db-wal']);
  });

  test('stdin is piped and half-closed over v5; v4 cannot close stdin and is refused', async () => {
    const upload = randomBytes(3 * MiB);
    const { out, run } = exec(['sh', '-c', 'cat > /tmp/in.bin && stat -c %s /tmp/in.bin'], { stdin: Readable.from([upload]) });
    await run;
    expect(out.bytes().toString()).toBe(`${upload.length}\n`);
    expect(sha(readFileSync(kube.hostPath(POD, C, '/tmp/in.bin')))).toBe(sha(upload));
    rmSync(kube.hostPath(POD, C, '/tmp/in.bin'));

    const v4 = exec(['sh', '-c', 'cat > /dev/null'], { stdin: Readable.from([upload]), protocols: ['v4.channel.k8s.io'] });
    await expect(v4.run).rejects.toThrow(/needs the v5.channel.k8s.io protocol/);
  });

  test('a slow destination holds the command back: 256 MiB stream with bounded memory', async () => {
    const total = 256 * MiB;
    let received = 0;
    let nonZero = 0;
    let stalled = true;
    const held: (() => void)[] = [];
    let maxQueued = 0;
    let next = 0;
    const sink = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _enc, cb) {
        received += chunk.length;
        for (let i = 0; i < chunk.length; i += 4096) if (chunk[i] !== 0) nonZero++;
        if (stalled) return void held.push(() => cb());
        // about 40 MB/s afterwards
        const now = performance.now();
        next = Math.max(now, next) + chunk.length / 40_000;
        if (next - now < 2) setImmediate(cb);
        else setTimeout(cb, next - now);
      },
    });
    global.gc?.();
    const base = process.memoryUsage().rss;
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss - base);
      maxQueued = Math.max(maxQueued, sink.writableLength);
    }, 20);
    try {
      const run = client.execToStream({
        namespace: NS,
        pod: 'big-0',
        container: 'main',
        command: ['head', '-c', String(total), '/dev/zero'],
        stdout: sink,
      });
      // the destination takes nothing for 2 s: the command must be held back, not buffered here
      await new Promise((r) => setTimeout(r, 2000));
      const producedWhileStalled = must(kube.execs.at(-1), 'kube.execs.at(-1)').stdoutBytes as number;
      const bufferedWhileStalled = sink.writableLength;
      stalled = false;
      for (const cb of held.splice(0)) cb();
      const result = await run;

      expect(producedWhileStalled).toBeLessThan(32 * MiB);
      expect(bufferedWhileStalled).toBeLessThan(4 * MiB);
      expect(result.stdoutBytes).toBe(total);
      expect(received).toBe(total);
      expect(nonZero).toBe(0);
      expect(maxQueued).toBeLessThan(4 * MiB);
      expect(peak).toBeLessThan(128 * MiB);
    } finally {
      clearInterval(sampler);
    }
  });
});

describe('errors name what failed', () => {
  test('getPod summarises the pod', async () => {
    await expect(client.getPod(NS, POD)).resolves.toEqual({
      name: POD,
      namespace: NS,
      phase: 'Running',
      labels: { 'app.kubernetes.io/name': 'mlmd', app: 'mlmd' },
      containers: [{ name: C, image: 'registry.example/mlmd-grpc-server:sandbox', ready: true, state: 'running' }],
    });
    expect(client.defaultNamespace).toBe('kubeflow');
  });

  test('a missing pod: 404 for get and exec', async () => {
    await expect(client.getPod(NS, 'mlmd-1')).rejects.toThrow('pod mlmd-1 not found in namespace kubeflow');
    const out = collector();
    await expect(client.execToStream({ namespace: NS, pod: 'mlmd-1', container: C, command: ['ls'], stdout: out.stream })).rejects.toThrow(
      'pod mlmd-1 not found in namespace kubeflow',
    );
  });

  test('an unknown container is refused before the upgrade, as the API server refuses it', async () => {
    const out = collector();
    await expect(client.execToStream({ namespace: NS, pod: POD, container: 'mlmd', command: ['ls'], stdout: out.stream })).rejects.toThrow(
      'could not exec into pod mlmd-0 in namespace kubeflow: the API server answered 400 BadRequest: container mlmd is not valid for pod mlmd-0',
    );
  });

  test('a wrong token: 401 for get, exec and lists, without the token in the message', async () => {
    const wrong = KubeClient.fromConfig({ kubeconfig: kube.kubeconfigFor('wrong-token-123') });
    const messages: string[] = [];
    for (const call of [
      () => wrong.getPod(NS, POD),
      () => wrong.execToStream({ namespace: NS, pod: POD, container: C, command: ['ls'], stdout: collector().stream }),
      () => wrong.listRunningWorkloads(NS),
    ]) {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ActionError);
      messages.push((err as Error).message);
    }
    expect(messages).toEqual([
      `the Kubernetes API server at ${kube.server} rejected the credentials (401 Unauthorized) when trying to get pod mlmd-0 in namespace kubeflow; the kubeconfig token or certificate is wrong or expired`,
      `the Kubernetes API server at ${kube.server} rejected the credentials (401 Unauthorized) when trying to exec into pod mlmd-0 in namespace kubeflow; the kubeconfig token or certificate is wrong or expired`,
      `the Kubernetes API server at ${kube.server} rejected the credentials (401 Unauthorized) when trying to list Argo Workflows (workflows.argoproj.io) in namespace kubeflow; the kubeconfig token or certificate is wrong or expired`,
    ]);
    expect(messages.join('\n')).not.toContain('wrong-token-123');
  });

  test('403 Forbidden names the resource and the permission to grant', async () => {
    kube.forbid('pods', 'get');
    kube.forbid('pods/exec', 'create');
    try {
      await expect(client.getPod(NS, POD)).rejects.toThrow(
        'not allowed to get pod mlmd-0 in namespace kubeflow (403 Forbidden: pods "mlmd-0" is forbidden: User "system:serviceaccount:kubeflow:ckf-backup" cannot get resource "pods" in API group "" in the namespace "kubeflow"); grant the kubeconfig\'s user RBAC permission to get pod',
      );
      await expect(client.execToStream({ namespace: NS, pod: POD, container: C, command: ['ls'], stdout: collector().stream })).rejects.toThrow(
        /^not allowed to exec into pod mlmd-0 in namespace kubeflow \(403 Forbidden: pods "mlmd-0" is forbidden: .* cannot create resource "pods\/exec"/,
      );
    } finally {
      kube.allow('pods', 'get');
      kube.allow('pods/exec', 'create');
    }
    await expect(client.getPod(NS, POD)).resolves.toMatchObject({ phase: 'Running' });
  });

  test('an unreachable API server is named by its URL', async () => {
    const gone = await startKube({ pods: [{ name: POD, containers: [{ name: C }] }] });
    const c = KubeClient.fromConfig({ kubeconfig: gone.kubeconfig });
    await gone.stop();
    await expect(c.getPod(NS, POD)).rejects.toThrow(
      `could not reach the Kubernetes API server at ${gone.server} to get pod mlmd-0 in namespace kubeflow (ECONNREFUSED); check the cluster address in the kubeconfig and that the runner can reach it`,
    );
    await expect(c.execToStream({ namespace: NS, pod: POD, container: C, command: ['ls'], stdout: new PassThrough() })).rejects.toThrow(
      `could not reach the Kubernetes API server at ${gone.server} to exec into pod mlmd-0 in namespace kubeflow (ECONNREFUSED)`,
    );
    await expect(c.listRunningWorkloads(NS)).rejects.toThrow(`could not reach the Kubernetes API server at ${gone.server}`);
  });
});

describe('listRunningWorkloads', () => {
  const inNs = (ns: string, ...names: string[]) => names.map((name) => ({ namespace: ns, name }));

  test('pending, running and just-submitted workflows; experiments not finished; in one namespace', async () => {
    await expect(client.listRunningWorkloads(NS)).resolves.toEqual({
      namespace: NS,
      workflows: inNs(NS, 'run-pending', 'run-running', 'run-submitted'),
      experiments: inNs(NS, 'exp-created', 'exp-running'),
      namespacesSeen: [NS],
    });
    await expect(client.listRunningWorkloads('admin')).resolves.toEqual({
      namespace: 'admin',
      workflows: inNs('admin', 'other-ns-run'),
      experiments: [],
      namespacesSeen: ['admin'],
    });
  });

  test('without a namespace, in all of them: one cluster-wide list per resource', async () => {
    const from = kube.requests.length;
    const all = await client.listRunningWorkloads();
    expect(all).toEqual({
      workflows: [...inNs('admin', 'other-ns-run'), ...inNs(NS, 'run-pending', 'run-running', 'run-submitted')],
      experiments: inNs(NS, 'exp-created', 'exp-running'),
      namespacesSeen: ['admin', NS],
    });
    expect(
      kube.requests
        .slice(from)
        .map((q) => q.path)
        .sort(),
    ).toEqual(['/apis/argoproj.io/v1alpha1/workflows?limit=500', '/apis/kubeflow.org/v1beta1/experiments?limit=500']);
    expect(describeWorkloads(all)).toBe('all namespaces checked: 6 running; workflows or experiments exist in admin, kubeflow');
    expect(runningNames(all)[0]).toBe('Argo Workflow admin/other-ns-run');
  });

  test('follows changes to the cluster', async () => {
    kube.setPhase('workflows', 'run-running', 'Succeeded');
    kube.setPhase('experiments', 'exp-running', 'Failed');
    kube.addObject('experiments', { name: 'exp-restarting', phase: 'Restarting' });
    kube.removeObject('workflows', 'run-pending');
    try {
      await expect(client.listRunningWorkloads(NS)).resolves.toMatchObject({
        workflows: inNs(NS, 'run-submitted'),
        experiments: inNs(NS, 'exp-created', 'exp-restarting'),
      });
    } finally {
      kube.setPhase('workflows', 'run-running', 'Running');
      kube.setPhase('experiments', 'exp-running', 'Running');
      kube.removeObject('experiments', 'exp-restarting');
      kube.addObject('workflows', { name: 'run-pending', phase: 'Pending' });
    }
  });

  test('a CRD that is not installed counts as none; 403 is an error, cluster-wide one pointing at a ClusterRole', async () => {
    kube.setCrdInstalled('experiments', false);
    try {
      await expect(client.listRunningWorkloads(NS)).resolves.toMatchObject({
        workflows: inNs(NS, 'run-pending', 'run-running', 'run-submitted'),
        experiments: [],
      });
      expect(kube.requests.some((q) => q.path.startsWith('/apis/kubeflow.org/v1beta1/namespaces/kubeflow/experiments') && q.status === 404)).toBe(true);
    } finally {
      kube.setCrdInstalled('experiments', true);
    }
    kube.forbid('experiments', 'list');
    try {
      await expect(client.listRunningWorkloads(NS)).rejects.toThrow(
        /^not allowed to list Katib Experiments \(experiments.kubeflow.org\) in namespace kubeflow \(403 Forbidden: experiments.kubeflow.org is forbidden: User ".*" cannot list resource "experiments" in API group "kubeflow.org" in the namespace "kubeflow"\)/,
      );
      await expect(client.listRunningWorkloads()).rejects.toThrow(
        /^not allowed to list Katib Experiments \(experiments.kubeflow.org\) in all namespaces \(403 Forbidden: experiments.kubeflow.org is forbidden: User ".*" cannot list resource "experiments" in API group "kubeflow.org" at the cluster scope\); .* in a ClusterRole with a ClusterRoleBinding/,
      );
    } finally {
      kube.allow('experiments', 'list');
    }
  });
});

// ---- port-forward ----

/** The "pod" behind service web: GET /blob answers BLOB, POST /echo answers the body it got. */
let web: http.Server;
let webPort: number;
const BLOB = randomBytes(6 * MiB + 17);
const BIG_CHUNKS = 12;

async function startWeb() {
  web = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/blob') return res.end(BLOB);
    if (req.method === 'GET' && req.url === '/big') {
      // BIG_CHUNKS copies of BLOB, written only as fast as the reader takes them
      res.writeHead(200, { 'Content-Length': BLOB.length * BIG_CHUNKS });
      Readable.from(
        (function* () {
          for (let i = 0; i < BIG_CHUNKS; i++) yield BLOB;
        })(),
      ).pipe(res);
      return;
    }
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => res.end(Buffer.concat(parts)));
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', () => r()));
  webPort = (web.address() as net.AddressInfo).port;
}

/** One request on its own connection (closed after the answer), so each is one forwarded stream. */
function fetchBytes(url: string, body?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: body ? 'POST' : 'GET', agent: false, timeout: 30_000 }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(parts)) : reject(new Error(`HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Both ways, byte for byte, over parallel connections (each its own forwarded stream). */
async function expectForwarded(endpoint: string) {
  expect(sha(await fetchBytes(`${endpoint}/blob`))).toBe(sha(BLOB));
  const bodies = [1, 2, 3, 4].map((n) => randomBytes(n * 300_000 + n));
  const echoed = await Promise.all(bodies.map((b) => fetchBytes(`${endpoint}/echo`, b)));
  expect(echoed.map(sha)).toEqual(bodies.map(sha));
}

/** kubectl port-forward, once it prints the local port it chose. */
async function kubectlPortForward(target: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const child = spawn(
    'kubectl',
    ['--kubeconfig', kube.kubeconfigPath, '--cache-dir', path.join(kube.root, 'kubectl-cache'), 'port-forward', target, ':9000', '-n', NS],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KUBECONFIG: '', ...env },
    },
  );
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  await waitFor(() => /Forwarding from 127\.0\.0\.1:\d+/.test(out) || child.exitCode !== null, 15_000);
  const port = Number(/Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
  if (!port) throw new Error(`kubectl port-forward did not start: ${out}`);
  return { child, port, output: () => out };
}

async function stopKubectl(child: ChildProcess) {
  if (child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('close', r));
  }
}

function refused(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve('connected')));
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe('port-forward', () => {
  beforeAll(async () => {
    await startWeb();
    kube.addPod({
      name: 'web-0',
      labels: { app: 'web' },
      containers: [{ name: 'web', ports: [{ name: 'http', containerPort: 8080 }] }],
      portForwards: { 8080: webPort },
    });
    kube.addPod({ name: 'web-1', labels: { app: 'web' }, phase: 'Pending', containers: [{ name: 'web' }] });
    kube.addService({
      name: 'web',
      selector: { app: 'web' },
      ports: [
        { name: 'api', port: 9000, targetPort: 'http' },
        { name: 'admin', port: 9001, targetPort: 9001 },
      ],
    });
    kube.addService({ name: 'external', ports: [{ port: 9000 }] });
    kube.addPod({ name: 'idle-0', labels: { app: 'idle' }, phase: 'Pending', containers: [{ name: 'idle' }] });
    kube.addService({ name: 'idle', selector: { app: 'idle' }, ports: [{ port: 9000 }] });
  });
  afterAll(async () => {
    await new Promise((r) => web?.close(r));
  });

  test.each([
    ['SPDY tunnelled in a WebSocket', {}, 'SPDY/3.1+portforward.k8s.io'],
    ['SPDY on an upgraded connection', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }, 'SPDY/3.1'],
  ])('the real kubectl port-forward svc/web :9000 reaches the pod through %s, byte for byte', async (_how, env, protocol) => {
    const sessions = kube.portForwards.length;
    const pf = await kubectlPortForward('svc/web', env);
    try {
      await expectForwarded(`http://127.0.0.1:${pf.port}`);
      const mine = kube.portForwards.slice(sessions);
      expect(mine).toHaveLength(1);
      // the service port 9000 targets the container port named http, 8080; the Pending pod is passed over
      expect(mine[0]).toMatchObject({ pod: 'web-0', protocol, ports: [8080], errors: [] });
      expect(mine[0].connections).toBe(5);
      expect(mine[0].bytesFromPod).toBeGreaterThan(BLOB.length);
    } finally {
      await stopKubectl(pf.child);
    }
    await waitFor(() => kube.activePortForwards === 0);
    expect(must(kube.portForwards.at(-1), 'kube.portForwards.at(-1)').open).toBe(false);
  });

  test('the real kubectl reports the error a pod that does not listen gives', async () => {
    const pf = await kubectlPortForward('pod/mlmd-0');
    try {
      const err = await fetchBytes(`http://127.0.0.1:${pf.port}/`).then(
        () => 'answered',
        (e: NodeJS.ErrnoException) => e.code ?? e.message,
      );
      expect(err).toMatch(/^(ECONNRESET|socket hang up)$/);
      await waitFor(() => /error forwarding port 9000 to pod/.test(pf.output()));
      expect(pf.output()).toMatch(
        /an error occurred forwarding \d+ -> 9000: error forwarding port 9000 to pod [0-9a-f-]+, uid : .*connect: connection refused/,
      );
    } finally {
      await stopKubectl(pf.child);
    }
  });

  test('resolveService picks the running pod and maps the named targetPort to its container port', async () => {
    await expect(client.resolveService(NS, 'web', 9000)).resolves.toEqual({
      namespace: NS,
      service: 'web',
      servicePort: 9000,
      servicePortName: 'api',
      pod: 'web-0',
      podPort: 8080,
    });
    await expect(client.resolveService(NS, 'web', 'admin')).resolves.toMatchObject({ servicePort: 9001, podPort: 9001 });
    await expect(client.resolveService(NS, 'web', 9002)).rejects.toThrow(
      'service web has no port numbered or named 9002 (its ports: 9000 (api), 9001 (admin))',
    );
    await expect(client.resolveService(NS, 'idle', 9000)).rejects.toThrow(
      "no running pod matches service idle's selector app=idle in namespace kubeflow (found: idle-0 Pending); check that the workload is up",
    );
    await expect(client.resolveService(NS, 'external', 9000)).rejects.toThrow('service external in namespace kubeflow has no pod selector');
    await expect(client.resolveService(NS, 'nothing', 9000)).rejects.toThrow('service nothing not found in namespace kubeflow');
    kube.forbid('services', 'get');
    try {
      await expect(client.resolveService(NS, 'web', 9000)).rejects.toThrow(/^not allowed to get service web in namespace kubeflow \(403 Forbidden/);
    } finally {
      kube.allow('services', 'get');
    }
  });

  test('portForward carries each connection over WebSocket v4, byte for byte; close() shuts the listener and every stream', async () => {
    const sessions = kube.portForwards.length;
    const pf: PortForward = await client.portForward({ namespace: NS, pod: 'web-0', port: 8080 });
    expect(pf.endpoint).toBe(`http://127.0.0.1:${pf.localPort}`);
    expect(pf.description).toBe(`127.0.0.1:${pf.localPort} -> pod kubeflow/web-0 port 8080`);
    await expectForwarded(pf.endpoint);
    const mine = kube.portForwards.slice(sessions);
    // the first one is the check made when opening; then one WebSocket per connection
    expect(mine.every((r) => r.protocol === 'v4.channel.k8s.io' && r.pod === 'web-0' && r.ports[0] === 8080)).toBe(true);
    expect(mine.length).toBe(1 + pf.connections);
    expect(pf.connections).toBe(5);
    // a connection held open, then close(): the listener refuses, the emulator's stream ends
    const held = net.connect({ host: '127.0.0.1', port: pf.localPort });
    await new Promise((r) => held.once('connect', r));
    await waitFor(() => kube.activePortForwards === 1);
    const closedByPeer = new Promise((r) => held.once('close', r));
    await pf.close();
    await closedByPeer;
    expect(await refused(pf.localPort)).toBe('ECONNREFUSED');
    await waitFor(() => kube.activePortForwards === 0);
    await pf.close(); // twice is fine
  });

  test('a slow local reader holds the pod back: nothing piles up in between', async () => {
    const sessions = kube.portForwards.length;
    const pf = await client.portForward({ namespace: NS, pod: 'web-0', port: 8080 });
    try {
      const socket = net.connect({ host: '127.0.0.1', port: pf.localPort });
      await new Promise((r) => socket.once('connect', r));
      socket.write('GET /big HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n');
      socket.pause();
      const total = BLOB.length * BIG_CHUNKS;
      const session = () => kube.portForwards.slice(sessions).find((r) => r.connections === 1 && r.bytesToPod > 0);
      await waitFor(() => (session()?.bytesFromPod ?? 0) > 0);
      await new Promise((r) => setTimeout(r, 800));
      const whilePaused = must(session(), 'session()').bytesFromPod;
      // socket buffers on both sides of each hop hold some; the rest waits in the pod
      expect(whilePaused).toBeLessThan(total / 2);
      const hash = createHash('sha256');
      let received = 0;
      let header = '';
      let inBody = false;
      socket.on('data', (d: Buffer) => {
        if (!inBody) {
          header += d.toString('latin1');
          const end = header.indexOf('\r\n\r\n');
          if (end < 0) return;
          inBody = true;
          d = Buffer.from(header.slice(end + 4), 'latin1');
        }
        received += d.length;
        hash.update(d);
      });
      socket.resume();
      await new Promise((r) => socket.once('end', r));
      expect(received).toBe(total);
      const expected = createHash('sha256');
      for (let i = 0; i < BIG_CHUNKS; i++) expected.update(BLOB);
      expect(hash.digest('hex')).toBe(expected.digest('hex'));
    } finally {
      await pf.close();
    }
  });

  test('aborting the signal closes the forward', async () => {
    const controller = new AbortController();
    const pf = await client.portForward({ namespace: NS, pod: 'web-0', port: 8080, signal: controller.signal });
    expect(sha(await fetchBytes(`${pf.endpoint}/blob`))).toBe(sha(BLOB));
    controller.abort(new CancelledError('SIGTERM received'));
    await waitFor(() => pf.active === 0);
    await pf.close();
    expect(await refused(pf.localPort)).toBe('ECONNREFUSED');
  });

  test("errors: RBAC, a missing or pending pod fail at open; a port nothing listens on fails each connection with the kubelet's words", async () => {
    kube.forbid('pods/portforward', 'create');
    try {
      await expect(client.portForward({ namespace: NS, pod: 'web-0', port: 8080 })).rejects.toThrow(
        /^not allowed to port-forward to pod web-0 in namespace kubeflow \(403 Forbidden: pods "web-0" is forbidden: .* cannot create resource "pods\/portforward"/,
      );
    } finally {
      kube.allow('pods/portforward', 'create');
    }
    await expect(client.portForward({ namespace: NS, pod: 'web-9', port: 8080 })).rejects.toThrow('pod web-9 not found in namespace kubeflow');
    await expect(client.portForward({ namespace: NS, pod: 'web-1', port: 8080 })).rejects.toThrow(
      'could not port-forward to pod web-1 in namespace kubeflow: the API server answered 400 BadRequest: pod web-1 does not have a host assigned',
    );
    await expect(client.portForward({ namespace: NS, pod: 'web-0', port: 70000 })).rejects.toThrow('a port is a whole number from 1 to 65535');

    const warnings: string[] = [];
    const log = {
      info() {},
      notice() {},
      warning: (m: string) => warnings.push(m),
      error() {},
      debug() {},
      group: <T>(_n: string, fn: () => Promise<T>) => fn(),
    };
    const pf = await KubeClient.fromConfig({ kubeconfig: kube.kubeconfig }, log).portForward({ namespace: NS, pod: 'web-0', port: 8081 });
    try {
      expect(
        await fetchBytes(`${pf.endpoint}/blob`).then(
          () => 'answered',
          (e: NodeJS.ErrnoException) => e.code ?? e.message,
        ),
      ).toMatch(/^(ECONNRESET|socket hang up)$/);
      await waitFor(() => pf.lastError !== undefined);
      expect(pf.lastError).toMatch(
        /^port-forward to pod kubeflow\/web-0 port 8081 failed: error forwarding port 8081 to pod [0-9a-f-]+, uid : .*connect: connection refused$/,
      );
      expect(warnings[0]).toContain(`port-forward (${pf.description}): port-forward to pod kubeflow/web-0 port 8081 failed`);
    } finally {
      await pf.close();
    }
  });
});
