// backup-mlmd's fault matrix (issue 12): juju, the kube exec of the snapshot, the S3 PUTs of the
// object and its sidecar, the S3 DELETE that removes an unfinished object and the pre-flight's S3
// reads, each slow, failing once and failing always, and a SIGTERM at each step boundary. Whatever
// the row, the run holds: the writer is back at its scale or the error names the command that puts
// it back; no object is stored without its sidecar, and a stored pair is the checked copy; the
// summary is written; a failure exits non-zero, and a success left a whole backup.
import { afterEach, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { listObjects, readObject, startCkf } from '../../sandbox/index.js';
import { backupMlmdAction } from '../../actions/backup-mlmd/src/main.js';
import { type FaultCase, driver, on, sigterm } from '../support/fault-matrix.js';
import { runInProcess, sandboxJuju } from '../support/in-process.js';

type Ckf = Awaited<ReturnType<typeof startCkf>>;
const WRITER = 'kfp-metadata-writer';
const BUCKET = 'ckf-backups';
const COMMAND = `juju scale-application -m kubeflow ${WRITER} 1`;
const UNITS_GONE = `${WRITER} has no units left`;
const objectKey = (id: string) => `mlmd/mlmd-${id}.dump.gz`;

const started: Ckf[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((c) => c.stop()));
});

const slowExec = (ckf: Ckf) => ckf.kube.setExecFault({ bytesPerSecond: 256 * 1024 });
type Rule = Parameters<Ckf['s3']['faults']>[0][number];
const s3Fault = (rule: Rule) => (ckf: Ckf) => ckf.s3.faults([rule]);
const SIDECAR = '.dump.gz.json';

const cases: FaultCase<Ckf>[] = [
  // juju
  {
    name: 'juju scale-application · slow (7 s, beyond its call timeout)',
    fault: 'slow',
    act: on(UNITS_GONE, (c) => c.juju.faults.slow(7000, 'scale-application')),
  },
  // Slow through the pre-flight's status reads only: slow for the whole run, its many waits take minutes.
  {
    name: 'juju status · slow (7 s)',
    fault: 'slow',
    prepare: (c) => c.juju.faults.slow(7000, 'status'),
    act: on('::group::Pause', (c) => c.juju.faults.clear()),
  },
  { name: 'juju · fails once, at the first call', fault: 'fails once', prepare: (c) => c.juju.faults.failNext(1) },
  { name: 'juju · fails once, at the scale-back', fault: 'fails once', act: on(UNITS_GONE, (c) => c.juju.faults.failNext(1)) },
  { name: 'juju · fails always, from the start', fault: 'fails always', prepare: (c) => c.juju.faults.unreachable() },
  { name: 'juju · fails always, once the writer is down', fault: 'fails always', act: on(UNITS_GONE, (c) => c.juju.faults.unreachable()), putBackMs: 3000 },
  // kube exec (the snapshot stream)
  { name: 'kube exec · slow (256 KiB/s past timeout-minutes)', fault: 'slow', prepare: slowExec, inputs: { 'timeout-minutes': '0.1' } },
  {
    name: 'kube exec · fails once (the stream ends early, then is fine)',
    fault: 'fails once',
    prepare: (c) => c.kube.setExecFault({ dropAfterBytes: 500_000 }),
    act: on('::debug::exec `cat', (c) => c.kube.setExecFault(undefined)),
  },
  {
    name: 'kube exec · fails always (every stream ends early)',
    fault: 'fails always',
    prepare: (c) => c.kube.setExecFault({ dropAfterBytes: 500_000, drop: 'status' }),
  },
  // S3: the object's PUT, the sidecar's PUT, the DELETE of an unfinished object, the pre-flight's reads
  {
    name: 'S3 PUT object · slow (8 s, past timeout-minutes)',
    fault: 'slow',
    prepare: s3Fault({ method: 'PUT', match: '.dump.gz', delayMs: 8000 }),
    inputs: { 'timeout-minutes': '0.15' },
  },
  { name: 'S3 PUT object · fails once', fault: 'fails once', prepare: s3Fault({ method: 'PUT', match: '.dump.gz', times: 1, status: 500 }) },
  { name: 'S3 PUT object · fails always', fault: 'fails always', prepare: s3Fault({ method: 'PUT', match: '.dump.gz', status: 500 }) },
  { name: 'S3 PUT sidecar · fails once', fault: 'fails once', prepare: s3Fault({ method: 'PUT', match: SIDECAR, times: 1, status: 500 }) },
  { name: 'S3 PUT sidecar · fails always', fault: 'fails always', prepare: s3Fault({ method: 'PUT', match: SIDECAR, status: 500 }) },
  {
    name: 'S3 DELETE · fails always (the sidecar refused too)',
    fault: 'fails always',
    prepare: (c) =>
      c.s3.faults([
        { method: 'PUT', match: SIDECAR, status: 500 },
        { method: 'DELETE', status: 500 },
      ]),
  },
  { name: 'S3 GET/HEAD (pre-flight) · fails always', fault: 'fails always', prepare: s3Fault({ method: 'GET', status: 500 }) },
  // SIGTERM at each step boundary
  { name: 'SIGTERM · pre-flight', fault: 'SIGTERM', act: sigterm('::group::Pre-flight') },
  { name: 'SIGTERM · writer scaled to 0', fault: 'SIGTERM', act: sigterm(`::debug::juju scale-application: ${WRITER} scaled to 0`) },
  // At 128 KiB/s the 2 MiB copy takes 16 s: a SIGTERM left unheard shows as a run past GitHub's 10 s.
  {
    name: 'SIGTERM · snapshot streaming',
    fault: 'SIGTERM',
    prepare: (c) => c.kube.setExecFault({ bytesPerSecond: 128 * 1024 }),
    act: sigterm('::debug::exec `cat /data/mlmd.db`'),
  },
  { name: 'SIGTERM · writer scaled back, before the check', fault: 'SIGTERM', act: sigterm(/was paused for [\d.]+ s/) },
  { name: 'SIGTERM · check and compress', fault: 'SIGTERM', act: sigterm('::group::Check the copy') },
  { name: 'SIGTERM · upload of the object', fault: 'SIGTERM', inputs: { 'bandwidth-limit': '200K' }, act: sigterm('::group::Compressed copy: upload') },
  {
    name: 'SIGTERM · between the object and its sidecar',
    fault: 'SIGTERM',
    // Held past the run's end: S3 stores a cut-off PUT whose body it has, and a sidecar is small.
    prepare: s3Fault({ method: 'PUT', match: SIDECAR, delayMs: 12_000 }),
    poll: async (c, child) => {
      const keys = (await listObjects(c.s3, BUCKET, 'mlmd')).map((o: { Path: string }) => `mlmd/${o.Path}`);
      return keys.some((k: string) => k.endsWith('.dump.gz')) && child.kill('SIGTERM');
    },
  },
  { name: 'SIGTERM · waiting for the writer to be back', fault: 'SIGTERM', act: sigterm('::group::Wait for') },
];

describe('backup-mlmd fault matrix', () => {
  test.each(cases)('$name', async (c) => {
    const ckf = await startCkf({ dbBytes: 2 * 1024 * 1024 });
    started.push(ckf);
    const id = 'fm-1';
    await c.prepare?.(ckf);
    const d = driver(c, ckf);
    const run = await runInProcess(backupMlmdAction, ckf.backupMlmdInputs({ 'backup-id': id, ...c.inputs }), {
      env: ckf.env,
      timeoutMs: 120_000,
      putBackMs: c.putBackMs,
      onLine: d.onLine,
      clients: (config, context) => ({ ...backupMlmdAction.clients(config, context), juju: sandboxJuju(config.jujuModel, context) }),
    }).finally(d.stop);
    await ckf.s3.faults([]);
    ckf.juju.faults.clear();
    expect(d.state.acted).toBe(true);
    // GitHub sends SIGKILL 10 s after its first signal (7.5 s to SIGTERM, then 2.5 s).
    if (c.fault === 'SIGTERM') expect(Date.now() - d.state.at).toBeLessThan(10_000);
    if (process.env.FM_DEBUG) console.log(run.stdout);

    // The summary, on every path.
    expect(run.summary).toMatch(/backup-mlmd: (succeeded|failed|interrupted|timed out)/);
    // No object without its sidecar (unless the run failed saying so: S3 refused to delete it, or a
    // cut-off upload may be stored after its delete),
    // no sidecar without its object; a stored pair is the checked copy.
    const keys = (await listObjects(ckf.s3, BUCKET, 'mlmd')).map((o: { Path: string }) => `mlmd/${o.Path}`).sort();
    const orphans = keys.filter((k: string) => k.endsWith('.dump.gz') && !keys.includes(`${k}.json`));
    for (const key of orphans) {
      expect(run.code).not.toBe(0);
      const said = [
        `::error::s3://${BUCKET}/${key} may be stored without its sidecar and could not be removed`,
        `::warning::s3://${BUCKET}/${key} may be stored without its sidecar: its upload was cut off`,
      ];
      expect(said.filter((line) => run.stdout.includes(line))).toHaveLength(1);
    }
    const objects = keys.filter((k: string) => k.endsWith('.dump.gz') && !orphans.includes(k));
    expect(keys.filter((k: string) => !orphans.includes(k))).toEqual(objects.flatMap((k: string) => [k, `${k}.json`]).sort());
    for (const key of objects) {
      const sidecar = JSON.parse(String(await readObject(ckf.s3, BUCKET, `${key}.json`)));
      const body = await readObject(ckf.s3, BUCKET, key);
      expect({ bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') }).toEqual({
        bytes: sidecar.object['size-bytes'],
        sha256: sidecar.object.sha256,
      });
    }
    const writerBack = ckf.juju.scale(WRITER) === 1;
    if (run.code === 0) {
      expect(c.fault === 'slow' || c.fault === 'fails once').toBe(true);
      expect(objects).toEqual([objectKey(id)]);
      expect(run.outputs.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(writerBack).toBe(true);
      expect(run.summary).toMatch(/backup-mlmd: succeeded/);
    } else {
      expect(run.stdout).toMatch(/::error::backup-mlmd failed: /);
      expect(run.outputs.error).toBeTruthy();
      expect(run.summary).toMatch(/backup-mlmd: (failed|interrupted|timed out)/);
      // Put back, or named: what is not back, and the command that puts it back.
      if (!writerBack) {
        expect(run.stdout).toContain(`NOT PUT BACK; run: ${COMMAND}`);
        expect(run.summary).toContain(COMMAND);
      }
      // A failed run's object was removed, unless the pair was whole before it failed.
      if (objects.length) expect(run.outputs['sidecar-url']).toBe(`s3://${BUCKET}/${objectKey(id)}.json`);
    }
  });
});
