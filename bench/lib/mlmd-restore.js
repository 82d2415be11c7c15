// @ts-check
// bench/mlmd's restore part: restore-mlmd's dist bundle against the guide's way, on the same
// backup object, through the same emulators. The guide's way (ckf.md §1.6): download the dump,
// writer to 0, copy the dump into the pod, `mv /data/mlmd.db …` and `gzip -dc | sqlite3
// /data/mlmd.db` in the pod (sqlite3 installed there), writer back; the writer is paused from the
// copy-in to the end of the rebuild. Both end with the live file holding the backup's rows,
// checked (untimed) after each run.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { deleteObject, runActionBundle } from '../../sandbox/index.js';
import { rowCounts as mlmdRowCounts } from '../../sandbox/mlmd.js';
import { rcloneEnvFor } from '../../sandbox/s3.js';
import { runProcess } from './proc.js';
import { caArgs, rcloneEnv } from './rclone.js';
import { r3 } from './stats.js';

/** @typedef {Awaited<ReturnType<typeof import('../../sandbox/index.js').startCkf>>} Ckf */
/** @typedef {{ namespace: string, pod: string, container: string, dbPath: string, writer: string, bucket: string }} Names */

/**
 * The guide's restore, each command timed.
 * @param {Ckf} ckf
 * @param {{ key: string, work: string, names: Names, round: number }} options
 */
export async function restoreTheGuidesWay(ckf, { key, work, names, round }) {
  const dir = mkdtempSync(path.join(work, 'guide-restore-'));
  const file = path.posix.basename(key);
  const kc = ['--kubeconfig', ckf.kube.kubeconfigPath, '--cache-dir', path.join(ckf.root, 'kubectl-cache')];
  const kubectlEnv = { ...process.env, KUBECONFIG: '' };
  const moved = `${names.dbPath}.pre-restore-${round}`;
  /** @type {[string, string, string[], { env: NodeJS.ProcessEnv, cwd?: string }][]} */
  const steps = [
    [
      'rclone copy',
      'rclone',
      ['copy', `target:${names.bucket}/${key}`, '.', '--config', '', ...caArgs()],
      { env: rcloneEnv(rcloneEnvFor(ckf.s3, 'target')), cwd: dir },
    ],
    ['scale 0', 'juju', ['scale-application', names.writer, '0'], { env: ckf.juju.env }],
    [
      'kubectl cp',
      'kubectl',
      [...kc, 'cp', '-n', names.namespace, '-c', names.container, `./${file}`, `${names.pod}:/tmp/${file}`],
      { env: kubectlEnv, cwd: dir },
    ],
    [
      'exec: mv; gzip -dc | sqlite3',
      'kubectl',
      [
        ...kc,
        'exec',
        '-n',
        names.namespace,
        names.pod,
        '-c',
        names.container,
        '--',
        '/bin/sh',
        '-c',
        `mv ${names.dbPath} ${moved} && gzip -dc /tmp/${file} | sqlite3 ${names.dbPath}`,
      ],
      { env: kubectlEnv },
    ],
    ['scale 1', 'juju', ['scale-application', names.writer, '1'], { env: ckf.juju.env }],
  ];
  const done = [];
  try {
    for (const [step, cmd, args, options] of steps) {
      const r = await runProcess(cmd, args, options);
      done.push({ step, ...r });
      if (r.code !== 0) throw new Error(`the guide's step '${step}' failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
    }
  } finally {
    if (done.some((d) => d.step === 'scale 0') && !done.some((d) => d.step === 'scale 1' && d.code === 0))
      await ckf.juju.run(['scale-application', names.writer, '1']);
    // Untimed: what the guide leaves in the pod, and the download.
    for (const p of [`/tmp/${file}`, moved]) rmSync(ckf.kube.hostPath(names.pod, names.container, p), { force: true });
    rmSync(dir, { recursive: true, force: true });
  }
  const down = /** @type {{ start: number }} */ (done.find((d) => d.step === 'scale 0'));
  const last = done[done.length - 1];
  return {
    seconds: r3(last.end - done[0].start),
    pause: r3(last.end - down.start),
    steps: done.map((d) => [d.step, r3(d.end - d.start)]),
  };
}

/**
 * restore-mlmd's bundle from the backup's object-url, as a workflow step runs it.
 * @param {Ckf} ckf
 * @param {{ objectUrl: string, round: number, names: Names }} options
 */
export async function restoreTheActionsWay(ckf, { objectUrl, round, names }) {
  const restoreId = `bench-r${round}`;
  const run = await runActionBundle('restore-mlmd', ckf.backupMlmdInputs({ 'object-url': objectUrl, 'restore-id': restoreId }), {
    env: ckf.env,
    timeoutMs: 60 * 60_000,
  });
  if (run.code !== 0) {
    const errors = run.stdout.split('\n').filter((l) => l.startsWith('::error'));
    throw new Error(`restore-mlmd failed (exit ${run.code}):\n${errors.join('\n')}\n${run.stderr}`);
  }
  // Untimed: the safety copy the action keeps of the live database.
  const safety = run.outputs['pre-restore-url'].replace(`s3://${names.bucket}/`, '');
  for (const k of [safety, `${safety}.json`]) await deleteObject(ckf.s3, names.bucket, k);
  return { seconds: r3(run.seconds), pause: Number(run.outputs['writer-paused-seconds']), restoredSha256: run.outputs['restored-sha256'] };
}

/**
 * After a restore: the live file holds the backup's rows, and nothing is left beside it.
 * @param {Ckf} ckf @param {Record<string, number>} expected @param {Names} names @param {string[]} podFiles
 */
export async function checkRestored(ckf, expected, names, podFiles) {
  const live = ckf.kube.hostPath(names.pod, names.container, names.dbPath);
  if (!existsSync(live)) throw new Error(`${names.dbPath} is missing after the restore`);
  const counts = await mlmdRowCounts(live);
  if (JSON.stringify(counts) !== JSON.stringify(expected)) throw new Error(`the restored rows differ: ${JSON.stringify(counts)}`);
  const left = ckf.kube.listFiles(names.pod, names.container);
  if (JSON.stringify(left) !== JSON.stringify(podFiles)) throw new Error(`the pod's files changed: ${JSON.stringify(left)}`);
}
