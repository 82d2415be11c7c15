// The Kubernetes API emulator (test/sandbox/kube) against the real kubectl and the kube package
// (@kubernetes/client-node underneath): exec over WebSocket byte for byte, errors as the real API
// server words them, fault injection, workload lists, and bounded memory under a slow consumer.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { ActionError, CancelledError } from '@ml-backup-actions/core';
import { ExecError, KubeClient } from '@ml-backup-actions/kube';
import { startKube } from '../sandbox/kube/index.js';
import { isAlive } from '../support/procs.js';

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

function kubectl(args: string[], kubeconfig = kube.kubeconfigPath, stdin?: Buffer): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', path.join(kube.root, 'kubectl-cache'), ...args], {
      stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      env: { ...process.env, KUBECONFIG: '' },
    });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    if (stdin) child.stdin!.end(stdin);
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr });
    });
  });
}

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
    await client.execToStream({ namespace: NS, pod: 'rock-0', container: 'app', command: ['sh', '-c', 'echo x > /data/owned && stat -c %u:%g /data/owned /data'], stdout: out.stream });
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
      const record = kube.execs.at(-1)!;
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
      const producedWhileStalled = kube.execs.at(-1)!.stdoutBytes as number;
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
    kube.forbid('pods/exec');
    try {
      await expect(client.getPod(NS, POD)).rejects.toThrow(
        'not allowed to get pod mlmd-0 in namespace kubeflow (403 Forbidden: pods "mlmd-0" is forbidden: User "system:serviceaccount:kubeflow:ckf-backup" cannot get resource "pods" in API group "" in the namespace "kubeflow"); grant the kubeconfig\'s user RBAC permission to get pod',
      );
      await expect(client.execToStream({ namespace: NS, pod: POD, container: C, command: ['ls'], stdout: collector().stream })).rejects.toThrow(
        /^not allowed to exec into pod mlmd-0 in namespace kubeflow \(403 Forbidden: pods "mlmd-0" is forbidden: .* cannot create resource "pods\/exec"/,
      );
    } finally {
      kube.allow('pods', 'get');
      kube.allow('pods/exec');
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
  test('pending, running and just-submitted workflows; experiments not finished; this namespace only', async () => {
    await expect(client.listRunningWorkloads(NS)).resolves.toEqual({
      workflows: ['run-pending', 'run-running', 'run-submitted'],
      experiments: ['exp-created', 'exp-running'],
    });
    await expect(client.listRunningWorkloads('admin')).resolves.toEqual({ workflows: ['other-ns-run'], experiments: [] });
  });

  test('follows changes to the cluster', async () => {
    kube.setPhase('workflows', 'run-running', 'Succeeded');
    kube.setPhase('experiments', 'exp-running', 'Failed');
    kube.addObject('experiments', { name: 'exp-restarting', phase: 'Restarting' });
    kube.removeObject('workflows', 'run-pending');
    try {
      await expect(client.listRunningWorkloads(NS)).resolves.toEqual({
        workflows: ['run-submitted'],
        experiments: ['exp-created', 'exp-restarting'],
      });
    } finally {
      kube.setPhase('workflows', 'run-running', 'Running');
      kube.setPhase('experiments', 'exp-running', 'Running');
      kube.removeObject('experiments', 'exp-restarting');
      kube.addObject('workflows', { name: 'run-pending', phase: 'Pending' });
    }
  });

  test('a CRD that is not installed counts as none; 403 is an error', async () => {
    kube.setCrdInstalled('experiments', false);
    try {
      await expect(client.listRunningWorkloads(NS)).resolves.toEqual({
        workflows: ['run-pending', 'run-running', 'run-submitted'],
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
    } finally {
      kube.allow('experiments', 'list');
    }
  });
});
