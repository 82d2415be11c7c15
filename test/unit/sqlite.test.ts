// runProcess's streaming stdout (what dumpTo is built on) and the sqlite package's error messages.
import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { runProcess } from '@ml-backup-actions/core';
import { describeFailure } from '../../packages/sqlite/src/index.js';
import { childCommandLines, isAlive } from '../support/procs.js';

// A child that writes `mib` MiB of a known pattern as fast as the pipe takes it.
const writer = (mib: number) =>
  `const b = Buffer.alloc(1 << 20); for (let i = 0; i < b.length; i++) b[i] = (i * 31) & 255;` +
  `let n = 0; const go = () => { while (n < ${mib}) { n++; if (!process.stdout.write(b)) return process.stdout.once('drain', go); } }; go();`;

function expectedSha(mib: number): string {
  const b = Buffer.alloc(1 << 20);
  for (let i = 0; i < b.length; i++) b[i] = (i * 31) & 255;
  const h = createHash('sha256');
  for (let i = 0; i < mib; i++) h.update(b);
  return h.digest('hex');
}

describe('runProcess with a stdout stream', () => {
  test('pipes the bytes unchanged, keeps up with a slow stream without buffering, and leaves it open', async () => {
    const hash = createHash('sha256');
    let maxBacklog = 0;
    let taken = 0;
    const slow = new Writable({
      highWaterMark: 64 * 1024,
      write(chunk: Buffer, _e, cb) {
        hash.update(chunk);
        taken += chunk.length;
        maxBacklog = Math.max(maxBacklog, this.writableLength);
        setImmediate(cb);
      },
    });
    const lines: string[] = [];
    const result = await runProcess(process.execPath, ['-e', writer(32)], { stdout: slow, onStdoutLine: (l) => lines.push(l) });
    expect(result.code).toBe(0);
    expect(slow.writableEnded).toBe(false);
    slow.end();
    await finished(slow);
    expect(taken).toBe(32 << 20);
    expect(hash.digest('hex')).toBe(expectedSha(32));
    expect(lines).toEqual([]); // the stream takes the place of line callbacks
    // The pipe paused the child: never more than about one pipe read (64 KiB) past the mark.
    expect(maxBacklog).toBeLessThanOrEqual(128 * 1024);
  });

  test('a stream that fails stops the child and rejects', async () => {
    let pid = 0;
    const failing = new Writable({
      write(_chunk, _e, cb) {
        pid = childCommandLines(process.pid).find((c) => c.argv[0] === 'yes')?.pid ?? pid;
        cb(new Error('No space left on device'));
      },
    });
    failing.on('error', () => undefined);
    await expect(runProcess('yes', ['mlmd'], { stdout: failing, killGraceMs: 500 })).rejects.toThrow(
      'writing the output of yes failed: No space left on device',
    );
    expect(pid).toBeGreaterThan(0);
    expect(isAlive(pid)).toBe(false);
  });

  test('a stream destroyed part way also stops the child', async () => {
    const sink = new Writable({
      write(_chunk, _e, cb) {
        setImmediate(cb);
        this.destroy();
      },
    });
    await expect(runProcess('yes', [], { stdout: sink, killGraceMs: 500 })).rejects.toThrow(/writing the output of yes failed/);
    expect(childCommandLines(process.pid).filter((c) => c.argv[0] === 'yes')).toEqual([]);
  });
});

describe('sqlite3 failures', () => {
  test('real sqlite3 3.40 stderr lines become messages that name the file and say what to do', () => {
    const f = '/tmp/mlmd.db';
    expect(describeFailure(f, 26, ['Error: in prepare, file is not a database (26)'])).toBe(
      '/tmp/mlmd.db is not an SQLite database (sqlite3: file is not a database); was the right file copied, and all of it?',
    );
    expect(describeFailure(f, 1, ['Parse error: no such table: MLMDEnv'])).toBe('/tmp/mlmd.db is not an ML Metadata database (it has no MLMDEnv table)');
    expect(describeFailure(f, 11, ['Runtime error: database disk image is malformed (11)'])).toMatch(/is damaged .*take the copy again/);
    expect(describeFailure(f, 1, ['Error: unable to open database "/tmp/mlmd.db": unable to open database file'])).toMatch(/could not open .* -shm/);
    expect(describeFailure(f, 1, ['Error: something new'])).toBe('sqlite3 failed on /tmp/mlmd.db (exit code 1): Error: something new');
    expect(describeFailure(f, null, [])).toBe('sqlite3 failed on /tmp/mlmd.db (killed by a signal): no message');
  });
});
