// The juju client's pure logic against real juju output (test/vectors/juju), and its argv and
// error handling against a stand-in binary. The client against the emulator is in
// test/integration/juju-sandbox.test.ts.
import { afterAll, describe, expect, test } from '@jest/globals';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ActionError, CancelledError, TimeoutError, type Logger } from '@ml-backup-actions/core';
import {
  Juju,
  JujuError,
  classify,
  describeUnits,
  isActive,
  isDying,
  jujuMessage,
  parseStatus,
  type ApplicationStatus,
} from '../../packages/juju/src/index.js';
import { waitForUnits } from '../../packages/juju/src/wait.js';

const VECTORS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../vectors/juju');
const realStatus = JSON.parse(readFileSync(path.join(VECTORS, 'status-k8s-model.json'), 'utf8'));

function recorder() {
  const lines: string[] = [];
  const log: Logger = {
    info: (m) => lines.push(`info: ${m}`),
    notice: (m) => lines.push(`notice: ${m}`),
    warning: (m) => lines.push(`warning: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
    debug: (m) => lines.push(`debug: ${m}`),
    group: (_n, fn) => fn(),
  };
  return { log, lines };
}

describe('parseStatus', () => {
  test('reads the real Juju 3.6.1 Kubernetes status', () => {
    const status = parseStatus(realStatus);
    expect(status.model).toMatchObject({
      name: 'tt',
      type: 'caas',
      controller: 'microk8s-localhost',
      cloud: 'microk8s',
      region: 'localhost',
      version: '3.6.1',
    });
    expect(status.timestamp).toBe('12:04:55+13:00');
    const app = status.applications['snappass-test'];
    expect(app).toMatchObject({ charm: 'snappass-test', charmChannel: 'latest/stable', charmRev: 9, scale: 1, address: '10.152.183.248', exposed: false });
    expect(app.applicationStatus).toMatchObject({ current: 'active', message: 'snappass started' });
    const unit = app.units['snappass-test/0'];
    expect(unit).toMatchObject({ leader: true, address: '10.1.164.138', providerId: 'snappass-test-0', openPorts: [] });
    expect(unit.workloadStatus).toMatchObject({ current: 'active', message: 'snappass started', since: '24 Feb 2025 12:03:17+13:00' });
    expect(unit.jujuStatus).toMatchObject({ current: 'idle', version: '3.6.1', message: '' });
    expect(isActive(unit)).toBe(true);
    expect(isDying(unit)).toBe(false);
    expect(describeUnits(app)).toBe('snappass-test/0 active/idle (snappass started)');
  });

  test('keys juju leaves out when empty read as zero, none and false', () => {
    const doc = structuredClone(realStatus);
    const app = doc.applications['snappass-test'];
    delete app.scale; // scale 0: juju prints neither scale nor units
    delete app.units;
    const status = parseStatus(doc);
    expect(status.applications['snappass-test'].scale).toBe(0);
    expect(status.applications['snappass-test'].units).toEqual({});
    expect(describeUnits(status.applications['snappass-test'])).toBe('no units');

    const other = structuredClone(realStatus);
    delete other.applications['snappass-test'].units['snappass-test/0'].leader;
    expect(parseStatus(other).applications['snappass-test'].units['snappass-test/0'].leader).toBe(false);
  });

  test('a dying unit, an allocating one, Juju 2.9 relations and status errors', () => {
    const doc = structuredClone(realStatus);
    const app = doc.applications['snappass-test'];
    app.relations = { replicas: ['snappass-test'] }; // Juju 2.9 printed names only
    app.units['snappass-test/1'] = {
      'workload-status': { current: 'waiting', message: 'installing agent', since: '16 Apr 2025 20:46:20Z' },
      'juju-status': { current: 'allocating', since: '16 Apr 2025 20:46:14Z' },
      address: '10.1.216.142',
      'provider-id': 'snappass-test-1',
    };
    app.units['snappass-test/0']['juju-status'].life = 'dying';
    app.units['snappass-test/2'] = { 'status-error': 'cannot get unit status' };
    doc.applications.broken = { 'status-error': 'cannot read application' };
    const status = parseStatus(doc);
    const a = status.applications['snappass-test'];
    expect(a.relations).toEqual({ replicas: [{ relatedApplication: 'snappass-test' }] });
    expect(isDying(a.units['snappass-test/0'])).toBe(true);
    expect(isActive(a.units['snappass-test/1'])).toBe(false);
    expect(a.units['snappass-test/2'].statusError).toBe('cannot get unit status');
    expect(status.applications.broken.statusError).toBe('cannot read application');
    expect(describeUnits(a)).toBe(
      'snappass-test/0 active/idle dying (snappass started), snappass-test/1 waiting/allocating (installing agent), snappass-test/2 unknown/unknown (cannot get unit status)',
    );
  });

  test('something that is not a status document is refused', () => {
    expect(() => parseStatus([])).toThrow(/did not print a status document/);
    expect(() => parseStatus({ model: {} })).toThrow(JujuError);
  });
});

describe('juju errors', () => {
  test.each([
    ['ERROR opening API connection: unable to connect to API: dial tcp 10.100.0.54:17070: getsockopt: no route to host', 'unreachable'],
    ['ERROR cannot connect to API: dial tcp 10.152.183.74:17070: i/o timeout', 'unreachable'],
    ['ERROR model conjure-up-localhost-fbf:admin/conjure-canonical-kubern-8bc not found', 'model-not-found'],
    [`ERROR model "admin/foo" has been removed from the controller, run 'juju models' and switch to one of them.`, 'model-not-found'],
    ['ERROR application "prometheus-scrape-target" not found', 'application-not-found'],
    ['ERROR unit "kfp-ui/3" not found (not found)', 'unit-not-found'],
    ['ERROR No controllers registered.\n\nPlease either create a new controller using "juju bootstrap"', 'no-controller'],
    ['ERROR option provided but not defined: --frob', 'usage'],
    ['ERROR could not scale application "kfp-db": boom', 'failed'],
  ])('%s', (stderr, problem) => expect(classify(stderr)).toBe(problem));

  test("juju's ERROR lines are what a message quotes", () => {
    expect(jujuMessage('some warning\nERROR model x not found\n')).toBe('model x not found');
    expect(jujuMessage('panic: oops\ngoroutine 1\n')).toBe('panic: oops; goroutine 1');
    expect(jujuMessage('')).toBe('no message');
  });
});

describe('Juju client', () => {
  // A stand-in juju that prints its argv on stderr and a status (or fails) as told by JUJU_FAKE.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'juju-fake-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fake = path.join(dir, 'juju');
  writeFileSync(path.join(dir, 'status.json'), JSON.stringify(realStatus));
  writeFileSync(
    fake,
    [
      '#!/bin/sh',
      'for a in "$@"; do echo "arg=$a" >&2; done',
      'case "$JUJU_FAKE" in',
      `  status) cat '${path.join(dir, 'status.json')}' ;;`,
      '  model) echo "ERROR model microk8s-localhost:admin/nosuch not found" >&2; exit 1 ;;',
      '  garbage) echo "not json" ;;',
      '  hang) exec sleep 30 ;;', // exec: runProcess waits for the pipes, which a grandchild would hold
      'esac',
    ].join('\n'),
  );
  chmodSync(fake, 0o755);
  const client = (fakeMode: string, extra: Partial<ConstructorParameters<typeof Juju>[0]> = {}) => {
    const r = recorder();
    return { juju: new Juju({ model: 'kubeflow', binary: fake, log: r.log, env: { PATH: process.env.PATH, JUJU_FAKE: fakeMode }, ...extra }), lines: r.lines };
  };
  const argsOf = (lines: string[]) => lines.filter((l) => l.includes('juju status: arg=')).map((l) => l.split('arg=')[1]);

  test('status runs `juju status -m <model> --format json <apps>` and checks each app is there', async () => {
    const { juju, lines } = client('status');
    const status = await juju.status(['snappass-test']);
    expect(status.applications['snappass-test'].scale).toBe(1);
    expect(argsOf(lines)).toEqual(['status', '-m', 'kubeflow', '--format', 'json', 'snappass-test']);
    await expect(juju.status(['kfp-db'])).rejects.toThrow('application "kfp-db" was not found in model "kubeflow"');
    await expect(juju.applicationScale('snappass-test')).resolves.toEqual({ scale: 1, units: ['snappass-test/0'], dying: [] });
  });

  test('names that are not Juju names never reach argv', async () => {
    const { juju, lines } = client('status');
    await expect(juju.status(['--format=yaml'])).rejects.toThrow('not a valid Juju application name');
    await expect(juju.scaleApplication('kfp-db', -1)).rejects.toThrow('must be a whole number');
    await expect(juju.scaleApplication('kfp-db', 1.5)).rejects.toThrow('must be a whole number');
    expect(lines.filter((l) => l.includes('arg='))).toEqual([]);
  });

  test('a missing model, garbage output, a missing binary', async () => {
    await expect(client('model').juju.status()).rejects.toMatchObject({
      problem: 'model-not-found',
      message: expect.stringContaining('model "kubeflow" was not found'),
    });
    await expect(client('garbage').juju.status()).rejects.toMatchObject({ problem: 'unexpected-output' });
    const missing = client('status', { binary: path.join(dir, 'no-such-juju') }).juju;
    await expect(missing.status()).rejects.toMatchObject({ problem: 'not-installed', message: expect.stringContaining('install the Juju client') });
  });

  test('a call that hangs is abandoned at its limit; an abort stops it at once', async () => {
    const { juju } = client('hang', { callTimeoutMs: 300 });
    const t0 = Date.now();
    await expect(juju.status()).rejects.toMatchObject({ problem: 'timeout' });
    expect(Date.now() - t0).toBeLessThan(5000);

    const controller = new AbortController();
    const aborted = client('hang', { signal: controller.signal }).juju;
    setTimeout(() => controller.abort(new CancelledError('SIGTERM')), 200);
    await expect(aborted.status()).rejects.toBeInstanceOf(CancelledError);
    // A cleanup derives a client that ignores the aborted run but keeps binary, env and model.
    const cleanup = aborted.with({ signal: undefined, callTimeoutMs: 300 });
    expect(cleanup.model).toBe('kubeflow');
    await expect(cleanup.status()).rejects.toMatchObject({ problem: 'timeout', message: expect.stringContaining('within 0.3s') });
  });
});

describe('waitForUnits', () => {
  // Scripted statuses: each check takes the next one (the last repeats).
  const unit = (name: string, workload: string, agent: string, life?: string) => ({
    name,
    workloadStatus: { current: workload, message: workload === 'error' ? 'hook failed: "start"' : '', life },
    jujuStatus: { current: agent, message: '', life },
    leader: name.endsWith('/0'),
    openPorts: [],
  });
  const app = (scale: number, ...units: ReturnType<typeof unit>[]): ApplicationStatus => ({
    name: 'kfp-metadata-writer',
    charm: 'kfp-metadata-writer',
    charmName: 'kfp-metadata-writer',
    scale,
    exposed: false,
    applicationStatus: { current: 'active', message: '' },
    relations: {},
    units: Object.fromEntries(units.map((u) => [u.name, u])),
  });
  const scripted = (steps: (ApplicationStatus | Error)[]) => {
    const r = recorder();
    let i = 0;
    const fake = {
      model: 'kubeflow',
      log: r.log,
      signal: undefined,
      application: async () => {
        const step = steps[Math.min(i++, steps.length - 1)];
        if (step instanceof Error) throw step;
        return step;
      },
    };
    return { juju: fake as unknown as Juju, lines: r.lines, calls: () => i };
  };
  const fast = { timeoutMs: 2000, intervalMs: 1, progressEveryMs: 0 };

  test('to 0: waits while a unit is listed, naming it and its state', async () => {
    const { juju, lines, calls } = scripted([
      app(0, unit('kfp-metadata-writer/0', 'active', 'idle')),
      app(0, unit('kfp-metadata-writer/0', 'maintenance', 'executing', 'dying')),
      app(0),
    ]);
    await expect(waitForUnits(juju, 'kfp-metadata-writer', 0, fast)).resolves.toMatchObject({ units: {} });
    expect(calls()).toBe(3);
    const progress = lines.filter((l) => l.startsWith('info: still waiting'));
    expect(progress[0]).toMatch(
      /^info: still waiting for kfp-metadata-writer to have no units after [\d.]+s: desired scale 0; kfp-metadata-writer\/0 active\/idle$/,
    );
    expect(progress[1]).toContain('kfp-metadata-writer/0 maintenance/executing dying');
  });

  test('to n: a dying unit or one not yet active does not count', async () => {
    const { juju, lines, calls } = scripted([
      app(1),
      app(1, unit('kfp-metadata-writer/0', 'waiting', 'allocating')),
      app(1, unit('kfp-metadata-writer/0', 'maintenance', 'executing'), unit('kfp-metadata-writer/1', 'terminated', 'executing', 'dying')),
      app(1, unit('kfp-metadata-writer/0', 'active', 'idle')),
    ]);
    const done = await waitForUnits(juju, 'kfp-metadata-writer', 1, fast);
    expect(Object.keys(done.units)).toEqual(['kfp-metadata-writer/0']);
    expect(calls()).toBe(4);
    const progress = lines.filter((l) => l.startsWith('info: still waiting'));
    expect(progress.some((l) => l.includes('no units'))).toBe(true);
    expect(progress.some((l) => l.includes('kfp-metadata-writer/0 waiting/allocating'))).toBe(true);
    expect(progress.some((l) => l.includes('kfp-metadata-writer/1 terminated/executing dying'))).toBe(true);
  });

  test("until 'present' does not wait for active", async () => {
    const { juju, calls } = scripted([
      app(1, unit('kfp-metadata-writer/0', 'maintenance', 'executing')),
      app(1, unit('kfp-metadata-writer/0', 'active', 'idle')),
    ]);
    await waitForUnits(juju, 'kfp-metadata-writer', 1, { ...fast, until: 'present' });
    expect(calls()).toBe(1);
  });

  test('a unit in error fails the wait at once, unless told otherwise', async () => {
    const broken = app(1, unit('kfp-metadata-writer/0', 'error', 'idle'));
    await expect(waitForUnits(scripted([broken]).juju, 'kfp-metadata-writer', 1, fast)).rejects.toThrow(
      'unit kfp-metadata-writer/0 is in error (hook failed: "start") while waiting for kfp-metadata-writer to have 1 unit active',
    );
    await expect(waitForUnits(scripted([broken]).juju, 'kfp-metadata-writer', 1, { ...fast, timeoutMs: 50, failOnError: false })).rejects.toBeInstanceOf(
      TimeoutError,
    );
  });

  test('the deadline: TimeoutError with the last state and where to look', async () => {
    const { juju } = scripted([app(0, unit('kfp-metadata-writer/0', 'terminated', 'executing', 'dying'))]);
    const err = await waitForUnits(juju, 'kfp-metadata-writer', 0, { timeoutMs: 100, intervalMs: 10, progressEveryMs: 1000 }).catch((e) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toMatch(
      /^timed out after .* waiting for kfp-metadata-writer to have no units \(last state: desired scale 0; kfp-metadata-writer\/0 terminated\/executing dying\)/,
    );
    expect(err.message).toContain('juju debug-log -m kubeflow --include kfp-metadata-writer');
  });

  test('a few unreachable calls are tolerated, more are not; other errors are not', async () => {
    const down = () => new JujuError('unreachable', 'could not reach the Juju controller');
    const ok = scripted([down(), down(), app(0)]);
    await expect(waitForUnits(ok.juju, 'kfp-metadata-writer', 0, fast)).resolves.toBeDefined();
    expect(ok.lines.filter((l) => l.startsWith('warning: juju status failed'))).toHaveLength(2);
    const dead = scripted([down()]);
    await expect(waitForUnits(dead.juju, 'kfp-metadata-writer', 0, { ...fast, transientFailures: 2 })).rejects.toMatchObject({ problem: 'unreachable' });
    expect(dead.calls()).toBe(3);
    const gone = scripted([new JujuError('application-not-found', 'application "x" was not found')]);
    await expect(waitForUnits(gone.juju, 'kfp-metadata-writer', 0, fast)).rejects.toBeInstanceOf(ActionError);
    expect(gone.calls()).toBe(1);
  });
});
