import { ActionError, type Logger } from '@ml-backup-actions/core';
import { describeExit, diagnose, PROBLEM_HINTS, remotePath, type Rclone, type S3Remote } from '@ml-backup-actions/rclone';
import type { SyncMinioConfig } from './config.js';

export interface SideState {
  /** Top-level entries under the listed path: 0 means empty. */
  entries: number;
}

const PROBE_FLAGS = ['--max-depth', '1', '--low-level-retries', '2', '--retries', '1', '--contimeout', '15s', '--timeout', '60s'];

/** Lists one level of a side, so that an unreachable side or refused credentials fail here, named. */
export async function probe(rclone: Rclone, remote: S3Remote, bucket: string, prefix: string, signal: AbortSignal): Promise<SideState> {
  const path = remotePath(remote, bucket, prefix);
  const run = await rclone.run('lsf', [path, ...PROBE_FLAGS], { signal, captureStdout: true });
  if (run.aborted) throw signal.reason;
  if (run.code !== 0) {
    const detail = run.errors.join('\n');
    const problem = run.code === 3 && !prefix ? 'bucket-missing' : diagnose(detail);
    throw new ActionError(
      `${remote.label} failed: ${PROBLEM_HINTS[problem]} (bucket '${bucket}'; rclone ${describeExit(run.code)}): ${lastLine(detail)}`,
    );
  }
  return { entries: run.stdout.length };
}

/** rclone's version, both sides reachable with their credentials, and the guard against a wiped source. */
export async function preflight(config: SyncMinioConfig, rclone: Rclone, sides: { source: S3Remote; target: S3Remote }, log: Logger, signal: AbortSignal) {
  const [version, source, target] = await Promise.all([
    rclone.version(signal),
    probe(rclone, sides.source, config.minio.bucket, '', signal),
    probe(rclone, sides.target, config.s3.bucket, config.s3.prefix, signal),
  ]);
  log.info(`rclone ${version}${rclone.caBundle ? ' (CA bundle from AWS_CA_BUNDLE passed as --ca-cert)' : ''}`);
  log.info(`${sides.source.label}: bucket '${config.minio.bucket}' is reachable${source.entries ? '' : ' and empty'}`);
  log.info(`${sides.target.label}: s3://${config.s3.bucket}/${config.s3.prefix} is reachable${target.entries ? ' and holds objects' : ' and empty'}`);
  if (!source.entries && target.entries) {
    if (!config.allowEmptySource) {
      throw new ActionError(
        `the source bucket '${config.minio.bucket}' is empty but s3://${config.s3.bucket}/${config.s3.prefix} holds objects. ` +
          'That is what a wiped MinIO looks like, so nothing was changed. If the bucket really is meant to be empty, ' +
          `set allow-empty-source: true (the target's objects would then be moved under ${config.archivePrefix}).`,
      );
    }
    log.warning(`the source is empty and allow-empty-source is true: the target's objects will be moved under ${config.archivePrefix}`);
  }
  return { source, target };
}

function lastLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim());
  return lines.at(-1)?.trim() ?? 'no message';
}
