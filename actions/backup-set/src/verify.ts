import { createReadStream, createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { errorMessage, hashFile } from '@ml-backup-actions/core';
import type { Juju } from '@ml-backup-actions/juju';
import { integrityCheck, restoreDump, rowCounts } from '@ml-backup-actions/sqlite';
import type { BackupSetRun } from './clients.js';
import { type BackupBucket, type Manifest, type Verification, manifestKey, parseManifest, manifestText } from '@ml-backup-actions/ckf-set';

type Check = Verification['checks'][number];

/**
 * Reads the set's manifest and checks it against what is stored: every object with its recorded
 * size and sha256, the MLMD artifact restored into a fresh SQLite file that passes integrity_check
 * with the recorded row counts, the mirror's objects and bytes, and each charm backup listed as
 * finished. The result is written into the manifest.
 */
export async function verify({ config, clients, log, signal }: BackupSetRun): Promise<{ manifest: Manifest; url: string; verification: Verification }> {
  const { bucket, juju } = clients;
  const key = manifestKey(config.s3.prefix, config.backupId);
  const manifest = parseManifest(await bucket.readText(key), bucket.url(key));
  const checks: Check[] = [];
  const record = async (what: string, fn: () => Promise<string>) => {
    try {
      const detail = await fn();
      checks.push({ what, ok: true, detail });
      log.info(`ok: ${what}: ${detail}`);
    } catch (err) {
      if (signal.aborted) throw err;
      checks.push({ what, ok: false, detail: errorMessage(err) });
      log.error(`${what}: ${errorMessage(err)}`);
    }
  };

  await record('set status', async () => {
    const notDone = Object.entries(manifest.components).filter(([, c]) => c.status !== 'complete');
    if (manifest.status !== 'complete' || notDone.length)
      throw new Error(`the set is ${manifest.status}: ${notDone.map(([n, c]) => `${n} ${c.status}`).join(', ') || 'no component missing'}`);
    return 'complete';
  });
  await Promise.all([
    record('MLMD object', () => checkMlmd(manifest, bucket, signal)),
    record('MLMD sidecar', () => checkSidecar(manifest, bucket)),
    record('mlpipeline mirror', () => checkMirror(manifest, bucket)),
    ...(juju
      ? Object.entries(manifest.components.databases.backups ?? {}).map(([app, b]) =>
          record(`${app} charm backup`, () => checkCharmBackup(juju, app, b.backupId)),
        )
      : []),
  ]);
  if (juju && !Object.keys(manifest.components.databases.backups ?? {}).length)
    checks.push({ what: 'charm backups', ok: false, detail: 'the manifest names no charm backup' });

  const verification = { at: new Date().toISOString(), ok: checks.every((c) => c.ok), checks };
  manifest.verification = verification;
  const url = await bucket.writeText(key, manifestText(manifest));
  return { manifest, url, verification };
}

async function checkMlmd(manifest: Manifest, bucket: BackupBucket, signal: AbortSignal): Promise<string> {
  const { object, format, rowCounts: recorded } = manifest.components.mlmd;
  if (!object) throw new Error('the manifest records no MLMD object');
  const size = await bucket.size(object.key);
  if (size !== object.bytes) throw new Error(`${bucket.url(object.key)} holds ${size ?? 'nothing'} bytes, the manifest says ${object.bytes}`);
  const file = await bucket.download(object.key);
  const { sha256 } = await hashFile(file);
  if (sha256 !== object.sha256) throw new Error(`${bucket.url(object.key)} has sha256 ${sha256}, the manifest says ${object.sha256}`);

  // Restored as a restore would: into a fresh file, never over anything.
  const db = path.join(bucket.work, `verify-${manifest.backupId}.db`);
  if (format === 'sqlite') {
    await pipeline(createReadStream(file), createGunzip(), createWriteStream(db, { flags: 'wx' }), { signal });
  } else {
    const sql = `${file}.sql`;
    await pipeline(createReadStream(file), createGunzip(), createWriteStream(sql, { flags: 'wx' }), { signal });
    await restoreDump(sql, db, { signal });
  }
  const integrity = await integrityCheck(db, { signal });
  if (!integrity.ok) throw new Error(`the restored database fails integrity_check: ${integrity.problems.slice(0, 3).join('; ')}`);
  const counts = await rowCounts(db, { signal });
  const differ = Object.entries(recorded ?? {}).filter(([table, n]) => counts[table] !== n);
  if (differ.length)
    throw new Error(
      `restored row counts differ from the recorded ones: ${differ.map(([t, n]) => `${t} ${counts[t] ?? 'missing'} (recorded ${n})`).join(', ')}`,
    );
  const rows = Object.values(counts).reduce((a, b) => a + b, 0);
  return `${object.bytes} bytes, sha256 matches; restored (${format}) into a fresh database: integrity ok, ${rows} rows in ${Object.keys(counts).length} tables${recorded ? ' as recorded' : ''}`;
}

async function checkSidecar(manifest: Manifest, bucket: BackupBucket): Promise<string> {
  const sidecar = manifest.components.mlmd.sidecar;
  if (!sidecar) throw new Error('the manifest records no sidecar');
  const size = await bucket.size(sidecar.key);
  if (size !== sidecar.bytes) throw new Error(`${bucket.url(sidecar.key)} holds ${size ?? 'nothing'} bytes, the manifest says ${sidecar.bytes}`);
  return `${sidecar.bytes} bytes`;
}

async function checkMirror(manifest: Manifest, bucket: BackupBucket): Promise<string> {
  const m = manifest.components.mlpipeline;
  if (m.prefix === undefined || m.objects === undefined || m.bytes === undefined) throw new Error('the manifest records no mirror location and size');
  const listing = await bucket.list(m.prefix);
  const bytes = [...listing.values()].reduce((a, b) => a + b, 0);
  if (listing.size !== m.objects || bytes !== m.bytes) {
    throw new Error(
      `${bucket.url(m.prefix)} holds ${listing.size} objects, ${bytes} bytes; the manifest says ${m.objects} objects, ${m.bytes} bytes (a later sync may have changed it)`,
    );
  }
  return `${m.objects} objects, ${m.bytes} bytes`;
}

async function checkCharmBackup(juju: Juju, app: string, id: string): Promise<string> {
  const listed = await juju.listBackups(`${app}/leader`, { waitMs: 5 * 60_000, intervalMs: 1000 });
  const entry = listed.find((b) => b.id === id);
  if (entry?.status !== 'finished') throw new Error(`list-backups on ${app} shows ${id} ${entry ? `as ${entry.status}` : 'not at all'}`);
  return `${id} finished`;
}
