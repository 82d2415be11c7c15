import { Writable } from 'node:stream';
import { ActionError } from '@ml-backup-actions/core';
import type { KubeClient, PodSummary } from '@ml-backup-actions/kube';
import type { BackupMlmdConfig } from './config.js';

/** The container holding mlmd.db: mlmd-grpc-server on CKF 1.9 and later, mlmd on CKF 1.8. */
export const KNOWN_CONTAINERS = ['mlmd-grpc-server', 'mlmd'];

export interface Located {
  pod: PodSummary;
  container: string;
  /** The database file, then its -wal or -journal when present: what the snapshot streams out. */
  files: string[];
}

/** Finds the pod, the container and the database file; reads only. */
export async function locateDatabase(kube: KubeClient, config: BackupMlmdConfig, signal: AbortSignal): Promise<Located> {
  const pod = await kube.getPod(config.namespace, config.pod);
  const names = pod.containers.map((c) => c.name);
  const container = config.container || KNOWN_CONTAINERS.find((name) => names.includes(name));
  if (!container) {
    throw new ActionError(
      `pod ${config.pod} in namespace ${config.namespace} has no container named ${KNOWN_CONTAINERS.join(' or ')} ` +
        `(it has: ${names.join(', ') || 'none'}); set the container input`,
    );
  }
  const state = pod.containers.find((c) => c.name === container);
  if (!state) {
    throw new ActionError(`container '${container}' (the container input) is not in pod ${config.pod}; its containers are: ${names.join(', ')}`);
  }
  if (pod.phase !== 'Running' || !state.state.startsWith('running')) {
    throw new ActionError(
      `pod ${config.pod} is ${pod.phase} and its container ${container} is ${state.state}; the database can only be read from a running container`,
    );
  }
  const files = await existingFiles(kube, config, container, signal);
  if (files[0] !== config.dbPath) {
    throw new ActionError(`there is no file at ${config.dbPath} (the db-path input) in container ${container} of pod ${config.pod}`);
  }
  return { pod, container, files };
}

/** Which of db, db-wal and db-journal exist, asked of the container's own shell (test is a builtin). */
async function existingFiles(kube: KubeClient, config: BackupMlmdConfig, container: string, signal: AbortSignal): Promise<string[]> {
  const lines: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk);
      done();
    },
  });
  const script = 'for f in "$1" "$1-wal" "$1-journal"; do if [ -f "$f" ]; then echo "$f"; fi; done';
  await kube.execToStream({
    namespace: config.namespace,
    pod: config.pod,
    container,
    command: ['sh', '-c', script, 'sh', config.dbPath],
    stdout: out,
    signal,
  });
  return Buffer.concat(lines).toString('utf8').split('\n').filter(Boolean);
}
