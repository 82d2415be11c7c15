import path from 'node:path';
import { formatBytes, HashingFileWriter, type Logger } from '@ml-backup-actions/core';
import type { KubeClient } from '@ml-backup-actions/kube';
import type { SnapshotFile } from './report.js';

export interface SnapshotTarget {
  namespace: string;
  pod: string;
  container: string;
}

/**
 * Streams each file out of the container with `cat` over the exec API into dir, hashing as it
 * arrives. Nothing is written in the pod, and nothing but sh and cat is needed there.
 */
export async function takeSnapshot(
  kube: KubeClient,
  target: SnapshotTarget,
  files: string[],
  dir: string,
  options: { log: Logger; signal: AbortSignal; progressEveryMs: number },
): Promise<SnapshotFile[]> {
  const taken: SnapshotFile[] = [];
  for (const file of files) {
    const out = new HashingFileWriter(path.join(dir, path.posix.basename(file)));
    const started = Date.now();
    const progress = setInterval(() => {
      const seconds = (Date.now() - started) / 1000;
      options.log.info(`taking ${file}: ${formatBytes(out.bytes)} so far, ${formatBytes(out.bytes / seconds)}/s`);
    }, options.progressEveryMs);
    try {
      await kube.execToStream({ ...target, command: ['cat', file], stdout: out, signal: options.signal });
    } catch (err) {
      await out.discard();
      throw err;
    } finally {
      clearInterval(progress);
    }
    const seconds = (Date.now() - started) / 1000;
    options.log.info(`took ${file}: ${formatBytes(out.bytes)} in ${seconds.toFixed(1)} s, sha256 ${out.sha256()}`);
    taken.push({ path: file, bytes: out.bytes, sha256: out.sha256() });
  }
  return taken;
}
