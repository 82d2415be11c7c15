// The fault matrix of sync-minio and backup-set (begin, complete, verify, prune, recorded): each external call they make
// (S3 PUT, DELETE, GET/HEAD/listing on either side, juju, the port-forward to MinIO) made slow past what the action
// tolerates, failing once and failing always, and a SIGTERM at each step boundary (each ::group:: line it prints). After
// every case the same invariants: exit code, job summary, nothing left open or lost, nothing partial that looks complete.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { listObjects, rclone, readObject, seedMlpipeline, startCkf, writeObject } from '../../sandbox/index.js';
import { backupMlmdAction } from '../../actions/backup-mlmd/src/main.js';
import { backupSetAction } from '../../actions/backup-set/src/main.js';
import { syncMinioAction } from '../../actions/sync-minio/src/main.js';
import { runInProcess, sandboxJuju, type ActionResult, type InProcessChild } from '../support/in-process.js';
import { childCommandLines } from '../support/procs.js';
import { settle } from '../support/settle.js';

type Ckf = Awaited<ReturnType<typeof startCkf>>;
type Rule = Parameters<Ckf['s3']['faults']>[0][number];
type Fault = 'slow' | 'fails once' | 'fails always' | 'SIGTERM';

const BUCKET = 'ckf-backups';
const SOURCE_BUCKET = 'mlpipeline';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/** Only the bucket listings of a server (GET /<bucket>?list-type=…), not its object reads (GET /<bucket>/<key>). */
const listings = (bucket: string, rule: Omit<Rule, 'method'>): Rule[] => [
  { method: 'GET', match: `/${bucket}/`, times: 0 },
  { method: 'GET', ...rule },
];

/** The rclone processes of this run's sandbox still alive (their environment names its S3 target). */
function rcloneAlive(c: Ckf): number[] {
  return childCommandLines(process.pid)
    .filter((p) => p.argv[0]?.split('/').pop() === 'rclone')
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p.pid}/environ`, 'utf8')
          .split('\0')
          .some((v) => v.endsWith(`=${c.s3.endpoint}`));
      } catch {
        return false; // it ended while we looked
      }
    })
    .map((p) => p.pid);
}

/** Keys under prefix (full keys) with their sizes. */
async function sizesUnder(c: Ckf, prefix: string): Promise<Map<string, number>> {
  const objects = await listObjects(c.s3, BUCKET, prefix);
  return new Map(objects.map((o: { Path: string; Size: number }) => [`${prefix}/${o.Path}`, o.Size]));
}
const allKeys = async (c: Ckf) => new Set((await listObjects(c.s3, BUCKET, '')).map((o: { Path: string }) => o.Path));

/** A TCP server that accepts connections and never answers: a MinIO pod that hangs. */
async function blackhole(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A port nothing listens on: a MinIO pod that is gone. */
async function closedPort(): Promise<number> {
  const hole = await blackhole();
  await hole.close();
  return hole.port;
}

/** Puts the sandbox back as it was: no S3 fault on either side, juju reachable, port-forwards to MinIO allowed and carried. */
async function resetFaults(c: Ckf) {
  await Promise.all([c.s3.faults([]), c.minio.faults([])]);
  c.juju.faults.clear();
  c.kube.allow('pods/portforward');
  c.kube.setPortForwards('minio-0', { 9000: c.minio.port });
}

/** Calls act once, on the first line that opens the log group whose title starts with title. */
function atGroup(title: string, act: (child: InProcessChild) => void) {
  let done = false;
  return {
    get reached() {
      return done;
    },
    onLine(line: string, child: InProcessChild) {
      if (done || !line.startsWith(`::group::${title}`)) return;
      done = true;
      act(child);
    },
  };
}

/** What the status line of a failed run's summary may say, by the kind of fault. */
const failedStatus = (fault: Fault) => (fault === 'SIGTERM' ? /interrupted/ : /failed|timed out/i);

let ckf: Ckf;
let mlmdOutputs: Record<string, string>;

async function seededCkf(): Promise<Ckf> {
  const c = await startCkf({ dbBytes: 256 * 1024 });
  await seedMlpipeline(c.minio, SOURCE_BUCKET, { objects: 30, seed: 17 });
  return c;
}

beforeAll(async () => {
  ckf = await seededCkf();
  const mlmd = await runInProcess(backupMlmdAction, ckf.backupMlmdInputs({ 'backup-id': 'fm-mlmd' }), {
    env: ckf.env,
    timeoutMs: 60_000,
    clients: (config, context) => ({ ...backupMlmdAction.clients(config, context), juju: sandboxJuju(config.jujuModel, context) }),
  });
  expect(mlmd.code).toBe(0);
  mlmdOutputs = mlmd.outputs;
  await writeObject(ckf.s3, BUCKET, 'fm-mirror/pipelines/p1.yaml', 'pipeline: 1\n');
  await writeObject(ckf.s3, BUCKET, 'fm-mirror/artifacts/run-1/out.tgz', 'x'.repeat(1000));
}, 120_000);

afterAll(async () => {
  await ckf?.stop();
});

// ---------------------------------------------------------------------------------------------
// sync-minio: the CKF way (keys from juju, MinIO through the action's own port-forward), into a
// target prefix an earlier sync filled: one object since changed in MinIO, one since deleted.
// ---------------------------------------------------------------------------------------------

/** What a row's arrange leaves for the run: what undoes more than resetFaults does, and what happens at its boundary. */
interface Arranged {
  undo?: () => Promise<void> | void;
  act?: (child: InProcessChild) => void;
}

interface SyncRow {
  fault: Fault;
  inputs?: Record<string, string>;
  /** Before the run: the faults, given the case's target prefix and one of the source's keys. */
  arrange?: (c: Ckf, at: { prefix: string; key: string }) => Promise<Arranged | void>;
  /** The ::group:: title at which the arranged act happens, the moment the action prints it. */
  at?: string;
  /** What the log of a failed run says: the fault, named. */
  says: RegExp;
}

const sigtermAt = (group: string): SyncRow => ({
  fault: 'SIGTERM',
  arrange: async () => ({ act: (child) => child.kill('SIGTERM') }),
  at: group,
  says: /SIGTERM received/,
});

/** Connections to MinIO's pod go to port from the moment the group opens. */
const podAt = (c: Ckf, port: number): Arranged => ({ act: () => c.kube.setPortForwards('minio-0', { 9000: port }) });

const syncRows: [string, SyncRow][] = [
  [
    'sync-minio · juju · fails always',
    { fault: 'fails always', arrange: async (c) => void (await c.juju.faults.unreachable()), says: /could not reach the Juju controller/ },
  ],
  [
    'sync-minio · juju · fails once',
    { fault: 'fails once', arrange: async (c) => void (await c.juju.faults.failNext(1)), says: /could not reach the Juju controller/ },
  ],
  [
    'sync-minio · port-forward · fails always',
    {
      fault: 'fails always',
      arrange: async (c) => c.kube.forbid('pods/portforward'),
      says: /::error::sync-minio failed: .*port-?forward.*forbidden/i,
    },
  ],
  [
    'sync-minio · port-forward · fails once',
    {
      fault: 'fails once',
      // Refused until the API server has refused one port-forward upgrade, then allowed again.
      arrange: async (c) => {
        const seen = c.kube.requests.length;
        c.kube.forbid('pods/portforward');
        const watch = setInterval(() => {
          const refused = c.kube.requests.slice(seen).some((r: { path: string; status: number }) => r.path.includes('/portforward') && r.status === 403);
          if (refused) {
            clearInterval(watch);
            c.kube.allow('pods/portforward');
          }
        }, 5);
        return { undo: () => clearInterval(watch) };
      },
      says: /::error::sync-minio failed: .*port-?forward.*forbidden/i,
    },
  ],
  [
    'sync-minio · port-forward · fails always once open (the pod is gone mid-sync)',
    {
      fault: 'fails always',
      arrange: async (c) => podAt(c, await closedPort()),
      at: 'Sync ',
      says: /The port-forward to MinIO reported: .*(refused|ECONNREFUSED)/i,
    },
  ],
  [
    'sync-minio · source GET · fails once',
    {
      fault: 'fails once',
      arrange: async (c) => c.minio.faults([{ method: 'GET', match: `/${SOURCE_BUCKET}/`, times: 1, status: 500 }]),
      says: /rclone sync failed/,
    },
  ],
  [
    'sync-minio · source listing · fails always',
    {
      fault: 'fails always',
      arrange: async (c) => c.minio.faults(listings(SOURCE_BUCKET, { status: 500 })),
      says: /::error::sync-minio failed: source \(MinIO at svc\/minio in kubeflow .*\) failed: .*status code: 500/,
    },
  ],
  [
    'sync-minio · target listing · fails once',
    { fault: 'fails once', arrange: async (c) => c.s3.faults(listings(BUCKET, { status: 500, times: 1 })), says: /target \(S3 at .*\) failed/ },
  ],
  [
    'sync-minio · target listing · fails always',
    {
      fault: 'fails always',
      arrange: async (c) => c.s3.faults(listings(BUCKET, { status: 500 })),
      says: /::error::sync-minio failed: target \(S3 at [^)]+\) failed: .*status code: 500/,
    },
  ],
  [
    'sync-minio · target PUT · fails once',
    {
      fault: 'fails once',
      arrange: async (c) => c.s3.faults([{ method: 'PUT', match: `/${BUCKET}/`, times: 1, status: 500 }]),
      says: /rclone sync failed/,
    },
  ],
  [
    // one object's: with every PUT refused, rclone's retries take minutes (timeout-minutes bounds them)
    'sync-minio · target PUT (one object) · fails always',
    {
      fault: 'fails always',
      arrange: async (c, at) => c.s3.faults([{ method: 'PUT', match: `/${BUCKET}/${at.prefix}/${at.key}`, status: 500 }]),
      says: /rclone sync failed \(.*\) on the target \(S3 at [^)]+\): .* objects were copied/,
    },
  ],
  [
    'sync-minio · target DELETE · fails once',
    { fault: 'fails once', arrange: async (c) => c.s3.faults([{ method: 'DELETE', times: 1, status: 500 }]), says: /rclone sync failed/ },
  ],
  [
    'sync-minio · target DELETE · fails always',
    {
      fault: 'fails always',
      arrange: async (c) => c.s3.faults([{ method: 'DELETE', status: 500 }]),
      says: /rclone sync failed \(.*\) on the target \(S3 at [^)]+\)/,
    },
  ],
  [
    'sync-minio · target HEAD · fails always',
    { fault: 'fails always', arrange: async (c) => c.s3.faults([{ method: 'HEAD', status: 403, code: 'AccessDenied' }]), says: /rclone sync failed/ },
  ],
  ['sync-minio · SIGTERM at MinIO: keys and endpoint', sigtermAt('MinIO: keys and endpoint')],
  ['sync-minio · SIGTERM at Pre-flight', sigtermAt('Pre-flight')],
  ['sync-minio · SIGTERM at Sync', sigtermAt('Sync ')],
  ['sync-minio · SIGTERM at Verify', sigtermAt('Verify the target')],
];

/**
 * The long ones: made slow, each past what it tolerates, so each lasts that long, and one whose rclone retries take
 * 20 s; each runs on a sandbox of its own, all at once.
 */
const slowSyncRows: [string, SyncRow][] = [
  [
    // one object's, as for the target PUT above; rclone's own retries end it, not the stall watch
    'sync-minio · source GET (one object) · fails always',
    {
      fault: 'fails always',
      arrange: async (c, at) => c.minio.faults([{ method: 'GET', match: `/${SOURCE_BUCKET}/${at.key}`, status: 500 }]),
      says: /rclone sync failed \(.*\) on the source \(MinIO at svc\/minio in kubeflow/,
    },
  ],
  [
    'sync-minio · juju · slow (past timeout-minutes 1)',
    {
      fault: 'slow',
      inputs: { 'timeout-minutes': '1' },
      arrange: async (c) => void (await c.juju.faults.slow(90_000)),
      says: /timed out after 1 minutes \(timeout-minutes\)/,
    },
  ],
  [
    'sync-minio · target listing · slow (past timeout-minutes 1)',
    {
      fault: 'slow',
      inputs: { 'timeout-minutes': '1' },
      arrange: async (c) => c.s3.faults(listings(BUCKET, { delayMs: 90_000 })),
      says: /timed out after 1 minutes \(timeout-minutes\)/,
    },
  ],
  [
    'sync-minio · target PUT · slow (past stall-timeout-seconds 10)',
    {
      fault: 'slow',
      inputs: { 'stall-timeout-seconds': '10' },
      arrange: async (c) => c.s3.faults([{ method: 'PUT', match: `/${BUCKET}/`, delayMs: 45_000 }]),
      says: /rclone sync moved nothing for 10 s \(stall-timeout-seconds\) and was stopped/,
    },
  ],
  [
    'sync-minio · source GET · slow (past stall-timeout-seconds 10)',
    {
      fault: 'slow',
      inputs: { 'stall-timeout-seconds': '10' },
      arrange: async (c) => c.minio.faults([{ method: 'GET', match: `/${SOURCE_BUCKET}/`, delayMs: 45_000 }]),
      says: /rclone sync moved nothing for 10 s \(stall-timeout-seconds\) and was stopped/,
    },
  ],
  [
    'sync-minio · port-forward · slow (the pod stops answering mid-sync, past stall-timeout-seconds 10)',
    {
      fault: 'slow',
      inputs: { 'stall-timeout-seconds': '10' },
      arrange: async (c) => {
        const hole = await blackhole();
        return { ...podAt(c, hole.port), undo: () => hole.close() };
      },
      at: 'Sync ',
      says: /moved nothing for 10 s \(stall-timeout-seconds\) and was stopped: the source \(MinIO at svc\/minio in kubeflow .*\) does not answer/,
    },
  ],
];

async function syncCase(c: Ckf, name: string, row: SyncRow) {
  const prefix = `fm-${slug(name)}`.slice(0, 60);
  const archive = `${prefix}.archive`;
  const source = new Map((await listObjects(c.minio, SOURCE_BUCKET)).map((o: { Path: string; Size: number }) => [o.Path, o.Size]));
  const changed = [...source.keys()][0];
  const earlier = new Map([
    [changed, `an earlier version of ${changed}`],
    ['removed/from-minio.txt', 'an object since deleted from MinIO'],
  ]);
  for (const [rel, body] of earlier) await writeObject(c.s3, BUCKET, `${prefix}/${rel}`, body);

  const arranged = (await row.arrange?.(c, { prefix, key: changed })) ?? {};
  const at = row.at ? atGroup(row.at, (child) => arranged.act?.(child)) : undefined;
  let run: ActionResult;
  try {
    run = await runInProcess(syncMinioAction, c.syncMinioInputs({ 's3-prefix': prefix, 'archive-prefix': archive, ...row.inputs }), {
      env: c.env,
      timeoutMs: 190_000,
      clients: (config, context) => ({ ...syncMinioAction.clients(config, context), juju: sandboxJuju(config.juju.model, context) }),
      onLine: (line, child) => at?.onLine(line, child),
    });
  } finally {
    await arranged.undo?.();
    await resetFaults(c);
  }
  if (at) expect({ boundary: row.at, reached: at.reached }).toEqual({ boundary: row.at, reached: true });

  // 1. a non-zero exit, or a retried single failure that ended complete and verified
  if (run.code === 0) {
    expect({ exit: 0, fault: row.fault }).toEqual({ exit: 0, fault: 'fails once' });
    expect(run.outputs.verified).toBe('true');
    expect(run.outputs['objects-checked']).toBe(String(source.size));
    expect(Object.fromEntries(await sizesUnder(c, prefix))).toEqual(Object.fromEntries([...source].map(([k, n]) => [`${prefix}/${k}`, n])));
  } else {
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(row.says);
  }
  // 2. the summary, naming how it ended
  expect(run.summary).toMatch(run.code === 0 ? /^## sync-minio: succeeded/ : new RegExp(`^## sync-minio: (${failedStatus(row.fault).source})`, 'i'));
  // 3. nothing left open or running; what the target held is still held, in place or in the archive
  expect({
    portForwardsOpen: await settle(() => c.kube.activePortForwards, 0),
    rcloneAlive: await settle(() => rcloneAlive(c).length, 0),
  }).toEqual({ portForwardsOpen: 0, rcloneAlive: 0 });
  if (run.stdout.includes('port-forward open:')) expect(run.stdout).toContain('port-forward closed');
  const [mirror, archived] = await Promise.all([sizesUnder(c, prefix), sizesUnder(c, archive)]);
  for (const [rel, body] of earlier) {
    const places = [`${prefix}/${rel}`, `${archive}/${rel}`].filter((k) => (mirror.get(k) ?? archived.get(k)) === Buffer.byteLength(body));
    const held = await Promise.all(places.map(async (k) => String(await readObject(c.s3, BUCKET, k)) === body));
    expect({ object: rel, stillHeld: held.includes(true) }).toEqual({ object: rel, stillHeld: true });
  }
  // 4. a failed run never says verified
  if (run.code !== 0) expect(run.outputs.verified).not.toBe('true');
}

describe('sync-minio', () => {
  test.each(syncRows)('%s', async (name, row) => syncCase(ckf, name, row), 200_000);
});

describe('sync-minio, the long cases', () => {
  test.concurrent.each(slowSyncRows)(
    '%s',
    async (name, row) => {
      const own = await seededCkf();
      try {
        await syncCase(own, name, row);
      } finally {
        await own.stop();
      }
    },
    150_000,
  );
});

// ---------------------------------------------------------------------------------------------
// backup-set: each mode on a manifests prefix of its own; prune over four sets, two to delete.
// ---------------------------------------------------------------------------------------------

type Mode = 'begin' | 'complete' | 'verify' | 'prune' | 'recorded';

interface SetRow {
  mode: Mode;
  fault: Fault;
  inputs?: Record<string, string>;
  /** Faults to set before the run, given the case's manifests prefix. */
  faults?: (p: string) => Rule[];
  /**
   * SIGTERM: the ::group:: title it is sent at, or a log line for one inside the step, and then a
   * delay, or the number of requests the first fault rule must have met (held ones in flight).
   */
  sigterm?: { group?: string; line?: RegExp; afterMs?: number; afterHits?: number };
  /** How long requests the run left at the server (delayed ones) may take to land before the state is read. */
  settleMs?: number;
  says: RegExp;
  /** What shows the case did what it says (e.g. that a deletion really was cut short), given the keys after it. */
  shows?: (p: string, after: Set<string>) => void;
}

interface Loc {
  bucket: string;
  key: string;
  bytes: number;
}
interface StoredManifest {
  backupId: string;
  status: string;
  components: {
    databases: { status: string; backups?: Record<string, { backupId: string }> };
    mlmd: { status: string; object?: Loc; sidecar?: Loc };
    mlpipeline: { status: string; prefix?: string; objects?: number; bytes?: number; archivePrefix?: string };
  };
  verification?: { ok: boolean; checks: { what: string; ok: boolean; detail: string }[] };
}

const s3Inputs = (c: Ckf) => ({
  's3-bucket': BUCKET,
  's3-endpoint': c.s3.endpoint,
  's3-access-key-id': c.s3.accessKey,
  's3-secret-access-key': c.s3.secretKey,
  'check-databases': 'false',
});

function results() {
  return JSON.stringify({
    preflight: { result: 'success', outputs: {} },
    databases: {
      result: 'success',
      outputs: {
        'backup-ids': JSON.stringify({ 'kfp-db': '2026-11-22T02:17:31Z', 'katib-db': '2026-11-22T02:17:32Z' }),
        's3-locations': JSON.stringify({
          'kfp-db': { integrator: 's3-kfp', bucket: BUCKET, path: 'mysql/kfp-db' },
          'katib-db': { integrator: 's3-katib', bucket: BUCKET, path: 'mysql/katib-db' },
        }),
      },
    },
    mlmd: { result: 'success', outputs: mlmdOutputs },
    mlpipeline: {
      result: 'success',
      outputs: { destination: `s3://${BUCKET}/fm-mirror`, 'objects-transferred': '2', verified: 'true', 'archive-prefix': 'fm-mirror.archive/none' },
    },
  });
}

const runSet = (inputs: Record<string, string>, onLine?: (line: string, child: InProcessChild) => void) =>
  runInProcess(backupSetAction, { ...s3Inputs(ckf), ...inputs }, { env: ckf.env, timeoutMs: 60_000, onLine });

async function readManifest(key: string): Promise<StoredManifest> {
  return JSON.parse(String(await readObject(ckf.s3, BUCKET, key))) as StoredManifest;
}

/** Prune's four sets, oldest first: d1 and d2 (complete, verified) go with keep 2; k1 (complete, verified) and k2 (incomplete) stay. */
const PRUNE_SETS = [
  { id: 'd1', hour: 1, status: 'complete', doomed: true },
  { id: 'd2', hour: 2, status: 'complete', doomed: true },
  { id: 'k1', hour: 3, status: 'complete', doomed: false },
  { id: 'k2', hour: 4, status: 'incomplete', doomed: false },
] as const;

/** Each set's own keys: its manifest, MLMD artifact and sidecar, and its mlpipeline archive. */
const ownKeys = (p: string, id: string) => [
  `${p}/${id}.json`,
  `${p}-mlmd/mlmd-${id}.dump.gz`,
  `${p}-mlmd/mlmd-${id}.dump.gz.json`,
  `${p}-mirror.archive/${id}/pipelines/old.yaml`,
];

/** Prune's sets, written in one rclone copy. */
async function seedPruneSets(p: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-prune-'));
  const file = (key: string, body: string) => {
    mkdirSync(path.dirname(path.join(dir, key)), { recursive: true });
    writeFileSync(path.join(dir, key), body);
  };
  for (const s of PRUNE_SETS) {
    const startedAt = new Date(Date.UTC(2026, 10, 1, s.hour)).toISOString();
    const loc = (key: string, bytes: number) => ({ url: `s3://${BUCKET}/${key}`, bucket: BUCKET, key, bytes });
    const manifest = {
      manifestVersion: 1,
      kind: 'ckf-backup-set',
      backupId: s.id,
      status: s.status,
      model: 'kubeflow',
      target: { bucket: BUCKET, endpoint: ckf.s3.endpoint },
      startedAt,
      tools: {},
      components: {
        databases: { status: 'complete', backups: { 'kfp-db': { backupId: `2026-11-01T0${s.hour}:00:00Z` } } },
        mlmd: {
          status: 'complete',
          object: { ...loc(`${p}-mlmd/mlmd-${s.id}.dump.gz`, 3), sha256: 'a'.repeat(64) },
          sidecar: loc(`${p}-mlmd/mlmd-${s.id}.dump.gz.json`, 2),
        },
        mlpipeline: {
          status: s.status === 'complete' ? 'complete' : 'failed',
          bucket: BUCKET,
          prefix: `${p}-mirror`,
          archivePrefix: `${p}-mirror.archive/${s.id}`,
        },
      },
      ...(s.status === 'complete' ? { verification: { at: startedAt, ok: true, checks: [{ what: 'MLMD object', ok: true, detail: 'seeded' }] } } : {}),
    };
    file(`${p}/${s.id}.json`, JSON.stringify(manifest));
    file(`${p}-mlmd/mlmd-${s.id}.dump.gz`, 'abc');
    file(`${p}-mlmd/mlmd-${s.id}.dump.gz.json`, '{}');
    file(`${p}-mirror.archive/${s.id}/pipelines/old.yaml`, `replaced by ${s.id}`);
  }
  file(`${p}-mirror/pipelines/current.yaml`, 'now');
  try {
    await rclone([ckf.s3], ['copy', dir, `${ckf.s3.name}:${BUCKET}`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mlmdKey = () => mlmdOutputs['object-url'].replace(`s3://${BUCKET}/`, '');
const sidecarKey = () => mlmdOutputs['sidecar-url'].replace(`s3://${BUCKET}/`, '');
const put = (match: string, more: Partial<Rule> = {}): Rule[] => [{ method: 'PUT', match, status: 500, ...more }];
/**
 * Refused for good (the permission taken away): rclone gives up at once. Answered 500 always instead, a GET or a
 * listing is retried by rclone for 50 s or more (a PUT or DELETE for 10 to 15 s), so only one row below does that.
 */
const denied = (method: string, match?: string): Rule[] => [{ method, ...(match ? { match } : {}), status: 403, code: 'AccessDenied' }];
const REFUSED = 'failed: the credentials were refused';

const setRows: [string, SetRow][] = [
  [
    'backup-set · begin · manifest PUT · fails always (403)',
    { mode: 'begin', fault: 'fails always', faults: (p) => denied('PUT', `/${p}/`), says: new RegExp(`uploading to s3://ckf-backups/fm-set-\\S+ ${REFUSED}`) },
  ],
  ['backup-set · begin · manifest PUT · fails once', { mode: 'begin', fault: 'fails once', faults: (p) => put(`/${p}/`, { times: 1 }), says: /uploading to/ }],
  [
    'backup-set · begin · listing · slow (past timeout-minutes 0.1)',
    {
      mode: 'begin',
      fault: 'slow',
      inputs: { 'timeout-minutes': '0.1' },
      faults: () => listings(BUCKET, { delayMs: 20_000 }),
      says: /timed out after 0.1 minutes/,
    },
  ],
  ['backup-set · begin · SIGTERM at Open backup set', { mode: 'begin', fault: 'SIGTERM', sigterm: { group: 'Open backup set' }, says: /SIGTERM received/ }],
  [
    'backup-set · complete · sidecar GET · fails always (403)',
    {
      mode: 'complete',
      fault: 'fails always',
      faults: () => denied('GET', `/${sidecarKey()}`),
      says: /mlmd failed \(the job succeeded but its sidecar \S+ could not be read\)/,
    },
  ],
  [
    'backup-set · complete · manifest PUT · fails once',
    { mode: 'complete', fault: 'fails once', faults: (p) => put(`/${p}/`, { times: 1 }), says: /uploading to/ },
  ],
  [
    'backup-set · complete · listing · slow (past timeout-minutes 0.1)',
    {
      mode: 'complete',
      fault: 'slow',
      inputs: { 'timeout-minutes': '0.1' },
      faults: () => listings(BUCKET, { delayMs: 20_000 }),
      says: /timed out after 0.1 minutes/,
    },
  ],
  [
    'backup-set · complete · SIGTERM at Record backup set',
    { mode: 'complete', fault: 'SIGTERM', sigterm: { group: 'Record backup set' }, says: /SIGTERM received/ },
  ],
  [
    'backup-set · verify · MLMD object GET · fails always (403)',
    {
      mode: 'verify',
      fault: 'fails always',
      faults: () => denied('GET', `/${mlmdKey()}`),
      says: new RegExp(`MLMD object: downloading s3://ckf-backups/\\S+ ${REFUSED}`),
    },
  ],
  [
    'backup-set · verify · MLMD object GET · fails once',
    { mode: 'verify', fault: 'fails once', faults: () => [{ method: 'GET', match: `/${mlmdKey()}`, status: 500, times: 1 }], says: /MLMD object/ },
  ],
  [
    'backup-set · verify · MLMD object GET · slow (past timeout-minutes 0.1)',
    {
      mode: 'verify',
      fault: 'slow',
      inputs: { 'timeout-minutes': '0.1' },
      faults: () => [{ method: 'GET', match: `/${mlmdKey()}`, delayMs: 20_000 }],
      says: /timed out after 0.1 minutes/,
    },
  ],
  [
    'backup-set · verify · manifest PUT · fails always (403)',
    { mode: 'verify', fault: 'fails always', faults: (p) => denied('PUT', `/${p}/`), says: new RegExp(`uploading to s3://ckf-backups/fm-set-\\S+ ${REFUSED}`) },
  ],
  [
    'backup-set · verify · SIGTERM at Verify backup set',
    { mode: 'verify', fault: 'SIGTERM', sigterm: { group: 'Verify backup set' }, says: /SIGTERM received/ },
  ],
  [
    'backup-set · recorded · manifest GET · fails always (403)',
    {
      mode: 'recorded',
      fault: 'fails always',
      faults: (p) => denied('GET', `/${p}/`),
      says: new RegExp(`downloading s3://ckf-backups/fm-set-\\S+ ${REFUSED}`),
    },
  ],
  [
    'backup-set · recorded · manifest GET · fails once',
    { mode: 'recorded', fault: 'fails once', faults: (p) => [{ method: 'GET', match: `/${p}/`, status: 500, times: 1 }], says: /downloading/ },
  ],
  [
    'backup-set · recorded · SIGTERM at What backup set … has recorded',
    { mode: 'recorded', fault: 'SIGTERM', sigterm: { group: 'What backup set' }, says: /SIGTERM received/ },
  ],
  [
    'backup-set · prune · listing · fails always (403)',
    {
      mode: 'prune',
      fault: 'fails always',
      faults: () => [{ method: 'GET', match: `/${BUCKET}/`, times: 0 }, ...denied('GET')],
      says: new RegExp(`listing s3://ckf-backups/fm-set-\\S+ ${REFUSED}`),
    },
  ],
  [
    'backup-set · prune · manifest GET · fails always (403)',
    { mode: 'prune', fault: 'fails always', faults: (p) => denied('GET', `/${p}/`), says: /::error::backup-set failed: / },
  ],
  [
    'backup-set · prune · MLMD object DELETE · fails always (403)',
    {
      mode: 'prune',
      fault: 'fails always',
      faults: (p) => denied('DELETE', `/${p}-mlmd/`),
      says: new RegExp(`deleting \\d+ objects from s3://ckf-backups ${REFUSED}`),
    },
  ],
  [
    'backup-set · prune · manifest DELETE · fails always (500)',
    {
      mode: 'prune',
      fault: 'fails always',
      faults: (p) => [{ method: 'DELETE', match: `/${p}/`, status: 500 }],
      says: /deleting 1 objects from s3:\/\/ckf-backups failed/,
      // cut between d2's objects and its manifest: the objects went, the manifest stays
      shows: (p, after) =>
        expect({
          d2Objects: ownKeys(p, 'd2')
            .slice(1)
            .filter((k) => after.has(k)),
          d2Manifest: after.has(`${p}/d2.json`),
        }).toEqual({
          d2Objects: [],
          d2Manifest: true,
        }),
    },
  ],
  [
    // rclone looks a key up (HEAD) before it downloads or deletes it
    'backup-set · prune · HEAD · fails always (403)',
    { mode: 'prune', fault: 'fails always', faults: () => denied('HEAD'), says: /::error::backup-set failed: / },
  ],
  [
    'backup-set · prune · DELETE · fails once',
    { mode: 'prune', fault: 'fails once', faults: () => [{ method: 'DELETE', status: 500, times: 1 }], says: /deleting/ },
  ],
  [
    'backup-set · prune · DELETE · slow (past timeout-minutes 0.1)',
    {
      mode: 'prune',
      fault: 'slow',
      inputs: { 'timeout-minutes': '0.1' },
      faults: () => [{ method: 'DELETE', delayMs: 4000 }],
      settleMs: 4500,
      says: /timed out after 0.1 minutes/,
    },
  ],
  [
    'backup-set · prune · manifest PUT · fails always (403)',
    { mode: 'prune', fault: 'fails always', faults: (p) => denied('PUT', `/${p}/`), says: new RegExp(`uploading to s3://ckf-backups/fm-set-\\S+ ${REFUSED}`) },
  ],
  ['backup-set · prune · SIGTERM at Retention', { mode: 'prune', fault: 'SIGTERM', sigterm: { group: 'Retention' }, says: /SIGTERM received/ }],
  [
    'backup-set · prune · SIGTERM while a doomed set is deleted',
    {
      mode: 'prune',
      fault: 'SIGTERM',
      // Its objects' DELETEs are held back, so the SIGTERM lands once they are in flight; they land after it.
      faults: (p) => [{ method: 'DELETE', match: `/${p}-mlmd/mlmd-d2.`, delayMs: 1500 }],
      sigterm: { line: /^deleting d2 /, afterHits: 2 },
      settleMs: 2000,
      says: /SIGTERM received/,
      // cut between d2's objects and its manifest: the objects went, the manifest and the older d1 stay
      shows: (p, after) =>
        expect({
          d2Objects: ownKeys(p, 'd2')
            .slice(1, 3)
            .filter((k) => after.has(k)),
          d2Manifest: after.has(`${p}/d2.json`),
          d1: ownKeys(p, 'd1').filter((k) => !after.has(k)),
        }).toEqual({
          d2Objects: [],
          d2Manifest: true,
          d1: [],
        }),
    },
  ],
];

/** Once the first fault rule has met this many requests (at most 30 s). */
async function whenHits(hits: number) {
  for (const end = Date.now() + 30_000; Date.now() < end; await sleep(50)) {
    if (((await ckf.s3.faultRules())[0]?.hits ?? 0) >= hits) return;
  }
  throw new Error(`the fault rule did not meet ${hits} requests within 30 s`);
}

async function setCase(name: string, row: SetRow) {
  const p = `fm-set-${slug(name)}`.slice(0, 60);
  const id = 'fm-set';
  const base = { 's3-prefix': p, 'backup-id': id };
  if (row.mode === 'prune') await seedPruneSets(p);
  else if (row.mode !== 'begin') {
    expect((await runSet({ ...base, mode: 'begin' })).code).toBe(0);
    expect((await runSet({ ...base, mode: 'complete', results: results() })).code).toBe(0);
  }
  const before = await allKeys(ckf);

  const term = row.sigterm;
  let sent = false;
  const onLine = (line: string, child: InProcessChild) => {
    if (!term || sent) return;
    if ((term.group && line.startsWith(`::group::${term.group}`)) || term.line?.test(line)) {
      sent = true;
      if (term.afterMs) setTimeout(() => child.kill('SIGTERM'), term.afterMs);
      else if (term.afterHits) void whenHits(term.afterHits).then(() => child.kill('SIGTERM'));
      else child.kill('SIGTERM');
    }
  };
  const inputs = { ...base, mode: row.mode, ...(row.mode === 'complete' ? { results: results() } : {}), ...(row.mode === 'prune' ? { keep: '2' } : {}) };
  await ckf.s3.faults(row.faults?.(p) ?? []);
  let run: ActionResult;
  try {
    run = await runSet({ ...inputs, ...row.inputs }, onLine);
  } finally {
    await ckf.s3.faults([]);
  }
  if (term) expect({ sigtermSent: sent }).toEqual({ sigtermSent: true });
  if (row.settleMs) await sleep(row.settleMs);
  const after = await allKeys(ckf);
  const manifestKey = `${p}/${id}.json`;

  row.shows?.(p, after);
  // 1. a non-zero exit, or a retried single failure that ended with the mode's whole result
  if (run.code === 0) {
    expect({ exit: 0, fault: row.fault }).toEqual({ exit: 0, fault: 'fails once' });
    await expectModeDone(row.mode, p, run, after);
  } else {
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(row.says);
  }
  // 2. the summary, naming how it ended
  expect(run.summary).not.toBe('');
  if (run.code !== 0) expect(run.summary).toMatch(new RegExp(`${row.mode} (${failedStatus(row.fault).source})`, 'i'));
  // 3. nothing left running; nothing deleted that a kept set owns (outside prune: nothing deleted at all)
  expect({ rcloneAlive: await settle(() => rcloneAlive(ckf).length, 0) }).toEqual({ rcloneAlive: 0 });
  const gone = [...before].filter((k) => !after.has(k));
  if (row.mode === 'prune') {
    const doomedKeys = new Set(PRUNE_SETS.filter((s) => s.doomed).flatMap((s) => ownKeys(p, s.id)));
    expect(gone.filter((k) => !doomedKeys.has(k))).toEqual([]);
  } else {
    expect(gone).toEqual([]);
  }
  // 4. no manifest says complete and verified unless everything it records is there
  for (const key of [...after].filter((k) => k.startsWith(`${p}/`) && k.endsWith('.json'))) {
    const m = await readManifest(key);
    if (m.status !== 'complete' || m.verification?.ok !== true) continue;
    const sizes = await sizesOf(m);
    const { object, sidecar } = m.components.mlmd;
    const recorded = Object.fromEntries([object, sidecar].flatMap((l) => (l ? [[l.key, l.bytes]] : [])));
    expect({ manifest: key, says: 'complete, verified', holds: sizes }).toEqual({ manifest: key, says: 'complete, verified', holds: recorded });
  }
  if (run.code !== 0 && row.mode === 'verify') {
    expect(run.outputs.verified).not.toBe('true');
    expect((await readManifest(manifestKey)).verification?.ok).not.toBe(true);
  }
  if (run.code !== 0 && row.mode === 'begin' && after.has(manifestKey)) expect((await readManifest(manifestKey)).status).toBe('incomplete');
}

/** The recorded artifacts of a manifest as they are stored now (absent ones left out). */
async function sizesOf(m: StoredManifest): Promise<Record<string, number>> {
  const found: Record<string, number> = {};
  for (const l of [m.components.mlmd.object, m.components.mlmd.sidecar]) {
    if (!l) continue;
    const folder = l.key.slice(0, l.key.lastIndexOf('/'));
    const size = (await sizesUnder(ckf, folder)).get(l.key);
    if (size !== undefined) found[l.key] = size;
  }
  return found;
}

/** What a run of each mode that ended 0 must have left. */
async function expectModeDone(mode: Mode, p: string, run: ActionResult, after: Set<string>) {
  const key = `${p}/fm-set.json`;
  switch (mode) {
    case 'begin': {
      const m = await readManifest(key);
      expect({ status: m.status, outputs: run.outputs.status, mlmd: m.components.mlmd.status }).toEqual({
        status: 'incomplete',
        outputs: 'incomplete',
        mlmd: 'pending',
      });
      return;
    }
    case 'complete': {
      const m = await readManifest(key);
      expect({ status: m.status, outputs: run.outputs.status, mlmdBytes: m.components.mlmd.object?.bytes }).toEqual({
        status: 'complete',
        outputs: 'complete',
        mlmdBytes: Number(mlmdOutputs['size-bytes']),
      });
      return;
    }
    case 'verify': {
      const m = await readManifest(key);
      expect(run.outputs.verified).toBe('true');
      expect(m.verification?.ok).toBe(true);
      expect(m.verification?.checks.filter((c) => !c.ok)).toEqual([]);
      return;
    }
    case 'recorded':
      expect(run.outputs).toMatchObject({
        status: 'complete',
        'backup-ids': JSON.stringify({ 'kfp-db': '2026-11-22T02:17:31Z', 'katib-db': '2026-11-22T02:17:32Z' }),
      });
      return;
    case 'prune': {
      expect(JSON.parse(run.outputs.deleted)).toEqual(['d2', 'd1']);
      for (const s of PRUNE_SETS)
        expect({ set: s.id, present: ownKeys(p, s.id).map((k) => after.has(k)) }).toEqual({ set: s.id, present: ownKeys(p, s.id).map(() => !s.doomed) });
      return;
    }
  }
}

describe('backup-set', () => {
  test.each(setRows)('%s', async (name, row) => setCase(name, row), 60_000);
});
