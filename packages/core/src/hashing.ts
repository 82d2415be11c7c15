import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A file being written that also counts and hashes (sha256) what goes into it, with backpressure. */
export class HashingFileWriter extends Writable {
  readonly path: string;
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');
  private readonly file: WriteStream;
  private digest?: string;

  constructor(path: string) {
    super({ highWaterMark: 1 << 20 });
    this.path = path;
    this.file = createWriteStream(path, { mode: 0o600 });
    this.file.on('error', (err) => this.destroy(err));
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (this.file.write(chunk)) callback();
    else this.file.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.file.end((err?: Error | null) => callback(err));
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.file.destroy();
    callback(error);
  }

  /**
   * After a failed copy: stops writing and resolves once the file is closed, so that nothing opens
   * or writes it after its directory is removed; an error of its own is not the one to report.
   */
  discard(): Promise<void> {
    this.on('error', () => undefined);
    this.file.on('error', () => undefined);
    if (this.file.closed) return Promise.resolve();
    const closed = new Promise<void>((resolve) => this.file.once('close', () => resolve()));
    this.destroy();
    return closed;
  }

  /** The hex sha256 of everything written; only once the stream has finished. */
  sha256(): string {
    this.digest ??= this.hash.digest('hex');
    return this.digest;
  }
}

/** The sha256 and size of a file, read as a stream. */
export async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), async function* (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      hash.update(chunk);
      bytes += chunk.length;
    }
    yield* [];
  });
  return { sha256: hash.digest('hex'), bytes };
}
