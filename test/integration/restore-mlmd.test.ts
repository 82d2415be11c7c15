// restore-mlmd end to end against the CKF sandbox: the Kubernetes API emulator with pebble in
// mlmd-0's workload container (the mlmd service played by an MLMD server stand-in that crash-loops
// on a schema mismatch), the juju emulator, a real S3 server, and the real rclone and sqlite3. The
// backups are made by backup-mlmd, in-process like the restore (test/support/in-process.ts).
import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { corruptDatabase, mlmdRowCounts, readObject, runActionBundle, startCkf, writeObject } from '../../sandbox/index.js';
import { manifestText, newManifest } from '@ml-backup-actions/ckf-set';
import { backupMlmdAction } from '../../actions/backup-mlmd/src/main.js';
import { restoreMlmdAction } from '../../actions/restore-mlmd/src/main.js';
import { runInProcess, sandboxJuju, type InProcessChild } from '../support/in-process.js';

type Ckf = Awaited<ReturnType<typeof startCkf>>;
const WRITER = 'kfp-metadata-writer';
const POD = 'mlmd-0';
const C = 'mlmd-grpc-server';
const DB = '/data/mlmd.db';
const started: Ckf[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((c) => c.stop()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
afterAll(async () => {
  await Promise.all(started.splice(0).map((c) => c.stop()));
});

async function sandbox(options: Parameters<typeof startCkf>[0] = {}): Promise<Ckf> {
  const ckf = await startCkf({ dbBytes: 4 * 1024 * 1024, ...options });
  started.push(ckf);
  return ckf;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const liveSha = (ckf: Ckf) => sha(readFileSync(ckf.db.hostPath));
const sql = (file: string, statement: string) => {
  const r = spawnSync('sqlite3', [file, statement], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return r.stdout.trim();
};

async function backup(ckf: Ckf, id: string): Promise<{ url: string; key: string }> {
  const run = await runInProcess(backupMlmdAction, ckf.backupMlmdInputs({ 'backup-id': id }), {
    env: ckf.env,
    timeoutMs: 120_000,
    clients: (config, context) => ({ ...backupMlmdAction.clients(config, context), juju: sandboxJuju(config.jujuModel, context) }),
  });
  expect(run.code).toBe(0);
  const url = run.outputs['object-url'];
  return { url, key: url.replace('s3://ckf-backups/', '') };
}

function restore(ckf: Ckf, inputs: Record<string, string>, onLine?: (line: string, child: InProcessChild) => void) {
  return runInProcess(restoreMlmdAction, ckf.backupMlmdInputs(inputs), {
    env: ckf.env,
    timeoutMs: 120_000,
    onLine,
    clients: (config, context) => ({ ...restoreMlmdAction.clients(config, context), juju: sandboxJuju(config.jujuModel, context) }),
  });
}

function scaleCalls(ckf: Ckf): string[] {
  return ckf.juju
    .calls()
    .filter((c: { argv: string[] }) => c.argv[0] === 'scale-application')
    .map((c: { argv: string[] }) => c.argv.at(-1) ?? '');
}

/** The writer at its scale with its units, mlmd active and answering, its file whole. */
async function expectHealthy(ckf: Ckf, scale = 1) {
  expect(ckf.juju.scale(WRITER)).toBe(scale);
  const deadline = Date.now() + 10_000;
  while (ckf.juju.units(WRITER).length !== scale && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(ckf.juju.units(WRITER)).toHaveLength(scale);
  expect(ckf.kube.pebble(POD, C).service('mlmd').current).toBe('active');
  expect(ckf.kube.mlmd(POD).listening).toBe(true);
  await expect(ckf.kube.mlmd(POD).rpc()).resolves.toMatchObject({ created: false });
  expect(ckf.kube.listFiles(POD, C)).toEqual([DB]);
  expect(sql(ckf.db.hostPath, 'PRAGMA integrity_check;')).toBe('ok');
}

/** Deletes a few rows, as MLMD's users would change it after the backup. */
function changeRows(ckf: Ckf) {
  sql(
    ckf.db.hostPath,
    'DELETE FROM Artifact WHERE id IN (SELECT id FROM Artifact ORDER BY id DESC LIMIT 7); DELETE FROM Event WHERE id IN (SELECT id FROM Event LIMIT 3);',
  );
}

/** An object and sidecar as backup-mlmd writes them, from a database file (format sqlite). */
async function upload(ckf: Ckf, file: string, key: string, overrides: { sha256?: string; schemaVersion?: number } = {}) {
  const body = gzipSync(readFileSync(file));
  await writeObject(ckf.s3, 'ckf-backups', key, body);
  const sidecar = {
    kind: 'ml-backup-actions/backup-mlmd',
    version: 1,
    format: 'sqlite',
    object: { key, sha256: overrides.sha256 ?? sha(body), 'size-bytes': body.length },
    database: { 'schema-version': overrides.schemaVersion ?? 10, 'row-counts': await mlmdRowCounts(file) },
  };
  await writeObject(ckf.s3, 'ckf-backups', `${key}.json`, Buffer.from(JSON.stringify(sidecar)));
}

describe('round trip', () => {
  test('back up, change rows, restore; the safety copy holds the changed state and restoring it brings it back', async () => {
    const ckf = await sandbox();
    const original = ckf.db.rowCounts;
    const { url } = await backup(ckf, 'b1');
    changeRows(ckf);
    const changed = await mlmdRowCounts(ckf.db.hostPath);
    expect(changed).not.toEqual(original);
    const changedSha = liveSha(ckf);

    const run = await restore(ckf, { 'object-url': url, 'restore-id': 'r1' });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.outputs['restored-sha256']).toBe(liveSha(ckf));
    expect(await mlmdRowCounts(ckf.db.hostPath)).toEqual(original);
    expect(run.outputs['pre-restore-url']).toBe('s3://ckf-backups/mlmd/pre-restore/r1/mlmd-r1.sqlite.gz');
    expect(Number(run.outputs['writer-paused-seconds'])).toBeGreaterThan(0);
    expect(Number(run.outputs['duration-seconds'])).toBeGreaterThanOrEqual(0);
    expect(scaleCalls(ckf)).toEqual(['0', '1', '0', '1']); // backup's pause, then the restore's
    const pushes = ckf.kube.pebble(POD, C).pushes;
    expect(pushes.at(-1)).toMatchObject({ path: DB, outcome: 'written', mode: 0o644 });
    expect(run.summary).toContain('restore-mlmd: succeeded');
    expect(run.summary).toContain('the restored database is in place');
    await expectHealthy(ckf);

    const safetyKey = 'mlmd/pre-restore/r1/mlmd-r1.sqlite.gz';
    const side = JSON.parse(String(await readObject(ckf.s3, 'ckf-backups', `${safetyKey}.json`)));
    expect(side).toMatchObject({ format: 'sqlite', database: { sha256: changedSha, 'row-counts': changed, 'schema-version': 10 } });

    const undo = await restore(ckf, { 'object-url': run.outputs['pre-restore-url'], 'restore-id': 'r2' });
    expect(undo.code).toBe(0);
    expect(liveSha(ckf)).toBe(changedSha);
    expect(undo.outputs['restored-sha256']).toBe(changedSha);
    expect(await mlmdRowCounts(ckf.db.hostPath)).toEqual(changed);
    await expectHealthy(ckf);
  }, 180_000);

  test("from a backup set's manifest: its mlmd component names the object, and must agree with the sidecar", async () => {
    const ckf = await sandbox();
    const { key } = await backup(ckf, 'b1');
    const object = await readObject(ckf.s3, 'ckf-backups', key);
    const sidecarText = await readObject(ckf.s3, 'ckf-backups', `${key}.json`);
    const manifest = newManifest({
      backupId: 'set1',
      model: 'kubeflow',
      target: { bucket: 'ckf-backups', endpoint: ckf.s3.endpoint },
      startedAt: new Date().toISOString(),
      tools: {},
    });
    manifest.components.mlmd = {
      status: 'complete',
      format: 'dump',
      object: { bucket: 'ckf-backups', key, bytes: object.length, sha256: sha(object) },
      sidecar: { bucket: 'ckf-backups', key: `${key}.json`, bytes: sidecarText.length },
      schemaVersion: 10,
      rowCounts: ckf.db.rowCounts,
    };
    await writeObject(ckf.s3, 'ckf-backups', 'manifests/set1.json', Buffer.from(manifestText(manifest)));
    manifest.components.mlmd.object = { bucket: 'ckf-backups', key, bytes: object.length, sha256: 'cd'.repeat(32) };
    await writeObject(ckf.s3, 'ckf-backups', 'manifests/set2.json', Buffer.from(manifestText(manifest)));
    changeRows(ckf);

    const disagree = await restore(ckf, { manifest: 'manifests/set2.json', 'restore-id': 'r0' });
    expect(disagree.code).toBe(1);
    expect(disagree.stdout).toMatch(/the manifest and the sidecar .* disagree \(manifest vs sidecar\): sha256 cdcd/);

    const run = await restore(ckf, { manifest: 's3://ckf-backups/manifests/set1.json', 'restore-id': 'r1' });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('from backup set set1');
    expect(await mlmdRowCounts(ckf.db.hostPath)).toEqual(ckf.db.rowCounts);
    await expectHealthy(ckf);
  }, 120_000);

  test('dry-run checks everything and changes nothing', async () => {
    const ckf = await sandbox();
    const { url } = await backup(ckf, 'b1');
    changeRows(ckf);
    const before = liveSha(ckf);
    const calls = scaleCalls(ckf).length;
    const run = await restore(ckf, { 'object-url': url, 'dry-run': 'true' });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/integrity_check ok; schema version 10 as the live database's/);
    expect(liveSha(ckf)).toBe(before);
    expect(scaleCalls(ckf)).toHaveLength(calls);
    expect(run.summary).toContain('restore-mlmd: pre-flight passed (dry run: nothing changed)');
  }, 120_000);
});

describe('refused before the writer is touched', () => {
  type Case = { name: string; prepare: (ckf: Ckf, dir: string) => Promise<string>; expected: RegExp };
  const cases: Case[] = [
    {
      name: 'the live database is at another schema version (MLMD upgraded: libraryVersion 11)',
      prepare: async (ckf) => {
        const { url } = await backup(ckf, 'b1');
        const pebble = ckf.kube.pebble(POD, C);
        // an upgraded server on a fresh store: the live database is at 11, the backup at 10
        ckf.kube.mlmd(POD).libraryVersion = 11;
        await pebbleCli(ckf, ['stop', 'mlmd']);
        rmSync(ckf.db.hostPath);
        await pebbleCli(ckf, ['start', 'mlmd']);
        await pebble.waitFor('mlmd', 'active', 10_000);
        return url;
      },
      expected: /the backup has MLMD schema version 10, the live database 11: the MLMD server would refuse it/,
    },
    {
      name: 'a backup whose MLMDEnv holds another schema version',
      prepare: async (ckf, dir) => {
        const file = path.join(dir, 'v11.db');
        copyFileSync(ckf.db.hostPath, file);
        sql(file, 'UPDATE MLMDEnv SET schema_version = 11;');
        await upload(ckf, file, 'mlmd/mlmd-v11.sqlite.gz', { schemaVersion: 11 });
        return 's3://ckf-backups/mlmd/mlmd-v11.sqlite.gz';
      },
      expected: /the backup has MLMD schema version 11, the live database 10/,
    },
    {
      name: 'a backup whose sidecar understates its schema version (the built file is checked)',
      prepare: async (ckf, dir) => {
        const file = path.join(dir, 'v11.db');
        copyFileSync(ckf.db.hostPath, file);
        sql(file, 'UPDATE MLMDEnv SET schema_version = 11;');
        await upload(ckf, file, 'mlmd/mlmd-v11b.sqlite.gz', { schemaVersion: 10 });
        return 's3://ckf-backups/mlmd/mlmd-v11b.sqlite.gz';
      },
      expected: /has MLMD schema version 11; its sidecar says 10/,
    },
    {
      name: 'wrong sha256',
      prepare: async (ckf, dir) => {
        const file = path.join(dir, 'copy.db');
        copyFileSync(ckf.db.hostPath, file);
        await upload(ckf, file, 'mlmd/mlmd-badsha.sqlite.gz', { sha256: 'ab'.repeat(32) });
        return 'mlmd/mlmd-badsha.sqlite.gz';
      },
      expected: /has sha256 [0-9a-f]{64}; its sidecar says abab/,
    },
    {
      name: 'failed integrity check',
      prepare: async (ckf, dir) => {
        const file = path.join(dir, 'corrupt.db');
        copyFileSync(ckf.db.hostPath, file);
        const counts = await mlmdRowCounts(file);
        await corruptDatabase(file);
        const body = gzipSync(readFileSync(file));
        const key = 'mlmd/mlmd-corrupt.sqlite.gz';
        await writeObject(ckf.s3, 'ckf-backups', key, body);
        const sidecar = {
          format: 'sqlite',
          object: { key, sha256: sha(body), 'size-bytes': body.length },
          database: { 'schema-version': 10, 'row-counts': counts },
        };
        await writeObject(ckf.s3, 'ckf-backups', `${key}.json`, Buffer.from(JSON.stringify(sidecar)));
        return key;
      },
      expected: /fails PRAGMA integrity_check, so nothing was changed|malformed|not a database/,
    },
  ];

  test.each(cases)(
    '$name',
    async (c) => {
      const ckf = await sandbox();
      const dir = mkdtempSync(path.join(os.tmpdir(), 'restore-mlmd-'));
      dirs.push(dir);
      const objectUrl = await c.prepare(ckf, dir);
      const calls = scaleCalls(ckf).length;
      const pushes = ckf.kube.pebble(POD, C).pushes.length;
      const before = liveSha(ckf);
      const run = await restore(ckf, { 'object-url': objectUrl });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/::error::restore-mlmd failed: /);
      expect(run.stdout).toMatch(c.expected);
      expect(scaleCalls(ckf)).toHaveLength(calls);
      expect(ckf.kube.pebble(POD, C).pushes).toHaveLength(pushes);
      expect(liveSha(ckf)).toBe(before);
      expect(ckf.kube.pebble(POD, C).service('mlmd').current).toBe('active');
      expect(run.summary).toContain('nothing in the pod was changed');
    },
    120_000,
  );
});

/** The pebble CLI in the container, through kubectl as a person would run it. */
function pebbleCli(ckf: Ckf, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', ['--kubeconfig', ckf.kube.kubeconfigPath, 'exec', POD, '-c', C, '--', '/charm/bin/pebble', ...args], {
      stdio: 'ignore',
      env: { ...process.env, KUBECONFIG: '' },
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`pebble ${args.join(' ')} exited ${code}`))));
  });
}

describe('a failure after the stop: the old database or the restored one, never empty or mixed', () => {
  type Phase = { name: string; marker: string | RegExp; afterStop?: boolean; nth?: number; afterSwap?: boolean };
  const PULLED = '`/charm/bin/pebble pull /data/mlmd.db /dev/stdout` in kubeflow/mlmd-0 (container mlmd-grpc-server): connected';
  const phases: Phase[] = [
    { name: 'while the writer goes to 0', marker: `::debug::juju scale-application: ${WRITER} scaled to 0` },
    { name: 'right after mlmd is stopped', marker: 'stopping the mlmd service', afterStop: true },
    { name: 'while the safety copy is uploaded', marker: /^(uploading: |safety copy of the live database)/, afterStop: true },
    { name: 'during the push', marker: 'pushing the restored database', afterStop: true },
    { name: 'while mlmd starts', marker: 'starting the mlmd service', afterStop: true },
    // the third pull: the pre-flight's, the safety copy's, the read back's (alongside the start)
    { name: 'while the file is read back', marker: PULLED, nth: 3, afterStop: true },
    { name: 'while the writer comes back', marker: `scaling ${WRITER} in model kubeflow to 1 unit`, afterSwap: true },
  ];

  test.each(phases)(
    'SIGTERM $name',
    async (p) => {
      const ckf = await sandbox();
      const { url } = await backup(ckf, 'b1');
      changeRows(ckf);
      const old = liveSha(ckf);
      let acted = false;
      let seen = 0;
      const run = await restore(ckf, { 'object-url': url, 'restore-id': 'r1' }, (line, child) => {
        if (acted || !(typeof p.marker === 'string' ? line.includes(p.marker) : p.marker.test(line))) return;
        if (++seen < (p.nth ?? 1)) return;
        acted = true;
        child.kill('SIGTERM');
      });
      expect(acted).toBe(true);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/SIGTERM received/);
      expect(scaleCalls(ckf).slice(2)).toEqual(['0', '1']);
      await expectHealthy(ckf);
      const now = liveSha(ckf);
      const restoredSha = run.outputs['restored-sha256'];
      expect(now === old || (restoredSha !== undefined && now === restoredSha)).toBe(true);
      expect(run.summary).toMatch(/restore-mlmd: interrupted/);
      if (p.afterStop) {
        expect(run.stdout).toMatch(/restore failed after the mlmd service was stopped \(cancelled: SIGTERM received/);
        expect(run.summary).toContain('the old database is back in place and mlmd was started');
        // after a signal the writer comes back while mlmd is stopped for the roll-back, not after its start
        expect(run.stdout.indexOf(`${WRITER}: scaled back to 1`)).toBeLessThan(run.stdout.lastIndexOf('the mlmd service is active and listening'));
      } else if (p.afterSwap) {
        expect(now).toBe(restoredSha);
        expect(run.stdout).not.toContain('restore failed after the mlmd service was stopped');
      } else {
        expect(run.summary).toContain('nothing in the pod was changed');
      }
    },
    120_000,
  );

  test.each([
    ['the daemon dies mid-push', undefined],
    ['no space left on device', 'enospc' as const],
  ])(
    '%s: the safety copy is put back and mlmd started',
    async (_name, mode) => {
      const ckf = await sandbox();
      const { url } = await backup(ckf, 'b1');
      changeRows(ckf);
      const old = liveSha(ckf);
      const pebble = ckf.kube.pebble(POD, C);
      pebble.setPushFault({ afterBytes: 300_000, ...(mode ? { mode } : {}) });
      const run = await restore(ckf, { 'object-url': url, 'restore-id': 'r1' }, (line) => {
        if (line.includes('restore failed after the mlmd service was stopped')) pebble.setPushFault(undefined);
      });
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('the safety copy is back at /data/mlmd.db');
      expect(pebble.pushes.map((x) => x.outcome)).toEqual([mode ? 'failed' : 'crashed', 'written']);
      expect(liveSha(ckf)).toBe(old);
      expect(scaleCalls(ckf).slice(2)).toEqual(['0', '1']);
      expect(run.outputs['pre-restore-url']).toBe('s3://ckf-backups/mlmd/pre-restore/r1/mlmd-r1.sqlite.gz');
      expect(run.summary).toContain('the old database is back in place and mlmd was started');
      await expectHealthy(ckf);
    },
    120_000,
  );
});

describe('the dist bundle, as the runner runs it', () => {
  test('a real SIGTERM to the process during the push: the old database back, mlmd started, the writer back', async () => {
    const ckf = await sandbox();
    const { url } = await backup(ckf, 'b1');
    changeRows(ckf);
    const old = liveSha(ckf);
    // a slow exec, so that the push is still going when the signal arrives
    let acted = false;
    const run = await runActionBundle('restore-mlmd', ckf.backupMlmdInputs({ 'object-url': url, 'restore-id': 'r1' }), {
      env: ckf.env,
      timeoutMs: 120_000,
      onLine: (line: string, child: { kill: (s: NodeJS.Signals) => boolean }) => {
        if (acted || !line.includes('pushing the restored database')) return;
        acted = true;
        child.kill('SIGTERM');
      },
    });
    expect(acted).toBe(true);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/SIGTERM received/);
    expect(scaleCalls(ckf).slice(2)).toEqual(['0', '1']);
    expect(liveSha(ckf)).toBe(old);
    await expectHealthy(ckf);
  }, 120_000);

  test('malformed inputs: refused before anything runs, naming each input, no secret echoed', async () => {
    const ckf = await sandbox();
    const run = await runActionBundle('restore-mlmd', ckf.backupMlmdInputs({ 'object-url': 'mlmd/a.tar', namespace: 'Kube Flow' }), {
      env: ckf.env,
      timeoutMs: 60_000,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("Input 'object-url' must be a backup-mlmd object");
    expect(run.stdout).toContain("Input 'namespace'");
    // ::add-mask:: hands the secret to the runner, which masks it everywhere; nothing else may carry it
    const shown = run.stdout
      .split('\n')
      .filter((l: string) => !l.startsWith('::add-mask::'))
      .join('\n');
    expect(shown).not.toContain(ckf.s3.secretKey);
    expect(scaleCalls(ckf)).toEqual([]);
  }, 60_000);
});
