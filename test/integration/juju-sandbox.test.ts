// The juju client through the emulated juju executable (sandbox/juju): output shaped like
// real juju, scaling that settles gradually, and the failures a runner meets (unknown names,
// unreachable controller, scaling that never settles, a unit in error, slow commands, abort).
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { CancelledError, TimeoutError, type Logger } from '@ml-backup-actions/core';
import { Juju, JujuError, parseStatus } from '../../packages/juju/src/index.js';
import { createJujuModel } from '../../sandbox/juju/index.js';
import { isAlive } from '../support/procs.js';
import { must } from '../support/must.js';

type Sandbox = ReturnType<typeof createJujuModel>;

const VECTORS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../vectors/juju');
const WRITER = 'kfp-metadata-writer';

let sb: Sandbox;
let lines: string[];
let log: Logger;

beforeEach(() => {
  sb = createJujuModel({ settleMs: 800, dyingMs: 600 });
  lines = [];
  log = {
    info: (m) => lines.push(`info: ${m}`),
    notice: (m) => lines.push(`notice: ${m}`),
    warning: (m) => lines.push(`warning: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
    debug: () => undefined,
    group: (_n, fn) => fn(),
  };
});

afterEach(() => sb.cleanup());

const client = (extra: Partial<ConstructorParameters<typeof Juju>[0]> = {}) => new Juju({ model: 'kubeflow', log, env: sb.env, ...extra });
const wait = { timeoutMs: 10_000, intervalMs: 50, progressEveryMs: 100 };
const progress = () => lines.filter((l) => l.startsWith('info: still waiting'));

function keyPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => [`${prefix}${k}`, ...keyPaths(v, `${prefix}${k}.`)]);
}

describe('the emulator speaks like juju', () => {
  test('status JSON has the real Kubernetes status shape', async () => {
    const real = JSON.parse(readFileSync(path.join(VECTORS, 'status-k8s-model.json'), 'utf8'));
    const run = await sb.run(['status', '--format', 'json', 'kfp-db']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1); // json.Marshal: one line
    const ours = JSON.parse(run.stdout);
    const generic = (paths: string[], app: string) => paths.map((p) => p.replace(`${app}/0`, '<unit>').replace(app, '<app>'));
    const realPaths = generic(keyPaths(real), 'snappass-test');
    const ourPaths = generic(keyPaths({ ...ours, applications: { 'kfp-db': ours.applications['kfp-db'] } }), 'kfp-db');
    expect(ourPaths).toEqual(expect.arrayContaining(realPaths));
    const extra = ourPaths.filter((p) => !realPaths.includes(p));
    expect(extra.filter((p) => !/^applications\.<app>\.(relations|endpoint-bindings|version)(\.|$)/.test(p))).toEqual([]);
    expect(ours.applications['kfp-db'].units['kfp-db/0']).toMatchObject({
      leader: true,
      'provider-id': 'kfp-db-0',
      'juju-status': { current: 'idle', version: '3.6.1' },
    });
    expect(ours.applications['kfp-db']['application-status'].since).toMatch(/^\d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/);
    expect(ours.applications['kfp-db'].relations).toEqual({
      database: [{ 'related-application': 'kfp-api', interface: 'mysql_client', scope: 'global' }],
      'database-peers': [{ 'related-application': 'kfp-db', interface: 'mysql_peers', scope: 'global' }],
    });
    // Related applications come along, as with juju's selectors; messages left empty are left out.
    const writer = JSON.parse((await sb.run(['status', '--format', 'json', WRITER])).stdout);
    expect(Object.keys(writer.applications)).toEqual([WRITER, 'mlmd']);
    expect(writer.applications[WRITER]['application-status']).not.toHaveProperty('message');
  });

  test('the YAML and JSON formats say the same thing', async () => {
    for (const args of [['status'], ['show-unit', 'kfp-ui/0'], ['config', 'minio']]) {
      const [yaml, json] = await Promise.all([sb.run([...args, '--format', 'yaml']), sb.run([...args, '--format', 'json'])]);
      const y = parseYaml(yaml.stdout);
      const j = JSON.parse(json.stdout);
      if (args[0] === 'status') for (const doc of [y, j]) delete doc.controller; // the clock moves
      expect(y).toEqual(j);
    }
  });

  test('the runbook reads the MinIO keys from show-unit and config', async () => {
    const shown = await sb.run(['show-unit', 'kfp-ui/0']); // YAML by default
    expect(shown.code).toBe(0);
    const info = parseYaml(shown.stdout)['kfp-ui/0'];
    expect(info).toMatchObject({ leader: true, life: 'alive', 'provider-id': 'kfp-ui-0' });
    const rel = info['relation-info'].find((r: { endpoint: string }) => r.endpoint === 'object-storage');
    expect(rel['related-endpoint']).toBe('object-storage');
    expect(Object.keys(rel['related-units'])).toEqual(['minio/0']);
    const data = parseYaml(rel['application-data'].data);
    expect(data).toEqual({ 'access-key': 'minio', namespace: 'kubeflow', port: 9000, 'secret-key': sb.minioSecretKey, secure: false, service: 'minio' });
    expect(sb.minioSecretKey).toMatch(/^[A-Z0-9]{30}$/);

    expect((await sb.run(['config', 'minio', 'access-key'])).stdout).toBe('minio\n');
    expect((await sb.run(['config', 'minio', 'secret-key'])).stdout).toBe('\n'); // the charm keeps it out of config
    const all = JSON.parse((await sb.run(['config', 'minio', '--format', 'json'])).stdout);
    expect(all).toMatchObject({ application: 'minio', charm: 'minio', settings: { port: { type: 'int', value: 9000, source: 'default' } } });
  });

  test('errors: ERROR on stderr, exit 1 for failures and 2 for usage', async () => {
    const cases: [string[], number, RegExp][] = [
      [['status', '-m', 'nosuch'], 1, /^ERROR model microk8s-localhost:admin\/nosuch not found\n$/],
      [['scale-application', 'nosuch', '1'], 1, /^ERROR application "nosuch" not found/],
      [['config', 'nosuch'], 1, /^ERROR application "nosuch" not found/],
      [['show-unit', 'kfp-ui/7'], 1, /^ERROR unit "kfp-ui\/7" not found/],
      [['frobnicate'], 1, /^ERROR juju: "frobnicate" is not a juju command/],
      [['status', '--frob'], 2, /^ERROR option provided but not defined: --frob\n$/],
      [['status', '--format', 'xml'], 2, /^ERROR invalid value "xml" for option --format/],
      [['scale-application', WRITER], 2, /^ERROR no scale specified\n$/],
      [['scale-application', WRITER, 'two'], 2, /^ERROR invalid scale "two"/],
    ];
    for (const [args, code, stderr] of cases) {
      const run = await sb.run(args);
      expect({ args, code: run.code, stdout: run.stdout }).toEqual({ args, code, stdout: '' });
      expect(run.stderr).toMatch(stderr);
    }
    const nothing = await sb.run(['status', 'nosuch', '--format', 'json']);
    expect(nothing.code).toBe(0); // not an error for juju
    expect(JSON.parse(nothing.stdout).applications).toEqual({});
    expect(nothing.stderr).toBe('Nothing matched specified filter.\n');
    expect(await sb.run(['version'])).toEqual({ code: 0, stdout: '3.6.1-genericlinux-amd64\n', stderr: '' });
  });

  test('scale-application returns at once; the status follows over the settle time', async () => {
    // Long enough that a status call started under load (a node process each) lands while the unit is dying.
    sb.update((state) => (state.timing.dyingMs = 3000));
    const run = await sb.run(['scale-application', WRITER, '0']);
    const t0 = Date.now();
    expect(run).toEqual({ code: 0, stdout: '', stderr: `${WRITER} scaled to 0 units\n` });
    expect(sb.scale(WRITER)).toBe(0);
    expect(sb.units(WRITER)).toMatchObject([{ name: `${WRITER}/0`, life: 'dying' }]);
    const listed = JSON.parse((await sb.run(['status', '--format', 'json', WRITER])).stdout).applications[WRITER];
    expect(listed).not.toHaveProperty('scale'); // omitempty at 0, while the unit is still listed
    expect(listed.units[`${WRITER}/0`]['juju-status']).toMatchObject({ current: 'executing', life: 'dying' });
    await new Promise((r) => setTimeout(r, 3050 - (Date.now() - t0)));
    expect(sb.units(WRITER)).toEqual([]);
    const app = JSON.parse((await sb.run(['status', '--format', 'json', WRITER])).stdout).applications[WRITER];
    expect(app).not.toHaveProperty('units');
  });
});

describe('the client against the emulator', () => {
  test('status of the default kubeflow model', async () => {
    const status = await client().status();
    expect(Object.keys(status.applications).sort()).toEqual([
      'katib-db',
      'katib-db-manager',
      'kfp-api',
      'kfp-db',
      'kfp-metadata-writer',
      'kfp-ui',
      'minio',
      'mlmd',
    ]);
    expect(status.model).toMatchObject({ name: 'kubeflow', type: 'caas', version: '3.6.1' });
    expect(status.applications['kfp-db']).toMatchObject({ charmName: 'mysql-k8s', charmChannel: '8.0/stable', scale: 1 });
    expect(status.applications['kfp-db'].units['kfp-db/0']).toMatchObject({ leader: true, workloadStatus: { current: 'active', message: 'Primary' } });
    expect(await client().applicationScale(WRITER)).toEqual({ scale: 1, units: [`${WRITER}/0`], dying: [] });
    expect(await client().version()).toBe('3.6.1-genericlinux-amd64');
    expect(sb.calls().map((c) => c.argv)).toContainEqual(['status', '-m', 'kubeflow', '--format', 'json', WRITER]);
  });

  test('1 -> 0 -> 1: the wait sees the unit die, go, come back and settle', async () => {
    const juju = client();
    await juju.scaleApplication(WRITER, 0);
    const t0 = Date.now();
    await juju.waitForUnits(WRITER, 0, wait);
    expect(Date.now() - t0).toBeGreaterThan(100); // it did wait for the dying unit
    expect(progress().some((l) => l.includes(`${WRITER}/0`) && l.includes('dying'))).toBe(true);
    expect(await juju.applicationScale(WRITER)).toEqual({ scale: 0, units: [], dying: [] });

    lines.length = 0;
    const t1 = Date.now();
    await juju.scaleApplication(WRITER, 1);
    const back = await juju.waitForUnits(WRITER, 1, wait);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(750); // not active before the settle time
    expect(Object.keys(back.units)).toEqual([`${WRITER}/0`]);
    expect(back.units[`${WRITER}/0`]).toMatchObject({ leader: true, workloadStatus: { current: 'active' }, jujuStatus: { current: 'idle' } });
    const seen = progress().join('\n');
    expect(seen).toMatch(/no units|waiting\/allocating|maintenance\/executing/);
    expect(lines).toContain(`info: scaling ${WRITER} in model kubeflow to 1 unit`);
  });

  test('3 -> 0 -> 3: units come back under the same numbers', async () => {
    const juju = client();
    await juju.scaleApplication(WRITER, 3);
    const three = await juju.waitForUnits(WRITER, 3, wait);
    expect(Object.keys(three.units).sort()).toEqual([`${WRITER}/0`, `${WRITER}/1`, `${WRITER}/2`]);
    expect(
      Object.values(three.units)
        .filter((u) => u.leader)
        .map((u) => u.name),
    ).toEqual([`${WRITER}/0`]);

    await juju.scaleApplication(WRITER, 0);
    const dying = await juju.applicationScale(WRITER);
    expect(dying.scale).toBe(0);
    expect(dying.units).toEqual(dying.dying); // whatever is still listed is on its way out
    await juju.waitForUnits(WRITER, 0, wait);
    expect(sb.units(WRITER)).toEqual([]);

    await juju.scaleApplication(WRITER, 3);
    const again = await juju.waitForUnits(WRITER, 3, wait);
    expect(Object.keys(again.units).sort()).toEqual([`${WRITER}/0`, `${WRITER}/1`, `${WRITER}/2`]);
    expect(Object.values(again.units).every((u) => u.workloadStatus.current === 'active')).toBe(true);
  });

  test('scaling that never settles: the wait times out naming the stuck units', async () => {
    sb.faults.neverSettle(WRITER);
    const juju = client();
    await juju.scaleApplication(WRITER, 0);
    const err = await juju.waitForUnits(WRITER, 0, { ...wait, timeoutMs: 1000 }).catch((e) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toMatch(new RegExp(`waiting for ${WRITER} to have no units \\(last state: desired scale 0; ${WRITER}/0 terminated/executing dying`));
    expect(progress().length).toBeGreaterThanOrEqual(1);

    sb.faults.neverSettle(WRITER, false);
    await client().scaleApplication('kfp-ui', 2); // another application is not affected
    await client().waitForUnits('kfp-ui', 2, wait);
    sb.faults.neverSettle('mlmd');
    await juju.scaleApplication('mlmd', 2);
    const up = await juju.waitForUnits('mlmd', 2, { ...wait, timeoutMs: 1000 }).catch((e) => e);
    expect(up).toBeInstanceOf(TimeoutError);
    expect(up.message).toContain('mlmd/1 waiting/allocating (installing agent)');
  });

  test('a unit in error ends the wait at once', async () => {
    sb.faults.unitError(`${WRITER}/0`, 'hook failed: "start"');
    const juju = client();
    const err = await juju.waitForUnits(WRITER, 1, wait).catch((e) => e);
    expect(err).toBeInstanceOf(JujuError);
    expect(err.message).toContain(`unit ${WRITER}/0 is in error (hook failed: "start")`);
    expect(err.message).toContain(`juju debug-log -m kubeflow --include ${WRITER}/0`);
  });

  test('scale-application refused by the controller', async () => {
    sb.faults.failScale(WRITER, 'application is being removed');
    await expect(client().scaleApplication(WRITER, 0)).rejects.toMatchObject({
      problem: 'failed',
      message: `juju scale-application on model "kubeflow" failed (exit 1): could not scale application "${WRITER}": application is being removed`,
    });
    expect(sb.scale(WRITER)).toBe(1);
  });

  test('unknown application and model are named', async () => {
    const juju = client();
    await expect(juju.status(['nosuch'])).rejects.toMatchObject({
      problem: 'application-not-found',
      message: expect.stringMatching(/application "nosuch" was not found in model "kubeflow"/),
    });
    await expect(juju.scaleApplication('nosuch', 1)).rejects.toMatchObject({
      problem: 'application-not-found',
      message: expect.stringMatching(/application "nosuch" was not found in model "kubeflow"/),
    });
    await expect(juju.waitForUnits('nosuch', 0, wait)).rejects.toMatchObject({ problem: 'application-not-found' });
    await expect(client({ model: 'nosuch' }).status()).rejects.toMatchObject({
      problem: 'model-not-found',
      message: expect.stringContaining('model "nosuch" was not found on the controller (model microk8s-localhost:admin/nosuch not found)'),
    });
  });

  test('an unreachable controller; juju not installed', async () => {
    sb.faults.unreachable();
    const err = await client()
      .status()
      .catch((e) => e);
    expect(err).toMatchObject({ problem: 'unreachable' });
    expect(err.message).toBe(
      'could not reach the Juju controller (juju status on model "kubeflow": opening API connection: unable to connect to API: dial tcp 10.152.183.74:17070: connect: connection refused); check the network path to the controller and that the runner\'s JUJU_DATA holds a working login',
    );
    await expect(client().scaleApplication(WRITER, 0)).rejects.toMatchObject({ problem: 'unreachable' });
    expect(sb.scale(WRITER)).toBe(1);
    expect(await client().version()).toBe('3.6.1-genericlinux-amd64'); // needs no controller

    await expect(client({ env: { ...sb.env, PATH: '/nonexistent' } }).status()).rejects.toMatchObject({ problem: 'not-installed' });
  });

  test('a controller that drops a few calls during a wait', async () => {
    const juju = client();
    await juju.scaleApplication(WRITER, 0);
    sb.faults.failNext(2);
    await juju.waitForUnits(WRITER, 0, wait);
    expect(lines.filter((l) => l.startsWith('warning: juju status failed'))).toHaveLength(2);
    sb.faults.failNext(10);
    await expect(juju.waitForUnits(WRITER, 0, wait)).rejects.toMatchObject({ problem: 'unreachable' });
  });

  test('slow commands: a wait keeps its deadline, an abort stops juju at once', async () => {
    sb.faults.slow(5000, 'status');
    const t0 = Date.now();
    const err = await client()
      .waitForUnits(WRITER, 1, { ...wait, timeoutMs: 800 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(Date.now() - t0).toBeLessThan(3500);

    const controller = new AbortController();
    const juju = client({ signal: controller.signal });
    const before = sb.calls().length;
    const pending = juju.status();
    pending.catch(() => undefined); // asserted below
    let started: { pid: number } | undefined;
    for (let i = 0; i < 100 && !started; i++) {
      await new Promise((r) => setTimeout(r, 50));
      started = sb.calls().slice(before)[0];
    }
    const pid = must(started, 'started').pid;
    await new Promise((r) => setTimeout(r, 100));
    expect(isAlive(pid)).toBe(true);
    const t1 = Date.now();
    controller.abort(new CancelledError('SIGTERM'));
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    expect(Date.now() - t1).toBeLessThan(2000);
    expect(isAlive(pid)).toBe(false);
    await expect(juju.waitForUnits(WRITER, 1, wait)).rejects.toBeInstanceOf(CancelledError);
  });

  test('concurrent juju calls see one consistent model and lose no update', async () => {
    const apps = ['kfp-ui', 'kfp-api', 'mlmd', WRITER];
    const juju = client();
    const statuses = Promise.all(Array.from({ length: 4 }, () => juju.status()));
    await Promise.all(apps.map((a, i) => juju.scaleApplication(a, i + 2)));
    for (const s of await statuses) expect(Object.keys(s.applications)).toHaveLength(8);
    expect(apps.map((a) => sb.scale(a))).toEqual([2, 3, 4, 5]);
    const after = await juju.status();
    expect(apps.map((a) => after.applications[a].scale)).toEqual([2, 3, 4, 5]);
    expect(parseStatus(JSON.parse((await sb.run(['status', '--format', 'json'])).stdout)).applications[WRITER].scale).toBe(5);
  });
});
