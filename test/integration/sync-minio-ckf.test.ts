// sync-minio with nothing but Charmed Kubeflow around it: no MinIO endpoint and no MinIO keys. It
// reads the keys from the emulated juju (config and kfp-ui's object-storage relation data) and
// reaches MinIO through its own port-forward to svc/minio on the Kubernetes API emulator, whose pod
// minio-0 forwards to a real S3 server. In-process through its main; as its dist bundle, run as the
// runner runs it, where every child's argv is watched and for a real SIGTERM.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { CKF_SECRETS, listObjects, runActionBundle, seedMlpipeline, startCkf } from '../../sandbox/index.js';
import { syncMinioAction } from '../../actions/sync-minio/src/main.js';
import { runInProcess, sandboxJuju, type InProcessChild } from '../support/in-process.js';
import { childCommandLines } from '../support/procs.js';
import { must } from '../support/must.js';
import { settle } from '../support/settle.js';

type Ckf = Awaited<ReturnType<typeof startCkf>>;
type Run = Awaited<ReturnType<typeof runActionBundle>>;
let ckf: Ckf;
let seeded: Awaited<ReturnType<typeof seedMlpipeline>>;

beforeAll(async () => {
  ckf = await startCkf({ dbBytes: 256 * 1024 });
  seeded = await seedMlpipeline(ckf.minio, 'mlpipeline', { objects: 120, seed: 3 });
}, 120_000);

afterAll(async () => {
  await ckf?.stop();
});

/** Runs the action in-process, with juju in-process too. */
function syncInProcess(inputs: Record<string, string> = {}): Promise<Run> {
  return runInProcess(syncMinioAction, ckf.syncMinioInputs(inputs), {
    env: ckf.env,
    timeoutMs: 60_000,
    clients: (config, context) => ({ ...syncMinioAction.clients(config, context), juju: sandboxJuju(config.juju.model, context) }),
  });
}

/** Runs the bundle against the sandbox; argvs collects every child's command line while it runs. */
async function sync(
  inputs: Record<string, string> = {},
  onLine?: (line: string, child: ChildProcess | InProcessChild) => void,
): Promise<Run & { argvs: string[][] }> {
  const argvs: string[][] = [];
  let watcher: NodeJS.Timeout | undefined;
  const run = await runActionBundle('sync-minio', ckf.syncMinioInputs(inputs), {
    env: ckf.env,
    timeoutMs: 60_000,
    onStart: (c: ChildProcess) => {
      watcher = setInterval(() => {
        for (const p of childCommandLines(must(c.pid, 'c.pid'))) if (!argvs.some((a) => a.join(' ') === p.argv.join(' '))) argvs.push(p.argv);
      }, 5);
    },
    onLine,
  });
  clearInterval(watcher);
  return { ...run, argvs };
}

/** The local port the action's port-forward listened on, from its log. */
function forwardedPort(run: Run): number {
  const m = /port-forward open: 127\.0\.0\.1:(\d+) -> pod kubeflow\/minio-0 port 9000/.exec(run.stdout);
  if (!m) throw new Error(`no port-forward in the log:\n${run.stdout}`);
  return Number(m[1]);
}

function connectError(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve('connected')));
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

const sizes = (objs: { Path: string; Size: number }[]) => Object.fromEntries(objs.map((o) => [o.Path, o.Size]));
const jujuCalls = () => ckf.juju.calls().map((c: { argv: string[] }) => c.argv);

describe('no MinIO endpoint, no MinIO keys', () => {
  test('keys from Juju, a port-forward to svc/minio: the bucket is mirrored and verified, the secret never shown, the forward closed', async () => {
    const callsBefore = jujuCalls().length;
    const sessionsBefore = ckf.kube.portForwards.length;
    const run = await sync();
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);

    const source = await listObjects(ckf.minio, 'mlpipeline');
    expect(source).toHaveLength(seeded.objects);
    expect(sizes(await listObjects(ckf.s3, 'ckf-backups', 'mlpipeline'))).toEqual(sizes(source));
    expect(run.outputs).toMatchObject({ 'objects-transferred': String(seeded.objects), 'objects-checked': String(seeded.objects), verified: 'true' });

    // the runbook's reads: juju config minio access-key, juju status for kfp-ui's unit, juju show-unit on it
    const calls = jujuCalls().slice(callsBefore);
    expect(calls).toContainEqual(['config', '-m', 'kubeflow', 'minio', 'access-key']);
    expect(calls).toContainEqual(['status', '-m', 'kubeflow', '--format', 'json', 'kfp-ui']);
    expect(calls).toContainEqual(['show-unit', '-m', 'kubeflow', '--format', 'json', 'kfp-ui/0']);
    expect(run.stdout).toContain("MinIO keys: from juju config minio access-key; kfp-ui/0's object-storage relation data (model kubeflow)");
    expect(run.summary).toContain('svc/minio in kubeflow (port-forward to pod minio-0 port 9000)');

    // every connection rclone made went through the API's pods/portforward to minio-0:9000
    const sessions = ckf.kube.portForwards.slice(sessionsBefore);
    expect(sessions.length).toBeGreaterThan(1);
    expect(
      sessions.every(
        (s: { pod: string; ports: number[]; protocol: string }) => s.pod === 'minio-0' && s.ports[0] === 9000 && s.protocol === 'v4.channel.k8s.io',
      ),
    ).toBe(true);
    expect(sessions.reduce((n: number, s: { bytesFromPod: number }) => n + s.bytesFromPod, 0)).toBeGreaterThan(seeded.bytes);

    // closed after the run: the listener refuses, no stream is left at the API server
    expect(run.stdout).toMatch(
      new RegExp(`port-forward closed \\(\\d+ connections carried\\): 127\\.0\\.0\\.1:${forwardedPort(run)} -> pod kubeflow/minio-0 port 9000`),
    );
    expect(await connectError(forwardedPort(run))).toBe('ECONNREFUSED');
    expect(await settle(() => ckf.kube.activePortForwards, 0)).toBe(0);

    // the secret: masked for the runner, and nowhere else
    const secret = CKF_SECRETS.minio;
    expect(run.stdout.split('\n')).toContain(`::add-mask::${secret}`);
    const printed = run.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n');
    for (const text of [
      printed,
      run.stderr,
      run.summary,
      JSON.stringify(run.outputs),
      ...run.argvs.map((a) => a.join(' ')),
      ...calls.map((a: string[]) => a.join(' ')),
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(run.argvs.some((a) => a[0] === 'rclone')).toBe(true);
  });

  test("kfp-ui's unit is found in juju status, whatever its number", async () => {
    const rename = (from: string, to: number) =>
      ckf.juju.update((s: any) => {
        const unit = s.models.kubeflow.applications['kfp-ui'].units.find((u: { name: string }) => u.name === from);
        Object.assign(unit, { name: `kfp-ui/${to}`, ordinal: to, providerId: `kfp-ui-${to}` });
      });
    rename('kfp-ui/0', 3);
    try {
      const before = jujuCalls().length;
      const run = await syncInProcess({ 'dry-run': 'true' });
      expect(run.code).toBe(0);
      expect(jujuCalls().slice(before)).toContainEqual(['show-unit', '-m', 'kubeflow', '--format', 'json', 'kfp-ui/3']);
      expect(run.stdout).toContain("kfp-ui/3's object-storage relation data");
    } finally {
      rename('kfp-ui/3', 0);
    }
  });

  test('a failure after the port-forward opened still closes it', async () => {
    const run = await syncInProcess({ 's3-bucket': 'no-such-bucket' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::sync-minio failed: target \(S3 at .*\) failed: the bucket does not exist/);
    expect(run.stdout).toContain('port-forward closed');
    expect(await connectError(forwardedPort(run))).toBe('ECONNREFUSED');
    expect(await settle(() => ckf.kube.activePortForwards, 0)).toBe(0);
    expect(run.summary).toContain('sync-minio: failed');
  });

  test('SIGTERM closes the port-forward too, and the summary says interrupted', async () => {
    let sent = 0;
    const run = await sync({ 's3-prefix': 'interrupted' }, (line, child) => {
      if (!sent && line.startsWith('port-forward open:')) {
        sent = Date.now();
        child.kill('SIGTERM');
      }
    });
    expect(sent).toBeGreaterThan(0);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('SIGTERM received');
    expect(run.stdout).toContain('port-forward closed');
    expect(run.summary).toContain('sync-minio: interrupted');
    expect(await connectError(forwardedPort(run))).toBe('ECONNREFUSED');
  });

  test('a missing kfp-ui relation is named, with what to do, and nothing is forwarded', async () => {
    let saved: unknown;
    await ckf.juju.update((s: any) => {
      const model = s.models.kubeflow;
      saved = model.relations;
      model.relations = model.relations.filter(
        (r: { interface: string; endpoints: { app: string }[] }) => !(r.interface === 'object-storage' && r.endpoints.some((e) => e.app === 'kfp-ui')),
      );
    });
    try {
      const sessions = ckf.kube.portForwards.length;
      const run = await syncInProcess();
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(
        '::error::sync-minio failed: kfp-ui/0 has no object-storage relation in model "kubeflow" (juju show-unit kfp-ui/0 lists none), so there is no MinIO secret to read; ' +
          'relate them (juju integrate minio kfp-ui), or pass minio-access-key and minio-secret-key',
      );
      expect(ckf.kube.portForwards.length).toBe(sessions);
      expect(run.summary).toMatch(/failed during connect/);
    } finally {
      await ckf.juju.update((s: any) => (s.models.kubeflow.relations = saved));
    }
  });

  test('a kfp-ui application that is not there is named', async () => {
    const run = await syncInProcess({ 'minio-consumer-application': 'kfp-ui-missing' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::sync-minio failed: application "kfp-ui-missing" was not found in model "kubeflow"/);
  });

  test.each([
    ['minio-access-key', 'minio', 'minio-secret-key'],
    ['minio-secret-key', 'only-the-secret-123', 'minio-access-key'],
  ])('only %s given: an input error naming the other, before juju, Kubernetes or rclone is touched', async (given, value, missing) => {
    const calls = jujuCalls().length;
    const requests = ckf.kube.requests.length;
    const run = await sync({ [given]: value });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      `::error::sync-minio failed: Input '${missing}' is required when ${given} is given: give both, or leave both empty to read them from Juju`,
    );
    expect(jujuCalls().length).toBe(calls);
    expect(ckf.kube.requests.length).toBe(requests);
    expect(run.argvs).toEqual([]);
    // a given secret is masked even when the run goes no further
    const printed = run.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::'));
    expect(printed.join('\n')).not.toContain('only-the-secret-123');
  });

  test('keys given, no endpoint: no juju call, the port-forward alone', async () => {
    const calls = jujuCalls().length;
    const run = await syncInProcess({ 'minio-access-key': 'minio', 'minio-secret-key': CKF_SECRETS.minio, 'dry-run': 'true' });
    expect(run.code).toBe(0);
    expect(jujuCalls().length).toBe(calls);
    expect(run.stdout).toContain('MinIO keys: from the minio-access-key and minio-secret-key inputs');
    expect(run.stdout).toContain('port-forward open: 127.0.0.1:');
  });
});

describe('the real kubectl against the same sandbox', () => {
  test('kubectl port-forward svc/minio :9000 -n kubeflow reaches MinIO: rclone lists mlpipeline through it', async () => {
    const child = spawn(
      'kubectl',
      ['--kubeconfig', ckf.kube.kubeconfigPath, '--cache-dir', path.join(ckf.root, 'kubectl-cache'), 'port-forward', 'svc/minio', ':9000', '-n', 'kubeflow'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, KUBECONFIG: '' },
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    try {
      const until = Date.now() + 15_000;
      while (!/Forwarding from 127\.0\.0\.1:\d+/.test(out) && child.exitCode === null && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      const port = Number(/Forwarding from 127\.0\.0\.1:(\d+) -> 9000/.exec(out)?.[1]);
      expect(port).toBeGreaterThan(0);
      const throughKubectl = { ...ckf.minio, endpoint: `http://127.0.0.1:${port}` };
      expect(sizes(await listObjects(throughKubectl, 'mlpipeline'))).toEqual(sizes(await listObjects(ckf.minio, 'mlpipeline')));
      expect(out).toContain('Handling connection for');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('close', r));
    }
  });
});
