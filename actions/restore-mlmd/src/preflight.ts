import { Writable } from 'node:stream';
import path from 'node:path';
import { ActionError, HashingFileWriter } from '@ml-backup-actions/core';
import { mlmdSchemaVersion } from '@ml-backup-actions/sqlite';
import type { RestoreMlmdRun } from './clients.js';
import { safetyNames } from './config.js';
import { Pebble, type FileInfo } from './pebble.js';
import type { Source } from './report.js';
import { readSource } from './source.js';
import { SERVICE } from './swap.js';

/** The container holding mlmd.db: mlmd-grpc-server on CKF 1.9 and later, mlmd on CKF 1.8. */
export const KNOWN_CONTAINERS = ['mlmd-grpc-server', 'mlmd'];

export interface Checked {
  pebble: Pebble;
  /** The live file's owner and mode: what the restored file is pushed with. */
  owner: FileInfo;
  writerScale: number;
  liveSchemaVersion: number;
  source: Source;
}

/**
 * Read-only, before the writer is touched: the pod and its container, pebble there with the mlmd
 * service active, the live database file (its owner and mode, and its schema version from a copy
 * pulled to the runner), the writer's scale, the backup and its sidecar, and no safety copy of
 * this restore-id in the bucket yet.
 */
export async function preflight(run: RestoreMlmdRun): Promise<Checked> {
  const { config, clients, report, log, signal } = run;
  const { kube, juju, bucket } = clients;
  const pod = await kube.getPod(config.namespace, config.pod);
  const names = pod.containers.map((c) => c.name);
  const container = config.container || KNOWN_CONTAINERS.find((name) => names.includes(name));
  if (!container) {
    throw new ActionError(
      `pod ${config.pod} in namespace ${config.namespace} has no container named ${KNOWN_CONTAINERS.join(' or ')} (it has: ${names.join(', ') || 'none'}); set the container input`,
    );
  }
  const state = pod.containers.find((c) => c.name === container);
  if (!state) throw new ActionError(`container '${container}' (the container input) is not in pod ${config.pod}; its containers are: ${names.join(', ')}`);
  if (pod.phase !== 'Running' || !state.state.startsWith('running')) {
    throw new ActionError(
      `pod ${config.pod} is ${pod.phase} and its container ${container} is ${state.state}; the database can only be restored into a running container`,
    );
  }
  Object.assign(report, { pod: pod.name, container });
  const pebble = new Pebble(kube, { namespace: config.namespace, pod: pod.name, container }, log);

  const [owner, current, scale, source] = await Promise.all([
    pebble.stat(config.dbPath, signal),
    pebble.current(SERVICE, signal),
    juju.applicationScale(config.writerApplication),
    readSource(config, bucket, log),
  ]);
  if (!owner || owner.type !== 'file') {
    throw new ActionError(
      `there is no file at ${config.dbPath} (the db-path input) in container ${container} of pod ${pod.name}; a restore replaces a live database`,
    );
  }
  if (current !== 'active') {
    throw new ActionError(
      `the ${SERVICE} service in ${pebble.where} is ${current}, not active: restore into a server that works now, so that a failed restore can be told from an earlier fault`,
    );
  }
  report.source = source;
  log.info(`restoring ${source.objectUrl} (${source.format}, from ${source.from}): ${source.bytes} bytes, schema version ${source.schemaVersion}`);
  log.info(
    `live database ${config.dbPath} in ${pebble.where}: mode ${owner.permissions}, owner ${owner.user ?? owner.userId}:${owner.group ?? owner.groupId}; ${SERVICE} is active`,
  );
  log.info(`writer ${config.writerApplication} in model ${config.jujuModel}: scale ${scale.scale}`);

  const safety = safetyNames(config);
  for (const key of [safety.object, safety.sidecar]) {
    if ((await bucket.size(key)) !== undefined)
      throw new ActionError(`${bucket.url(key)} already exists; a safety copy is never overwritten: choose another restore-id`);
  }

  // The live database's schema version, read from a copy: the MLMD server serving it expects this one.
  const copy = path.join(run.workDir(), 'preflight-live.db');
  const out = new HashingFileWriter(copy);
  try {
    await pebble.pull(config.dbPath, out as Writable, signal);
  } catch (err) {
    await out.discard();
    throw err;
  }
  const liveSchemaVersion = await mlmdSchemaVersion(copy, { signal, log });
  report.liveSchemaVersion = liveSchemaVersion;
  log.info(`live database: ${out.bytes} bytes, MLMD schema version ${liveSchemaVersion}`);
  if (liveSchemaVersion !== source.schemaVersion) {
    throw new ActionError(
      `the backup has MLMD schema version ${source.schemaVersion}, the live database ${liveSchemaVersion}: the MLMD server would refuse it (FailedPrecondition) and crash-loop, so nothing was changed. ` +
        'Restore a backup taken with the same MLMD version.',
    );
  }
  return { pebble, owner, writerScale: scale.scale, liveSchemaVersion, source };
}
