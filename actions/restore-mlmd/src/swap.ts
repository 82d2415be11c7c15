import { createReadStream, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { ActionError, HashingFileWriter, errorMessage, hashFile, runProcess, sleep, type Logger } from '@ml-backup-actions/core';
import { uploadFile } from '@ml-backup-actions/rclone';
import { integrityCheck, mlmdSchemaVersion, rowCounts } from '@ml-backup-actions/sqlite';
import type { RestoreMlmdRun } from './clients.js';
import { safetyNames } from './config.js';
import type { FileInfo, Pebble } from './pebble.js';
import type { RestoreReport } from './report.js';

export const SERVICE = 'mlmd';
/** What metadata_store_server logs once it serves (metadata_store_server_main.cc). */
export const LISTENING = /Server listening on 0\.0\.0\.0:8080/;
/** What it logs when it cannot open the database: the schema check's FailedPrecondition, glog's CHECK. */
export const SCHEMA_ERROR = /FAILED_PRECONDITION|FailedPrecondition|Check failed/;

export interface Prepared {
  file: string;
  sha256: string;
  bytes: number;
}

/**
 * The swap, through the container's pebble, with the writer at 0 (the caller's): stop mlmd; take
 * the live file out and store it as the safety copy; push the restored file atomically with the
 * live file's owner and mode; remove a leftover journal; start mlmd and wait until it listens with
 * no schema error; read the file back and compare its sha256. Any failure after the stop puts the
 * safety copy back (when the push had started) and starts the service again.
 */
export class Swap {
  private liveCopy?: string;
  private downAt?: number;
  /** The service is known to be stopped: the stop returned and no start was asked for since. */
  private down = false;

  /**
   * @param writerBack puts the writer back; after a signal the roll-back calls it as soon as the
   * service is stopped, so that GitHub's few seconds of grace are not all spent before it
   */
  constructor(
    private readonly run: RestoreMlmdRun,
    private readonly pebble: Pebble,
    private readonly owner: FileInfo,
    private readonly writerBack: () => Promise<void>,
  ) {}

  private get report(): RestoreReport {
    return this.run.report;
  }

  private get log(): Logger {
    return this.run.log;
  }

  async swap(prepared: Prepared): Promise<void> {
    const { config, signal } = this.run;
    const db = config.dbPath;
    try {
      this.log.info(`stopping the ${SERVICE} service`);
      // Before the call: a stop cut off by a signal may still have been done, and is then undone.
      this.report.swap = 'stopped';
      this.downAt = Date.now();
      await this.pebble.stop(SERVICE, signal);
      this.down = true;
      await this.takeSafetyCopy(signal);

      this.log.info(`pushing the restored database to ${db} (mode ${this.owner.permissions}, uid ${this.owner.userId}, gid ${this.owner.groupId}; atomic)`);
      this.report.swap = 'pushing';
      await this.pebble.push(createReadStream(prepared.file), db, this.owner, signal);
      await this.removeLeftovers(signal);
      // The read back goes alongside the start: the writer is still at 0, so nothing writes meanwhile.
      const [started, readBack] = await Promise.allSettled([
        this.startAndWait(signal),
        this.pullHashed(db, path.join(this.run.workDir(), 'read-back.db'), signal),
      ]);
      if (started.status === 'rejected') throw started.reason;
      if (readBack.status === 'rejected') throw readBack.reason;
      const back = readBack.value;
      if (back.sha256 !== prepared.sha256) {
        throw new ActionError(
          `${db} read back has sha256 ${back.sha256} (${back.bytes} bytes), the restored file ${prepared.sha256} (${prepared.bytes} bytes)`,
        );
      }
      this.log.info(`${db} read back: sha256 ${back.sha256}, the restored file's`);
      this.report.swap = 'restored';
      this.report.serviceDownSeconds = this.downSeconds();
    } catch (err) {
      if (this.report.swap !== 'untouched') await this.rollBack(err);
      throw err;
    }
  }

  private downSeconds(): number | undefined {
    return this.downAt === undefined ? undefined : Math.round((Date.now() - this.downAt) / 100) / 10;
  }

  /** The live file, with the service stopped, out to the runner, checked and stored under pre-restore/ with its sidecar. */
  private async takeSafetyCopy(signal: AbortSignal): Promise<void> {
    const { config, clients, log } = this.run;
    const work = this.run.workDir();
    const db = config.dbPath;
    const local = path.join(work, 'live-mlmd.db');
    const live = await this.pullHashed(db, local, signal);
    const journal = await this.pebble.stat(`${db}-journal`, signal);
    if (journal) {
      // A hot journal of the stopped server: rolled back here, as SQLite would when the server opens the file.
      await this.pullHashed(`${db}-journal`, `${local}-journal`, signal);
      const opened = await runProcess('sqlite3', [local, 'PRAGMA quick_check;'], { signal, log });
      if (opened.code !== 0) log.warning(`rolling back the live database's journal on the runner failed (sqlite3 exit ${opened.code})`);
    }
    this.liveCopy = local;
    const names = safetyNames(config);
    const gz = path.join(work, path.posix.basename(names.object));
    const out = new HashingFileWriter(gz);
    const place = (key: string) => ({ remote: clients.target, bucket: config.s3.bucket, key });
    const options = { statsSeconds: config.progressIntervalSeconds, log, signal };
    // The writer waits on all of this: the checks for the sidecar run alongside the compression and
    // upload (they only read the local copy), and gzip -1 is a third of level 6's time for 1.1 times its size.
    const stored = pipeline(createReadStream(local), createGzip({ level: 1 }), out, { signal }).then(() =>
      uploadFile(clients.rclone, place(names.object), { path: gz, bytes: out.bytes }, options),
    );
    const checked = Promise.all([
      integrityCheck(local, { signal, log }),
      mlmdSchemaVersion(local, { signal, log }),
      rowCounts(local, { signal, log }),
      journal ? hashFile(local) : Promise.resolve(live),
    ]);
    const [checks, upload] = await Promise.allSettled([checked, stored]);
    if (checks.status === 'rejected') throw checks.reason;
    if (upload.status === 'rejected') throw upload.reason;
    const [integrity, schemaVersion, counts, dbHash] = checks.value;
    const url = upload.value;
    if (!integrity.ok) log.warning(`the live database fails integrity_check (${integrity.problems[0] ?? ''}); it is kept as the safety copy all the same`);
    const sidecar = {
      kind: 'ml-backup-actions/restore-mlmd-pre-restore',
      version: 1,
      'backup-id': `pre-restore-${config.restoreId}`,
      format: 'sqlite',
      restore: 'restore-mlmd with object-url set to this object; or gunzip -c <object> > mlmd.db',
      object: { key: names.object, url, sha256: out.sha256(), 'size-bytes': out.bytes, 'content-encoding': 'gzip' },
      database: {
        path: db,
        'size-bytes': dbHash.bytes,
        sha256: dbHash.sha256,
        'schema-version': schemaVersion,
        'integrity-check': integrity.ok ? 'ok' : integrity.problems.join('; '),
        'row-counts': counts,
        owner: { 'user-id': this.owner.userId, 'group-id': this.owner.groupId, permissions: this.owner.permissions },
      },
      source: { namespace: config.namespace, pod: this.pebble.target.pod, container: this.pebble.target.container, 'juju-model': config.jujuModel },
      'replaced-by': this.report.source?.objectUrl,
      'taken-at': new Date().toISOString(),
    };
    const sideFile = path.join(work, path.posix.basename(names.sidecar));
    const json = `${JSON.stringify(sidecar, null, 2)}\n`;
    writeFileSync(sideFile, json, { mode: 0o600 });
    const sidecarUrl = await uploadFile(clients.rclone, place(names.sidecar), { path: sideFile, bytes: Buffer.byteLength(json) }, options);
    this.report.safety = { url, sidecarUrl, sha256: out.sha256(), dbSha256: dbHash.sha256, dbBytes: dbHash.bytes };
    log.info(`safety copy of the live database (${dbHash.bytes} bytes, sha256 ${dbHash.sha256}) stored at ${url}, sidecar ${sidecarUrl}`);
  }

  private async pullHashed(file: string, local: string, signal: AbortSignal): Promise<{ sha256: string; bytes: number }> {
    const out = new HashingFileWriter(local);
    try {
      await this.pebble.pull(file, out, signal);
    } catch (err) {
      await out.discard();
      throw err;
    }
    return { sha256: out.sha256(), bytes: out.bytes };
  }

  /** A journal beside the file belongs to the file it replaced, and push's temp files of a push cut off. */
  private async removeLeftovers(signal: AbortSignal): Promise<void> {
    const db = this.run.config.dbPath;
    // At once: after a signal these calls share GitHub's few seconds with the start.
    const found = await Promise.all([
      this.pebble.list(`${db}-journal`, signal),
      this.pebble.list(`${path.posix.dirname(db)}/${path.posix.basename(db)}.*~`, signal),
    ]);
    for (const f of found.flat()) {
      this.log.info(`removing ${f.path}`);
      await this.pebble.remove(f.path, signal);
    }
  }

  /** Starts the service; resolves once it is active and this start logged "Server listening" with no schema error. */
  private async startAndWait(signal: AbortSignal, timeoutMs = 60_000): Promise<void> {
    const before = (await this.pebble.logs(SERVICE, 1, signal)).at(-1)?.split(' ')[0] ?? '';
    this.log.info(`starting the ${SERVICE} service`);
    this.down = false;
    await this.pebble.start(SERVICE, signal);
    const until = Date.now() + timeoutMs;
    for (;;) {
      const current = await this.pebble.current(SERVICE, signal);
      const lines = (await this.pebble.logs(SERVICE, 100, signal)).filter((l) => (l.split(' ')[0] ?? '') > before);
      const bad = lines.find((l) => SCHEMA_ERROR.test(l));
      if (bad) throw new ActionError(`the ${SERVICE} service refused the restored database: ${bad.replace(/^\S+ \[\w+\] /, '')}`);
      if (current === 'active' && lines.some((l) => LISTENING.test(l))) {
        this.log.info(`the ${SERVICE} service is active and listening`);
        return;
      }
      if (current === 'backoff' || current === 'error')
        throw new ActionError(`the ${SERVICE} service is ${current} after the start: ${lines.slice(-3).join(' | ')}`);
      if (Date.now() > until) throw new ActionError(`the ${SERVICE} service did not log "Server listening" within ${timeoutMs / 1000} s (it is ${current})`);
      await sleep(250, signal);
    }
  }

  /** After a failure past the stop: the old database back in place (when the push had started) and the service started, within the grace. */
  private async rollBack(failure: unknown): Promise<void> {
    const { config, grace, log } = this.run;
    const budget = grace.budget();
    const pushed = this.report.swap === 'pushing' || this.report.swap === 'restored';
    log.warning(
      `restore failed after the ${SERVICE} service was stopped (${errorMessage(failure)}): ${pushed ? 'putting the safety copy back and ' : ''}starting the service again`,
    );
    try {
      if (!this.down) {
        await this.pebble.stop(SERVICE, budget).catch((err: unknown) => log.debug(`stop before the roll-back: ${errorMessage(err)}`));
        this.down = true;
      }
      // The writer writes only through a serving mlmd, and mlmd serves again only with the old
      // file: after a signal it may come back now, in parallel (the main path still awaits it).
      if (this.run.signal.aborted) this.writerBack().catch((err: unknown) => log.debug(`writer back during the roll-back: ${errorMessage(err)}`));
      if (pushed) {
        if (!this.liveCopy || !existsSync(this.liveCopy)) throw new ActionError('the safety copy is not on the runner');
        await this.pebble.push(createReadStream(this.liveCopy), config.dbPath, this.owner, budget);
        log.info(`the safety copy is back at ${config.dbPath}`);
        await this.removeLeftovers(budget);
      }
      // Not pushed: the live file never moved, and a journal beside it is its own (kept).
      await this.startAndWait(budget, Math.max(1000, Math.min(60_000, grace.left() - 500)));
      this.report.swap = 'rolled back';
      this.report.serviceDownSeconds = this.downSeconds();
    } catch (err) {
      this.report.swap = 'rollback failed';
      this.report.rollbackError = errorMessage(err);
      log.error(
        `putting the old database back failed: ${errorMessage(err)}. ${this.report.safety ? `The safety copy is at ${this.report.safety.url}: restore it with object-url set to it` : 'No safety copy was stored; the live file was not replaced'}, then run: kubectl exec -n ${config.namespace} ${this.pebble.target.pod} -c ${this.pebble.target.container} -- /charm/bin/pebble start ${SERVICE}`,
      );
    }
  }
}
