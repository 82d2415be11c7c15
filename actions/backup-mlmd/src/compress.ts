import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { HashingFileWriter } from '@ml-backup-actions/core';
import { dumpTo } from '@ml-backup-actions/sqlite';
import type { Format } from './config.js';

/**
 * The object to upload: `sqlite3 .dump | gzip` (dump) or the gzip'd database file (sqlite),
 * streamed into a file and hashed on the way, so memory stays flat whatever the size.
 */
export async function compress(db: string, format: Format, outPath: string, signal: AbortSignal): Promise<{ bytes: number; sha256: string }> {
  const out = new HashingFileWriter(outPath);
  const gzip = createGzip({ level: 6 });
  if (format === 'sqlite') {
    await pipeline(createReadStream(db, { highWaterMark: 1 << 20 }), gzip, out, { signal });
  } else {
    const written = pipeline(gzip, out, { signal });
    const dumped = dumpTo(db, gzip, { signal }).then(
      () => void gzip.end(),
      (err: Error) => {
        gzip.destroy(err);
        throw err;
      },
    );
    await Promise.all([dumped, written]);
  }
  return { bytes: out.bytes, sha256: out.sha256() };
}
