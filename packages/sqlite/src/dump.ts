import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ActionError, runProcess, throwIfAborted } from '@ml-backup-actions/core';
import { describeFailure } from './errors.js';
import { baseArgs, requireFile, type SqliteOptions } from './sqlite3.js';

export interface DumpResult {
  /** Bytes of SQL text written to the stream. */
  bytes: number;
  seconds: number;
}

const MARKER = Buffer.from('/****');
const TAIL = 64;

/**
 * Streams `sqlite3 <file> .dump` (the runbook's backup format, restored with `sqlite3 new.db < dump`)
 * into out with bounded memory: the child waits while out is full. out is not ended, so the caller
 * can pipe it on (gzip, a file) and end it. The file is opened read-only; a -wal beside it is read.
 *
 * sqlite3 exits 0 even when .dump meets an error: it writes an error comment into the dump and ends
 * with "ROLLBACK; -- due to errors" instead of "COMMIT;". Such a dump is refused here. On any
 * failure out has already received part of a dump: discard it.
 */
export async function dumpTo(file: string, out: Writable, options: SqliteOptions = {}): Promise<DumpResult> {
  requireFile(file);
  const started = Date.now();
  const watch = new DumpWatcher(out);
  const stderr: string[] = [];
  try {
    const result = await runProcess(options.binary ?? 'sqlite3', [...baseArgs(file), '.dump'], {
      signal: options.signal,
      log: options.log,
      stdout: watch,
      onStderrLine: (l) => stderr.push(l),
    });
    throwIfAborted(options.signal);
    if (result.code !== 0) throw new ActionError(describeFailure(file, result.code, stderr));
    // Everything sqlite3 wrote has reached the watcher; wait until out has taken all of it, so the
    // caller can end out as soon as this returns.
    watch.end();
    await finished(watch);
  } finally {
    watch.release();
  }
  const tail = watch.tail.toString('utf8');
  if (!/\nCOMMIT;\n$/.test(tail)) {
    const found = watch.errors.length ? watch.errors : stderr.filter((l) => l.trim());
    const why = found.length ? found.slice(0, 3).join('; ') : `it ends with ${JSON.stringify(tail.slice(-40))}`;
    throw new ActionError(
      /file is not a database/.test(why)
        ? describeFailure(file, 0, [why])
        : `sqlite3 .dump of ${file} did not complete (${why}); the dump is not usable as a backup`,
    );
  }
  return { bytes: watch.bytes, seconds: (Date.now() - started) / 1000 };
}

/** Passes bytes to out unchanged, counting them and keeping the tail and any error comments. */
class DumpWatcher extends Writable {
  bytes = 0;
  tail = Buffer.alloc(0);
  readonly errors: string[] = [];
  private readonly onOutError = (err: Error) => this.destroy(err);
  private pending?: { onDrain: () => void; onClose: () => void };

  constructor(private readonly out: Writable) {
    super();
    out.on('error', this.onOutError);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.bytes += chunk.length;
    this.note(chunk);
    if (this.out.destroyed) return callback(new Error('the output stream was closed'));
    if (this.out.write(chunk)) return callback();
    const onDrain = () => {
      this.pending = undefined;
      this.out.off('close', onClose);
      callback();
    };
    const onClose = () => {
      this.pending = undefined;
      this.out.off('drain', onDrain);
      callback(new Error('the output stream was closed'));
    };
    this.pending = { onDrain, onClose };
    this.out.once('drain', onDrain);
    this.out.once('close', onClose);
  }

  /** Lets go of out (its listeners), whatever state the dump ended in. */
  release(): void {
    this.out.off('error', this.onOutError);
    if (this.pending) {
      this.out.off('drain', this.pending.onDrain);
      this.out.off('close', this.pending.onClose);
      this.pending = undefined;
    }
    this.on('error', () => undefined); // a late failure belongs to the caller's stream, not here
  }

  private note(chunk: Buffer): void {
    // .dump writes "/**** ERROR: (26) file is not a database *****/" style comments at line starts.
    let at = chunk.indexOf(MARKER);
    while (at >= 0 && this.errors.length < 3) {
      if (at === 0 || chunk[at - 1] === 0x0a) {
        const end = chunk.indexOf(0x0a, at);
        this.errors.push(
          chunk
            .subarray(at, end < 0 ? undefined : end)
            .toString('utf8')
            .slice(0, 200),
        );
      }
      at = chunk.indexOf(MARKER, at + MARKER.length);
    }
    this.tail = Buffer.concat([this.tail, chunk.subarray(Math.max(0, chunk.length - TAIL))]).subarray(-TAIL);
  }
}
