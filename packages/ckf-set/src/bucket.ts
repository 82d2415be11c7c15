import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '@ml-backup-actions/core';
import {
  Rclone,
  checkRun,
  deleteKeys,
  downloadFile,
  listObjects,
  remotePath,
  s3TargetRemote,
  uploadFile,
  type Listing,
  type S3Remote,
  type S3Target,
} from '@ml-backup-actions/rclone';

/** The backup bucket, through rclone: list, read, write and delete exact keys. */
export class BackupBucket {
  readonly bucket: string;
  readonly remote: S3Remote;
  private readonly rclone: Rclone;
  readonly work: string;

  private readonly log: Logger;
  private readonly signal: AbortSignal;

  constructor(
    readonly s3: S3Target,
    { log, signal, env }: { log: Logger; signal: AbortSignal; env: NodeJS.ProcessEnv },
  ) {
    this.bucket = s3.bucket;
    this.remote = s3TargetRemote(s3);
    this.rclone = new Rclone({ remotes: [this.remote], log, env });
    this.log = log;
    this.signal = signal;
    this.work = mkdtempSync(path.join(env.RUNNER_TEMP || os.tmpdir(), 'backup-set-'));
  }

  url(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  /** Keys under prefix (full keys) with their sizes. */
  async list(prefix: string): Promise<Listing> {
    const run = await listObjects(this.rclone, remotePath(this.remote, this.bucket, prefix), { signal: this.signal });
    checkRun(run, `listing ${this.url(prefix)}`, this.signal);
    const full: Listing = new Map();
    for (const [rel, size] of run.objects) full.set(prefix ? `${prefix.replace(/\/+$/, '')}/${rel}` : rel, size);
    return full;
  }

  /** The object's size, or undefined when there is none. */
  async size(key: string): Promise<number | undefined> {
    const dir = path.posix.dirname(key);
    const listing = await this.list(dir === '.' ? '' : dir);
    return listing.get(key);
  }

  /** Downloads to a file in the work directory; returns its path. */
  async download(key: string): Promise<string> {
    const file = path.join(this.work, `${Date.now()}-${path.posix.basename(key)}`);
    await downloadFile(this.rclone, { remote: this.remote, bucket: this.bucket, key }, file, this.signal);
    return file;
  }

  async readText(key: string): Promise<string> {
    const file = await this.download(key);
    try {
      return readFileSync(file, 'utf8');
    } finally {
      rmSync(file, { force: true });
    }
  }

  async writeText(key: string, text: string): Promise<string> {
    const file = path.join(this.work, path.posix.basename(key));
    writeFileSync(file, text, { mode: 0o600 });
    try {
      return await uploadFile(
        this.rclone,
        { remote: this.remote, bucket: this.bucket, key },
        { path: file, bytes: statSync(file).size },
        { log: this.log, signal: this.signal },
      );
    } finally {
      rmSync(file, { force: true });
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    await deleteKeys(this.rclone, { remote: this.remote, bucket: this.bucket }, keys, path.join(this.work, 'delete.txt'), this.signal);
  }

  /** rclone's own reachability check: the bucket can be listed with these credentials. */
  async probe(prefix: string): Promise<void> {
    const run = await this.rclone.run(
      'lsf',
      [remotePath(this.remote, this.bucket, prefix), '--max-depth', '1', '--low-level-retries', '2', '--contimeout', '15s'],
      { signal: this.signal },
    );
    checkRun(run, `reaching ${this.url(prefix)}`, this.signal);
  }

  dispose(): void {
    rmSync(this.work, { recursive: true, force: true });
  }
}

/** "s3://bucket/key" -> key, when it is in this bucket. */
export function keyOf(url: string, bucket: string): string | undefined {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  return m && m[1] === bucket ? m[2] : undefined;
}
