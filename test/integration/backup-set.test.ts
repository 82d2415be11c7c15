// backup-set end to end against a real S3 server process and the real rclone and sqlite3: the
// manifest opened incomplete, completed from the component jobs' results (a real backup-mlmd
// run's outputs), held to the JSON schema, verified against what is stored (an MLMD restore that
// passes integrity_check), and retention that never deletes the newest complete set. backup-set runs
// in-process through its main, and as its bundle where the runner's view matters (bad inputs).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { deleteObject, listObjects, readObject, runActionBundle, startCkf, writeObject } from '../../sandbox/index.js';
import { backupSetAction } from '../../actions/backup-set/src/main.js';
import { runInProcess } from '../support/in-process.js';
import { BUCKET, validate, validateV1, verifiedSetManifest } from '../support/manifests.js';

type Ckf = Awaited<ReturnType<typeof startCkf>>;

/** Fails with ajv's own words when a manifest breaks the schema. */
function expectSchemaValid(manifest: unknown) {
  const ok = validate(manifest);
  expect(ok ? [] : validate.errors).toEqual([]);
}

let ckf: Ckf;
let mlmdOutputs: Record<string, string>;

beforeAll(async () => {
  ckf = await startCkf({ dbBytes: 2 * 1024 * 1024 });
  const mlmd = await runActionBundle('backup-mlmd', ckf.backupMlmdInputs({ 'backup-id': 'set-a' }), { env: ckf.env, timeoutMs: 60_000 });
  expect(mlmd.code).toBe(0);
  mlmdOutputs = mlmd.outputs;
  for (const [key, body] of [
    ['mlpipeline/artifacts/run-1/out.tgz', 'x'.repeat(1000)],
    ['mlpipeline/pipelines/p1.yaml', 'pipeline: 1\n'],
  ]) {
    await writeObject(ckf.s3, BUCKET, key, body);
  }
});
afterAll(async () => {
  await ckf?.stop();
});

const s3Inputs = () => ({
  's3-bucket': BUCKET,
  's3-endpoint': ckf.s3.endpoint,
  's3-access-key-id': ckf.s3.accessKey,
  's3-secret-access-key': ckf.s3.secretKey,
});
/** In-process, or the bundle with bundle: true. */
const backupSet = (inputs: Record<string, string>, bundle = false) => {
  const all = { ...s3Inputs(), 'check-databases': 'false', ...inputs };
  const options = { env: ckf.env, timeoutMs: 60_000 };
  return bundle ? runActionBundle('backup-set', all, options) : runInProcess(backupSetAction, all, options);
};
const manifestOf = async (id: string) => JSON.parse(String(await readObject(ckf.s3, BUCKET, `manifests/${id}.json`)));

function results(overrides: Record<string, { result: string; outputs?: Record<string, string> }> = {}) {
  return JSON.stringify({
    preflight: { result: 'success', outputs: { 'backup-id': 'set-a' } },
    databases: {
      result: 'success',
      outputs: {
        'backup-ids': JSON.stringify({ 'kfp-db': '2026-11-22T02:17:31Z', 'katib-db': '2026-11-22T02:17:32Z' }),
        's3-locations': JSON.stringify({
          'kfp-db': { integrator: 's3-kfp', endpoint: ckf.s3.endpoint, bucket: BUCKET, path: 'mysql/kfp-db' },
          'katib-db': { integrator: 's3-katib', endpoint: ckf.s3.endpoint, bucket: BUCKET, path: 'mysql/katib-db' },
        }),
        'duration-seconds': '95',
      },
    },
    mlmd: { result: 'success', outputs: mlmdOutputs },
    mlpipeline: {
      result: 'success',
      outputs: {
        destination: `s3://${BUCKET}/mlpipeline`,
        'objects-transferred': '2',
        'objects-archived': '0',
        verified: 'true',
        'duration-seconds': '3',
        'archive-prefix': 'mlpipeline.archive/set-a',
      },
    },
    ...overrides,
  });
}

describe('backup-set', () => {
  test('begin, complete, verify: a complete set, held to the schema, whose MLMD artifact restores', async () => {
    const begun = await backupSet({ mode: 'begin', 'backup-id': 'set-a' });
    expect(begun.code).toBe(0);
    expect(begun.outputs).toMatchObject({ 'backup-id': 'set-a', status: 'incomplete', 'manifest-url': `s3://${BUCKET}/manifests/set-a.json` });
    const opened = await manifestOf('set-a');
    expectSchemaValid(opened);
    expect(opened).toMatchObject({
      status: 'incomplete',
      components: { databases: { status: 'pending' }, mlmd: { status: 'pending' }, mlpipeline: { status: 'pending' } },
    });
    expect(opened.tools.rclone).toMatch(/^v\d+\.\d+/);
    expect(opened.tools.sqlite3).toMatch(/^\d+\.\d+/);

    const again = await backupSet({ mode: 'begin', 'backup-id': 'set-a' });
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('manifests/set-a.json already exists');

    const done = await backupSet({ mode: 'complete', 'backup-id': 'set-a', results: results() });
    expect(done.stdout).not.toContain('::error::');
    expect(done.code).toBe(0);
    const m = await manifestOf('set-a');
    expectSchemaValid(m);
    expect(m.status).toBe('complete');
    expect(m.startedAt).toBe(opened.startedAt);
    expect(m.components.mlmd).toMatchObject({
      status: 'complete',
      format: 'dump',
      object: { sha256: mlmdOutputs.sha256, bytes: Number(mlmdOutputs['size-bytes']) },
      schemaVersion: 10,
    });
    expect(m.components.mlmd.writerPause).toMatchObject({ application: 'kfp-metadata-writer', seconds: Number(mlmdOutputs['writer-paused-seconds']) });
    expect(Object.keys(m.components.mlmd.rowCounts).length).toBeGreaterThan(5);
    expect(m.components.mlpipeline).toMatchObject({
      status: 'complete',
      prefix: 'mlpipeline',
      objects: 2,
      bytes: 1012,
      archivePrefix: 'mlpipeline.archive/set-a',
    });
    expect(m.components.databases.backups['kfp-db']).toEqual({
      backupId: '2026-11-22T02:17:31Z',
      integrator: 's3-kfp',
      endpoint: ckf.s3.endpoint,
      bucket: BUCKET,
      path: 'mysql/kfp-db',
    });
    expect(done.summary).toMatch(/\| Databases \(kfp-db, katib-db\) \| ✅ complete \|/);
    expect(done.summary).toContain('```mermaid\nflowchart LR');

    const verified = await backupSet({ mode: 'verify', 'backup-id': 'set-a' });
    expect(verified.stdout).not.toContain('::error::');
    expect(verified.code).toBe(0);
    expect(verified.outputs.verified).toBe('true');
    const v = (await manifestOf('set-a')).verification;
    expect(v.ok).toBe(true);
    expect(v.checks.find((c: { what: string }) => c.what === 'MLMD object').detail).toMatch(
      /sha256 matches; restored \(dump\) into a fresh database: integrity ok, \d+ rows in \d+ tables as recorded/,
    );
    expectSchemaValid(await manifestOf('set-a'));
  });

  test('verify fails on a changed MLMD object and a changed mirror, naming each', async () => {
    await backupSet({ mode: 'begin', 'backup-id': 'set-b' });
    expect((await backupSet({ mode: 'complete', 'backup-id': 'set-b', results: results() })).code).toBe(0);
    // Now the object the manifest names is replaced, and the mirror gains an object.
    const key = mlmdOutputs['object-url'].replace(`s3://${BUCKET}/`, '');
    const original = await readObject(ckf.s3, BUCKET, key);
    try {
      await writeObject(ckf.s3, BUCKET, key, Buffer.concat([original, Buffer.from('x')]));
      await writeObject(ckf.s3, BUCKET, 'mlpipeline/extra.txt', 'new');
      const result = await backupSet({ mode: 'verify', 'backup-id': 'set-b' });
      expect(result.code).toBe(1);
      expect(result.outputs.verified).toBe('false');
      expect(result.stdout).toMatch(/MLMD object: s3:\/\/ckf-backups\/mlmd\/\S+ holds \d+ bytes, the manifest says \d+/);
      expect(result.stdout).toMatch(/mlpipeline mirror: s3:\/\/ckf-backups\/mlpipeline holds 3 objects, 1015 bytes; the manifest says 2 objects, 1012 bytes/);
      expect((await manifestOf('set-b')).verification.ok).toBe(false);
    } finally {
      await writeObject(ckf.s3, BUCKET, key, original);
      await deleteObject(ckf.s3, BUCKET, 'mlpipeline/extra.txt');
    }
  });

  test('a set completed again with other components loses its verification; with the same ones it keeps it', async () => {
    await backupSet({ mode: 'begin', 'backup-id': 'set-e' });
    expect((await backupSet({ mode: 'complete', 'backup-id': 'set-e', results: results() })).code).toBe(0);
    expect((await backupSet({ mode: 'verify', 'backup-id': 'set-e' })).code).toBe(0);
    expect((await manifestOf('set-e')).verification.ok).toBe(true);

    const same = await backupSet({ mode: 'complete', 'backup-id': 'set-e', results: results() });
    expect(same.code).toBe(0);
    expect((await manifestOf('set-e')).verification.ok).toBe(true);

    const other = JSON.parse(results());
    other.databases.outputs['backup-ids'] = JSON.stringify({ 'kfp-db': '2026-11-23T02:17:31Z', 'katib-db': '2026-11-23T02:17:32Z' });
    const changed = await backupSet({ mode: 'complete', 'backup-id': 'set-e', results: JSON.stringify(other) });
    expect(changed.code).toBe(0);
    expect(changed.stdout).toMatch(/::warning::backup set set-e was verified before; its components changed, so that verification is removed/);
    const m = await manifestOf('set-e');
    expectSchemaValid(m);
    expect(m.components.databases.backups['kfp-db'].backupId).toBe('2026-11-23T02:17:31Z');
    expect(m.verification).toBeUndefined();
  });

  test('a complete whose manifest PUT fails still writes the summary, and the manifest stays incomplete', async () => {
    await backupSet({ mode: 'begin', 'backup-id': 'set-f' });
    await ckf.s3.faults([{ method: 'PUT', match: 'manifests/set-f.json', status: 500 }]);
    try {
      const result = await backupSet({ mode: 'complete', 'backup-id': 'set-f', results: results() });
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/::error::backup-set failed: .*manifests\/set-f\.json/);
      expect(result.summary).toMatch(/^## Backup set set-f: complete failed/);
    } finally {
      await ckf.s3.faults([]);
    }
    expect((await manifestOf('set-f')).status).toBe('incomplete');
  });

  test('a verify stopped by SIGTERM writes the summary, says interrupted, and records no verification', async () => {
    await backupSet({ mode: 'begin', 'backup-id': 'set-g' });
    expect((await backupSet({ mode: 'complete', 'backup-id': 'set-g', results: results() })).code).toBe(0);
    // The MLMD object's GET is held back, so the SIGTERM lands while verify reads it.
    await ckf.s3.faults([{ method: 'GET', match: 'mlmd/', delayMs: 3000 }]);
    try {
      const result = await runInProcess(
        backupSetAction,
        { ...s3Inputs(), 'check-databases': 'false', mode: 'verify', 'backup-id': 'set-g' },
        {
          env: ckf.env,
          timeoutMs: 60_000,
          onLine: (line, child) => {
            if (line.startsWith('::group::Verify')) setTimeout(() => child.kill('SIGTERM'), 300);
          },
        },
      );
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('SIGTERM received');
      expect(result.summary).toMatch(/^## Backup set set-g: verify interrupted/);
    } finally {
      await ckf.s3.faults([]);
    }
    expect((await manifestOf('set-g')).verification).toBeUndefined();
  });

  test('a failed or cancelled component leaves the set incomplete, and says which and why', async () => {
    await backupSet({ mode: 'begin', 'backup-id': 'set-c' });
    const result = await backupSet({
      mode: 'complete',
      'backup-id': 'set-c',
      results: results({
        mlpipeline: { result: 'failure', outputs: { error: 'source (MinIO) failed: the credentials were refused' } },
        databases: { result: 'cancelled', outputs: {} },
      }),
    });
    expect(result.code).toBe(1);
    expect(result.outputs.status).toBe('incomplete');
    expect(result.stdout).toMatch(
      /backup set set-c is incomplete: databases cancelled \(the databases job ended cancelled; its log says why\); mlpipeline failed \(source \(MinIO\) failed: the credentials were refused\)/,
    );
    const m = await manifestOf('set-c');
    expectSchemaValid(m);
    expect(m).toMatchObject({
      status: 'incomplete',
      components: {
        mlmd: { status: 'complete' },
        mlpipeline: { status: 'failed', error: 'source (MinIO) failed: the credentials were refused' },
        databases: { status: 'cancelled' },
      },
    });
    expect(result.summary).toMatch(/❌ failed/);

    const verify = await backupSet({ mode: 'verify', 'backup-id': 'set-c' });
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(/set status: the set is incomplete: databases cancelled, mlpipeline failed/);
  });

  test('recorded: the charm backup-ids a set holds, also from a failed databases job; none for a set never opened', async () => {
    const none = await backupSet({ mode: 'recorded', 'backup-id': 'set-never' });
    expect(none.code).toBe(0);
    expect(none.outputs).toMatchObject({ 'backup-ids': '{}', status: 'none' });
    expect(none.stdout).toContain('manifests/set-never.json does not exist: backup set set-never has recorded nothing');
    await backupSet({ mode: 'begin', 'backup-id': 'set-r' });
    const ids = { 'katib-db': '2026-11-22T01:30:46Z' };
    await backupSet({
      mode: 'complete',
      'backup-id': 'set-r',
      results: results({ databases: { result: 'failure', outputs: { 'backup-ids': JSON.stringify(ids), error: 'kfp-db failed during create-backup' } } }),
    });
    const found = await backupSet({ mode: 'recorded', 'backup-id': 'set-r' });
    expect(found.code).toBe(0);
    expect(found.outputs).toMatchObject({ status: 'incomplete', 'backup-ids': JSON.stringify(ids) });
    expect(found.stdout).toContain('backup set set-r (incomplete) recorded charm backups: katib-db 2026-11-22T01:30:46Z');
  });

  test('a job that succeeded without what the manifest needs is not complete', async () => {
    await backupSet({ mode: 'begin', 'backup-id': 'set-d' });
    const result = await backupSet({
      mode: 'complete',
      'backup-id': 'set-d',
      results: results({ databases: { result: 'success', outputs: { 'backup-ids': '{}' } } }),
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('databases failed (the job succeeded but reported no charm backup-id)');
  });

  test.each([
    ['o1', 'manifests', 'manifests', 'the backup sets’ manifests'],
    ['o2', 'mlpipeline/replaced', 'mlpipeline', 'the mlpipeline mirror'],
    ['o3', 'mlmd', 'mlmd', 'the MLMD backups'],
  ])('an archive prefix that shares a folder of the set is refused when recorded (%s: %s)', async (id, prefix, folder, what) => {
    await backupSet({ mode: 'begin', 'backup-id': id });
    const parsed = JSON.parse(results());
    parsed.mlpipeline.outputs['archive-prefix'] = prefix;
    const result = await backupSet({ mode: 'complete', 'backup-id': id, results: JSON.stringify(parsed) });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`mlpipeline failed (its archive prefix ${prefix} shares the folder ${folder} with ${what}, so retention could not tell`);
    const m = await manifestOf(id);
    expectSchemaValid(m);
    expect(m).toMatchObject({ status: 'incomplete', components: { mlpipeline: { status: 'failed', archivePrefix: prefix } } });
  });

  test('bad inputs are named before anything is touched', async () => {
    const result = await backupSet({ mode: 'complete', 'backup-id': '', results: '[1]', keep: '0', 'delete-only': 's1,s2' }, true);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`Input 'delete-only' must be a JSON list of backup ids, as a dry-run prune's deleted output gives it`);
    expect(result.stdout).toContain("Input 'backup-id' is required");
    expect(result.stdout).toContain("Input 'results' must be the JSON of the component jobs' results");
    expect(result.stdout).toContain("Input 'keep' must be a whole number from 1 to 10000");
    const noMode = await backupSet({}, true);
    expect(noMode.stdout).toContain("Input 'mode' is required: one of begin, complete, verify, prune");
  });
});

describe('retention', () => {
  const PREFIX = 'ret';
  /** A schema-valid manifest of a set started at `hour`, with its MLMD object and archive. */
  async function seedSet(id: string, hour: number, status: 'complete' | 'incomplete', verified = status === 'complete') {
    const startedAt = new Date(Date.UTC(2026, 10, 1, hour)).toISOString();
    const object = {
      url: `s3://${BUCKET}/${PREFIX}-mlmd/mlmd-${id}.dump.gz`,
      bucket: BUCKET,
      key: `${PREFIX}-mlmd/mlmd-${id}.dump.gz`,
      bytes: 3,
      sha256: 'a'.repeat(64),
    };
    const manifest = {
      manifestVersion: 1,
      kind: 'ckf-backup-set',
      backupId: id,
      status,
      model: 'kubeflow',
      target: { bucket: BUCKET, endpoint: ckf.s3.endpoint },
      startedAt,
      tools: {},
      components: {
        databases: { status: 'complete', backups: { 'kfp-db': { backupId: '2026-11-01T00:00:00Z' } } },
        mlmd: { status: 'complete', object, sidecar: { ...object, key: `${object.key}.json`, url: `${object.url}.json` } },
        mlpipeline: {
          status: status === 'complete' ? 'complete' : 'failed',
          bucket: BUCKET,
          prefix: `${PREFIX}-mirror`,
          archivePrefix: `${PREFIX}-mirror.archive/${id}`,
        },
      },
      ...(verified ? { verification: { at: startedAt, ok: true, checks: [{ what: 'MLMD object', ok: true, detail: 'seeded' }] } } : {}),
    };
    // Seeded as version 1, as sets made before version 2 are: retention still reads them.
    expect(validateV1(manifest) ? [] : validateV1.errors).toEqual([]);
    await writeObject(ckf.s3, BUCKET, `${PREFIX}/${id}.json`, JSON.stringify(manifest));
    await writeObject(ckf.s3, BUCKET, object.key, 'abc');
    await writeObject(ckf.s3, BUCKET, `${object.key}.json`, '{}');
    await writeObject(ckf.s3, BUCKET, `${PREFIX}-mirror.archive/${id}/pipelines/old.yaml`, 'old');
  }
  const keys = async (prefix: string) => (await listObjects(ckf.s3, BUCKET, prefix)).map((o: { Path: string }) => o.Path).sort();

  test('keeps the newest N and the newest complete set; dry-run deletes nothing; archives older sets need stay', async () => {
    // Oldest first: s1 complete, s2 complete, s3 incomplete, s4 incomplete, s5 incomplete.
    await seedSet('s1', 1, 'complete');
    await seedSet('s2', 2, 'complete', false);
    await seedSet('s3', 3, 'incomplete');
    await seedSet('s4', 4, 'incomplete');
    await seedSet('s5', 5, 'incomplete');
    await writeObject(ckf.s3, BUCKET, `${PREFIX}-mirror/pipelines/current.yaml`, 'now');
    await writeObject(ckf.s3, BUCKET, `${PREFIX}/not-a-manifest.json`, 'garbage');
    const everything = await keys('');

    const dry = await backupSet({ mode: 'prune', 's3-prefix': PREFIX, keep: '2', 'dry-run': 'true' });
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.outputs.kept)).toEqual(['s5', 's4', 's2']);
    expect(JSON.parse(dry.outputs.deleted)).toEqual(['s3', 's1']);
    expect(dry.outputs['objects-deleted']).toBe('0');
    expect(dry.stdout).toContain('keeping s2 beyond the newest 2: it is the newest complete set');
    expect(dry.stdout).toMatch(/would delete s3 /);
    expect(await keys('')).toEqual(everything);

    // No proof yet: s2, the newest complete set, has not passed verify.
    const refused = await backupSet({ mode: 'prune', 's3-prefix': PREFIX, keep: '2' });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('nothing is deleted: the newest complete set, s2, has not passed verify');
    expect(await keys('')).toEqual(everything);
    await seedSet('s2', 2, 'complete', true);

    // Only what a reviewer approved goes: s3 is due too, but not in the approved list.
    const approved = await backupSet({ mode: 'prune', 's3-prefix': PREFIX, keep: '2', 'delete-only': '["s1"]' });
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.outputs.deleted)).toEqual(['s1']);
    expect(approved.stdout).toContain('keeping s3 this time: it is due, but not in delete-only (the approved list)');
    expect(await keys(PREFIX + '/')).toEqual(['not-a-manifest.json', 's2.json', 's3.json', 's4.json', 's5.json']);

    const real = await backupSet({ mode: 'prune', 's3-prefix': PREFIX, keep: '2' });
    expect(real.code).toBe(0);
    expect(await keys(PREFIX + '/')).toEqual(['not-a-manifest.json', 's2.json', 's4.json', 's5.json']);
    expect(await keys(`${PREFIX}-mlmd/`)).toEqual([
      'mlmd-s2.dump.gz',
      'mlmd-s2.dump.gz.json',
      'mlmd-s4.dump.gz',
      'mlmd-s4.dump.gz.json',
      'mlmd-s5.dump.gz',
      'mlmd-s5.dump.gz.json',
    ]);
    // s1's archive goes (older than every kept set); s3's stays: restoring s2 needs what s3 replaced.
    expect(await keys(`${PREFIX}-mirror.archive/`)).toEqual([
      's2/pipelines/old.yaml',
      's3/pipelines/old.yaml',
      's4/pipelines/old.yaml',
      's5/pipelines/old.yaml',
    ]);
    expect(await keys(`${PREFIX}-mirror/`)).toEqual(['pipelines/current.yaml']);
    expect(real.stdout).toMatch(/left alone: .*not-a-manifest\.json is not JSON/);
    expect(real.summary).toContain('Deleted');

    // Whatever N, the newest complete set survives.
    const again = await backupSet({ mode: 'prune', 's3-prefix': PREFIX, keep: '1' });
    expect(JSON.parse(again.outputs.kept)).toEqual(['s5', 's2']);
    expect(await keys(PREFIX + '/')).toContain('s2.json');
  });

  /** A verified complete set that is newest, and an older one whose manifest names archivePrefix. */
  async function seedPair(prefix: string, older: { id: string; archive: string }, newer: { id: string; archive?: string }) {
    const seed = async (id: string, hour: number, archive: string | undefined) => {
      const startedAt = new Date(Date.UTC(2026, 10, 2, hour)).toISOString();
      const manifest = verifiedSetManifest({ id, startedAt, endpoint: ckf.s3.endpoint, mirrorPrefix: `${prefix}-mirror`, archivePrefix: archive });
      expectSchemaValid(manifest);
      await writeObject(ckf.s3, BUCKET, `${prefix}/${id}.json`, JSON.stringify(manifest));
    };
    await seed(older.id, 1, older.archive);
    await seed(newer.id, 2, newer.archive);
  }

  test('an archive prefix that holds the manifests: prune keep=1 deletes no manifest, and says why the archive stays', async () => {
    const P = 'ovl';
    await seedPair(P, { id: 'o1', archive: P }, { id: 'o2' });
    await writeObject(ckf.s3, BUCKET, `${P}/pipelines/replaced.yaml`, 'replaced by o1');
    const before = await keys(`${P}/`);
    const pruned = await backupSet({ mode: 'prune', 's3-prefix': P, keep: '1' });
    expect(pruned.code).toBe(0);
    expect(JSON.parse(pruned.outputs.deleted)).toEqual(['o1']);
    expect(pruned.stdout).toContain(`o1: its archive prefix ${P} shares the folder ${P} with the backup sets’ manifests; it is left alone`);
    // Only o1's own manifest went.
    expect(await keys(`${P}/`)).toEqual(before.filter((k) => k !== 'o1.json'));
  });

  test('a prune stopped by failing deletes leaves the doomed set saying incomplete, never complete over missing objects; the next prune finishes it', async () => {
    const P = 'cut';
    await seedPair(P, { id: 'c1', archive: `${P}.archive/c1` }, { id: 'c2' });
    for (const name of ['a', 'b', 'c']) await writeObject(ckf.s3, BUCKET, `${P}.archive/c1/pipelines/${name}.yaml`, name);
    await ckf.s3.faults([{ method: 'DELETE', match: `${P}.archive/c1/pipelines/b.yaml`, status: 500, code: 'InternalError' }]);
    try {
      const failed = await backupSet({ mode: 'prune', 's3-prefix': P, keep: '1' });
      expect(failed.code).toBe(1);
      expect(failed.summary).toMatch(/prune failed/);
    } finally {
      await ckf.s3.faults([]);
    }
    const m = JSON.parse(String(await readObject(ckf.s3, BUCKET, `${P}/c1.json`)));
    expectSchemaValid(m);
    expect(m.status).toBe('incomplete');
    expect(m.verification).toMatchObject({
      ok: false,
      checks: [{ what: 'retention', ok: false, detail: expect.stringMatching(/^being deleted by prune \(keep 1\)/) }],
    });
    const again = await backupSet({ mode: 'prune', 's3-prefix': P, keep: '1' });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.outputs.deleted)).toEqual(['c1']);
    expect(await keys(`${P}.archive/`)).toEqual([]);
    expect(await keys(`${P}/`)).toEqual(['c2.json']);
  });

  test("an older set's archive that holds a kept set's stamped archive: prune deletes only the older one's own keys", async () => {
    const P = 'nest';
    // sync-minio adds the run's stamp when the archive-prefix was used before: the kept set's
    // archive lies inside the doomed set's.
    await seedPair(P, { id: 'n1', archive: `${P}.archive` }, { id: 'n2', archive: `${P}.archive/20261102T020000Z` });
    await writeObject(ckf.s3, BUCKET, `${P}.archive/pipelines/by-n1.yaml`, 'replaced by n1');
    await writeObject(ckf.s3, BUCKET, `${P}.archive/20261102T020000Z/pipelines/by-n2.yaml`, 'replaced by n2');
    const pruned = await backupSet({ mode: 'prune', 's3-prefix': P, keep: '1' });
    expect(pruned.code).toBe(0);
    expect(JSON.parse(pruned.outputs.deleted)).toEqual(['n1']);
    expect(pruned.stdout).toContain(`n1: 1 objects under its archive ${P}.archive belong to a kept set and stay`);
    expect(await keys(`${P}.archive/`)).toEqual(['20261102T020000Z/pipelines/by-n2.yaml']);
    expect(await keys(`${P}/`)).toEqual(['n2.json']);
  });
});
