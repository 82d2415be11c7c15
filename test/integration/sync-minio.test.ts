// sync-minio end to end against two real S3 server processes and the real rclone: in-process through
// its main (test/support/in-process.ts), and its dist bundle run as the runner runs it where only a
// process shows it (a first mirror's outputs and stderr, masking and argv, SIGTERM, every bad input at once).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  SANDBOX_SECRETS,
  deleteObject,
  listObjects,
  rclone,
  readObject,
  runActionBundle,
  seedMlpipeline,
  startSandbox,
  storedEtag,
  writeObject,
} from '../../sandbox/index.js';
import { syncMinioAction } from '../../actions/sync-minio/src/main.js';
import { runInProcess } from '../support/in-process.js';
import { childCommandLines, isAlive } from '../support/procs.js';
import { must } from '../support/must.js';

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;
let sb: Sandbox;
let seeded: Awaited<ReturnType<typeof seedMlpipeline>>;

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const total = (objs: { Size: number }[]) => objs.reduce((n, o) => n + o.Size, 0);

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

beforeAll(async () => {
  sb = await startSandbox();
  seeded = await seedMlpipeline(sb.minio, 'mlpipeline', { objects: 2000, large: 3 });
}, 240_000);

afterAll(async () => {
  await sb?.stop();
});

/** Folders for stand-in rclone binaries, removed after the file's tests. */
const scratch: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe('mirroring mlpipeline', () => {
  test('2,000 objects with multipart ones are mirrored and verified; a rerun transfers nothing', async () => {
    expect(seeded.files.filter((f) => f.size > 64 * 1024 * 1024)).toHaveLength(3);
    const first = await runActionBundle('sync-minio', sb.syncMinioInputs({ 'progress-interval-seconds': '5' }));
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);

    const target = await listObjects(sb.s3, 'ckf-backups', 'mlpipeline');
    expect(target).toHaveLength(seeded.objects);
    expect(first.outputs).toMatchObject({
      'objects-transferred': String(target.length),
      'bytes-transferred': String(total(target)),
      'objects-archived': '0',
      'objects-checked': String(seeded.objects),
      verified: 'true',
      destination: 's3://ckf-backups/mlpipeline',
    });
    expect(Number(first.outputs['duration-seconds'])).toBeGreaterThanOrEqual(0);
    expect(first.stdout).toMatch(/progress: .* of .* objects/);
    expect(first.summary).toContain('<th align="left">Objects transferred</th><td>2000</td>');
    expect(first.stdout).toMatch(/::debug::run: rclone sync /);

    // the largest object went up in parts on both sides and arrived byte for byte
    const large = seeded.files.reduce((a, b) => (a.size > b.size ? a : b));
    expect(sha(await readObject(sb.s3, 'ckf-backups', `mlpipeline/${large.key}`))).toBe(sha(await readObject(sb.minio, 'mlpipeline', large.key)));
    expect(storedEtag(sb.minio, 'mlpipeline', large.key)).toMatch(/^[0-9a-f]{32}-\d+$/);
    expect(storedEtag(sb.s3, 'ckf-backups', `mlpipeline/${large.key}`)).toMatch(/^[0-9a-f]{32}-\d+$/);

    const rerun = await runActionBundle('sync-minio', sb.syncMinioInputs());
    expect(rerun.code).toBe(0);
    expect(rerun.outputs).toMatchObject({ 'objects-transferred': '0', 'bytes-transferred': '0', 'objects-archived': '0', verified: 'true' });
    // the pre-flight listings already showed every object in place, so rclone sync never started
    expect(rerun.outputs['objects-checked']).toBe(String(seeded.objects));
    expect(rerun.stdout).toContain(`nothing to sync: all ${seeded.objects} source objects are in the target with the same size`);
    expect(rerun.stdout).not.toMatch(/::debug::run: rclone sync /);
    expect(rerun.stdout).toContain(`bucket 'mlpipeline' holds ${seeded.objects} objects`);
  });

  test('three versions of one object through three syncs with the same archive-prefix: all three are kept', async () => {
    const versions = ['version one', 'version two, longer', 'version three'].map((v) => Buffer.from(v));
    const inputs = { 'minio-bucket': 'versions', 's3-prefix': 'versions', 'archive-prefix': 'versions.archive' };
    const archivePrefixes: string[] = [];
    for (const version of versions) {
      await writeObject(sb.minio, 'versions', 'model/weights.bin', version);
      const run = await runInProcess(syncMinioAction, sb.syncMinioInputs(inputs));
      expect({ code: run.code, error: run.outputs.error }).toEqual({ code: 0, error: undefined });
      archivePrefixes.push(run.outputs['archive-prefix']);
      if (archivePrefixes.length === 3)
        expect(run.stdout).toMatch(/::warning::archive-prefix versions\.archive already holds 1 objects archived by an earlier run/);
      // a second apart, as two runs are: the stamp of a run is its start, to the second
      await new Promise((r) => setTimeout(r, 1100));
    }
    expect(archivePrefixes[1]).toBe('versions.archive');
    expect(archivePrefixes[2]).toMatch(/^versions\.archive\/\d{8}T\d{6}Z$/);
    const stored = await Promise.all([
      readObject(sb.s3, 'ckf-backups', 'versions/model/weights.bin'),
      readObject(sb.s3, 'ckf-backups', 'versions.archive/model/weights.bin'),
      readObject(sb.s3, 'ckf-backups', `${archivePrefixes[2]}/model/weights.bin`),
    ]);
    expect(stored.map(String).sort()).toEqual(versions.map(String).sort());
  });

  test('objects deleted or changed in the source are archived byte for byte, not destroyed', async () => {
    const keys = seeded.files.filter((f) => f.size < 1_000_000).map((f) => f.key);
    const removed = keys.slice(0, 3);
    const changed = keys.slice(3, 5);
    const before = new Map<string, Buffer>();
    for (const key of [...removed, ...changed]) before.set(key, await readObject(sb.s3, 'ckf-backups', `mlpipeline/${key}`));
    for (const key of removed) await deleteObject(sb.minio, 'mlpipeline', key);
    for (const key of changed)
      await writeObject(sb.minio, 'mlpipeline', key, Buffer.concat([must(before.get(key), 'before.get(key)'), Buffer.from('appended by a new run')]));

    const run = await runInProcess(syncMinioAction, sb.syncMinioInputs({ 'archive-prefix': 'mlpipeline.archive/run-2' }));
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ 'objects-transferred': '2', 'objects-archived': '5', verified: 'true' });
    const changedBytes = changed.reduce((n, k) => n + must(before.get(k), 'before.get(k)').length + 'appended by a new run'.length, 0);
    expect(run.outputs['bytes-transferred']).toBe(String(changedBytes));

    for (const [key, content] of before) {
      expect(sha(await readObject(sb.s3, 'ckf-backups', `mlpipeline.archive/run-2/${key}`))).toBe(sha(content));
    }
    const mirror = new Set((await listObjects(sb.s3, 'ckf-backups', 'mlpipeline')).map((o) => o.Path));
    for (const key of removed) expect(mirror.has(key)).toBe(false);
    for (const key of changed)
      expect((await readObject(sb.s3, 'ckf-backups', `mlpipeline/${key}`)).toString('latin1').endsWith('appended by a new run')).toBe(true);
  });

  test('dry-run reports the plan and changes nothing', async () => {
    const key = seeded.files.filter((f) => f.size < 1_000_000)[10].key;
    await deleteObject(sb.minio, 'mlpipeline', key);
    const before = await listObjects(sb.s3, 'ckf-backups', '');
    const run = await runInProcess(syncMinioAction, sb.syncMinioInputs({ 'dry-run': 'true', 'archive-prefix': 'mlpipeline.archive/dry' }));
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ 'objects-transferred': '0', 'objects-archived': '1', verified: 'not checked' });
    expect(run.summary).toContain('Would archive');
    expect(run.summary).toContain(key);
    expect(await listObjects(sb.s3, 'ckf-backups', '')).toEqual(before);
  });

  test('an empty source over a non-empty target is refused and the target is untouched', async () => {
    await rclone([sb.minio], ['mkdir', 'minio:wiped']);
    const before = await listObjects(sb.s3, 'ckf-backups', 'mlpipeline');
    const run = await runInProcess(syncMinioAction, sb.syncMinioInputs({ 'minio-bucket': 'wiped' }));
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::error::sync-minio failed: the source bucket 'wiped' is empty but s3:\/\/ckf-backups\/mlpipeline holds objects.*allow-empty-source/,
    );
    expect(await listObjects(sb.s3, 'ckf-backups', 'mlpipeline')).toEqual(before);
  });
});

describe('a first sync into an empty target', () => {
  test('with dry-run, the source is listed in full and every object is planned', async () => {
    const run = await runInProcess(syncMinioAction, sb.syncMinioInputs({ 'dry-run': 'true', 's3-prefix': 'never-synced' }));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`bucket 'mlpipeline' holds`);
    expect(run.summary).toMatch(/<th align="left">Would copy<\/th><td>\d+ objects/);
    expect(run.summary).toContain('<th align="left">Would archive</th><td>0 objects');
    expect(Number(run.outputs['objects-transferred'])).toBeGreaterThan(1000);
    expect(await listObjects(sb.s3, 'ckf-backups', 'never-synced')).toEqual([]);
  });

  /**
   * rclone whose full listing of the source only starts after 60 s (the one-level listing is not
   * held back), and which leaves a file behind if that listing ever got past the wait. With
   * onTerm, a stopped full listing takes that many seconds to exit, and says when it was stopped.
   */
  function slowSourceListing(onTerm?: { seconds: number }) {
    const bin = tempDir('slow-listing-rclone-');
    const listedInFull = path.join(bin, 'listed-in-full');
    const stopped = path.join(bin, 'stopped');
    const hold = onTerm
      ? `trap 'touch ${stopped}; sleep ${onTerm.seconds} </dev/null >/dev/null 2>&1; exit 143' TERM; sleep 60 </dev/null >/dev/null 2>&1 & wait $!`
      : 'sleep 60 </dev/null >/dev/null 2>&1';
    writeFileSync(
      path.join(bin, 'rclone'),
      `#!/bin/sh\nif [ "$1" = lsjson ]; then case " $* " in *" --max-depth "*) ;; *" source:"*) ${hold}; touch ${listedInFull} ;; esac; fi\n` +
        `exec /usr/bin/rclone "$@"\n`,
    );
    chmodSync(path.join(bin, 'rclone'), 0o755);
    return { env: { PATH: `${bin}:${process.env.PATH}` }, listedInFull, stopped };
  }

  test('a source that refuses its credentials is named by the pre-flight, with the full listing stopped', async () => {
    const slow = slowSourceListing();
    const run = await runInProcess(syncMinioAction, sb.syncMinioInputs({ 'minio-secret-key': 'not-the-secret-0000', 's3-prefix': 'never-synced' }), {
      env: slow.env,
    });
    expect(run.code).toBe(1);
    expect(existsSync(slow.listedInFull)).toBe(false);
    expect(run.stdout).toMatch(/::debug::run: rclone lsjson .*source:mlpipeline .*--max-depth 1/);
    expect(run.stdout).toMatch(/source \(MinIO at .*\) failed: the credentials were refused/);
    expect(run.stdout).not.toMatch(/::debug::run: rclone sync /);
    expect(await listObjects(sb.s3, 'ckf-backups', 'never-synced')).toEqual([]);
  });

  test('SIGTERM while the stopped source listing is still exiting is reported as a cancel', async () => {
    const slow = slowSourceListing({ seconds: 2 });
    let sent = false;
    const run = await runInProcess(syncMinioAction, sb.syncMinioInputs({ 's3-prefix': 'never-synced' }), {
      env: slow.env,
      timeoutMs: 60_000,
      onStart: (child) => {
        const poll = setInterval(() => {
          if (!existsSync(slow.stopped)) return;
          clearInterval(poll);
          sent = true;
          child.kill('SIGTERM');
        }, 20);
        child.on('close', () => clearInterval(poll));
      },
    });
    expect(sent).toBe(true);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('SIGTERM received');
    expect(run.stdout).not.toContain('This operation was aborted');
    expect(run.summary).toContain('sync-minio: interrupted');
    expect(run.stdout).not.toMatch(/::debug::run: rclone sync /);
    expect(await listObjects(sb.s3, 'ckf-backups', 'never-synced')).toEqual([]);
  });

  test('copy with verify=false reports what it stored', async () => {
    const small = await seedMlpipeline(sb.minio, 'first-copy', { objects: 30, seed: 9 });
    const slow = slowSourceListing();
    const run = await runInProcess(
      syncMinioAction,
      sb.syncMinioInputs({ 'minio-bucket': 'first-copy', 's3-prefix': 'first-copy', mode: 'copy', verify: 'false' }),
      { env: slow.env },
    );
    expect({ code: run.code, error: run.outputs.error }).toEqual({ code: 0, error: undefined });
    expect(run.stdout).toContain("bucket 'first-copy' answers; not listed in full first");
    expect(existsSync(slow.listedInFull)).toBe(false);
    const stored = await listObjects(sb.s3, 'ckf-backups', 'first-copy');
    expect(stored).toHaveLength(small.objects);
    expect(run.outputs).toMatchObject({
      'objects-transferred': String(small.objects),
      'bytes-transferred': String(total(stored)),
      'objects-archived': '0',
      'objects-checked': '0',
      verified: 'not checked',
    });
  });
});

describe('verification', () => {
  test('an object lost from the target after the copy fails verification, naming it', async () => {
    const small = await seedMlpipeline(sb.minio, 'lossy', { objects: 40, seed: 5 });
    const lost = small.files[7].key;
    // rclone that, once its sync has finished, loses one object from the target
    const bin = tempDir('lossy-rclone-');
    writeFileSync(
      path.join(bin, 'rclone'),
      `#!/bin/sh\n/usr/bin/rclone "$@"; rc=$?\n` +
        `if [ "$1" = sync ]; then /usr/bin/rclone deletefile --config '' 'target:ckf-backups/lossy/${lost}' || exit 99; fi\nexit $rc\n`,
    );
    chmodSync(path.join(bin, 'rclone'), 0o755);
    const run = await runInProcess(syncMinioAction, sb.syncMinioInputs({ 'minio-bucket': 'lossy', 's3-prefix': 'lossy' }), {
      env: { PATH: `${bin}:${process.env.PATH}` },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`verification failed: 1 of ${small.objects} source objects are missing or different in size in the target`);
    expect(run.stdout).toContain(`+ ${lost}`);
    // where it archived is said as soon as it is known, so a failed run says it too
    expect(run.outputs).toEqual({
      'archive-prefix': expect.stringMatching(/^lossy\.archive\/\d{8}T\d{6}Z$/),
      error: expect.stringContaining(`verification failed: 1 of ${small.objects} source objects are missing`),
    });
    expect(run.summary).toMatch(/failed during verify/);
  });
});

describe('secrets', () => {
  test('neither secret reaches stdout, stderr, the summary, the outputs or any rclone argv', async () => {
    await seedMlpipeline(sb.minio, 'small', { objects: 60, seed: 11 });
    const argvs: string[][] = [];
    let watcher: NodeJS.Timeout | undefined;
    const run = await runActionBundle('sync-minio', sb.syncMinioInputs({ 'minio-bucket': 'small', 's3-prefix': 'small', 'bandwidth-limit': '1M' }), {
      onStart: (child) => {
        watcher = setInterval(() => {
          for (const p of childCommandLines(must(child.pid, 'child.pid'))) if (!argvs.some((a) => a.join(' ') === p.argv.join(' '))) argvs.push(p.argv);
        }, 5);
      },
    });
    clearInterval(watcher);
    expect(run.code).toBe(0);
    expect(argvs.some((a) => a[0] === 'rclone' && a[1] === 'sync')).toBe(true);

    const secrets = Object.values(SANDBOX_SECRETS);
    const masks = run.stdout.split('\n').filter((l) => l.startsWith('::add-mask::'));
    for (const s of secrets) expect(masks).toContain(`::add-mask::${s}`); // the runner hides these lines and masks the value
    const printed = run.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n');
    for (const s of secrets) {
      expect(printed).not.toContain(s);
      expect(run.stderr).not.toContain(s);
      expect(run.summary).not.toContain(s);
      expect(JSON.stringify(run.outputs)).not.toContain(s);
      for (const argv of argvs) expect(argv.join(' ')).not.toContain(s);
    }
  });
});

describe('bad input is refused before rclone starts', () => {
  const fakeBin = tempDir('fake-rclone-');
  const marker = path.join(fakeBin, 'rclone-was-started');
  writeFileSync(path.join(fakeBin, 'rclone'), `#!/bin/sh\ntouch '${marker}'\nexit 1\n`);
  chmodSync(path.join(fakeBin, 'rclone'), 0o755);

  test.each([
    ['s3-bucket', 'my backups'],
    ['s3-bucket', 'bucket;rm -rf /'],
    ['minio-bucket', '$(whoami)'],
    ['minio-bucket', 'ML_Pipeline'],
    ['minio-endpoint', 'not a url'],
    ['minio-endpoint', 'ftp://minio:9000'],
    ['s3-endpoint', 'http://user:pass@s3.example.com'],
    ['transfers', '-4'],
    ['transfers', 'four'],
    ['transfers', '0'],
    ['mode', 'mirror'],
    ['s3-prefix', '../etc'],
    ['s3-prefix', 'mlpipeline/../../x'],
    ['archive-prefix', 'mlpipeline/old'],
    ['bandwidth-limit', '20 MB/s'],
    ['size-only', 'yes'],
    ['s3-server-side-encryption', 'DES'],
  ])('%s = %j', async (input, value) => {
    const run = await runInProcess(syncMinioAction, sb.syncMinioInputs({ [input]: value }), {
      env: { PATH: `${fakeBin}:${process.env.PATH}` },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`::error::sync-minio failed: .*Input '${input}'`));
    expect(existsSync(marker)).toBe(false);
  });

  test('every problem is reported at once', async () => {
    const run = await runActionBundle('sync-minio', sb.syncMinioInputs({ transfers: 'x', mode: 'y', 's3-bucket': 'A B' }));
    expect(run.stdout).toContain('3 inputs are invalid');
  });
});

describe('errors name the side that failed', () => {
  test.each([
    [
      'target unreachable',
      async () => ({ 's3-endpoint': `http://127.0.0.1:${await closedPort()}` }),
      /target \(S3 at http:\/\/127\.0\.0\.1:\d+\) failed: it could not be reached/,
    ],
    ['target credentials wrong', async () => ({ 's3-secret-access-key': 'not-the-secret-0000' }), /target \(S3 at .*\) failed: the credentials were refused/],
    [
      'source unreachable',
      async () => ({ 'minio-endpoint': `http://127.0.0.1:${await closedPort()}` }),
      /source \(MinIO at .*\) failed: it could not be reached/,
    ],
    ['source credentials wrong', async () => ({ 'minio-secret-key': 'not-the-secret-0000' }), /source \(MinIO at .*\) failed: the credentials were refused/],
    ['target bucket missing', async () => ({ 's3-bucket': 'no-such-bucket' }), /target \(S3 at .*\) failed: the bucket does not exist/],
  ])('%s', async (_name, inputs, message) => {
    const run = await runInProcess(syncMinioAction, sb.syncMinioInputs(await inputs()));
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(message);
  });
});

describe('a side that stops answering mid-sync', () => {
  test.each([
    ['target', () => sb.s3, /the target \(S3 at [^)]+\) does not answer \(a listing of bucket 'ckf-backups' got no answer in 20 s\)/],
    ['source', () => sb.minio, /the source \(MinIO at [^)]+\) does not answer \(a listing of bucket 'mlpipeline' got no answer in 20 s\)/],
  ])('the %s: the sync fails within a minute, naming it, with the summary written', async (side, server, named) => {
    let faulted = 0;
    const started = Date.now();
    try {
      const run = await runInProcess(
        syncMinioAction,
        sb.syncMinioInputs({ 's3-prefix': `stalled-${side}`, 'bandwidth-limit': '4M', 'progress-interval-seconds': '1', 'stall-timeout-seconds': '10' }),
        {
          timeoutMs: 120_000,
          onLine: (line) => {
            // Once bytes move, every request to that side hangs for two minutes, as a dead peer's would.
            if (!faulted && /progress: [1-9][\d.]* [KM]iB of/.test(line)) {
              faulted = Date.now();
              void server().faults([{ method: '*', delayMs: 120_000 }]);
            }
          },
        },
      );
      expect(faulted).toBeGreaterThan(0);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/rclone sync moved nothing for 10 s \(stall-timeout-seconds\) and was stopped/);
      expect(run.stdout).toMatch(named);
      expect(run.stdout).toMatch(/\d+ objects were copied and \d+ archived before it stopped/);
      expect(Date.now() - faulted).toBeLessThan(60_000);
      expect(run.summary).toContain('sync-minio: failed');
      expect(run.summary).toContain('does not answer');
    } finally {
      await server().faults([]);
    }
    expect(Date.now() - started).toBeLessThan(120_000);
  });
});

describe('cancellation', () => {
  test('SIGTERM during a transfer stops rclone, exits non-zero and leaves a summary of what was done', async () => {
    let sent = 0;
    let rclonePid = 0;
    const run = await runActionBundle(
      'sync-minio',
      sb.syncMinioInputs({ 's3-prefix': 'cancelled', 'bandwidth-limit': '8M', 'progress-interval-seconds': '1' }),
      {
        timeoutMs: 60_000,
        onStart: (child) => {
          let out = '';
          must(child.stdout, 'child.stdout').on('data', (d) => {
            out += d;
            if (!sent && /progress: [1-9][\d.]* [KM]iB of/.test(out)) {
              rclonePid = childCommandLines(must(child.pid, 'child.pid')).find((p) => p.argv[1] === 'sync')?.pid ?? 0;
              sent = Date.now();
              child.kill('SIGTERM');
            }
          });
        },
      },
    );
    expect(sent).toBeGreaterThan(0);
    expect(Date.now() - sent).toBeLessThan(7_500);
    expect(run.code).toBe(1);
    expect(rclonePid).toBeGreaterThan(0);
    expect(isAlive(rclonePid)).toBe(false);
    expect(run.stdout).toContain('SIGTERM received');
    expect(run.summary).toContain('sync-minio: interrupted');
    expect(run.summary).toMatch(/Last progress<\/th><td>[1-9][\d.]* [KM]iB of/);
    expect(run.summary).toMatch(/Objects transferred<\/th><td>\d+/);
  });
});
