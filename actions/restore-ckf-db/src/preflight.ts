import { ActionError } from '@ml-backup-actions/core';
import { type CharmBackup } from '@ml-backup-actions/ckf-set';
import {
  type ApplicationStatus,
  type CharmS3Location,
  type Juju,
  describeS3Location,
  describeUnits,
  isActive,
  isDying,
  readS3Location,
  s3IntegratorOf,
} from '@ml-backup-actions/juju';
import type { DbRestore } from './report.js';

/** What a unit of mysql-k8s shows while its charm backs up or restores (backups.py). */
const CHARM_AT_WORK =
  /^(Running backup|Running pre-restore operations|Downloading backup|Preparing for restore backup|Restoring backup|Running point-in-time-recovery|Running post-restore operations)/;

export interface Plan {
  status: ApplicationStatus;
  leader: string;
  location: CharmS3Location;
}

/**
 * Read-only, before anything changes: a mysql-k8s application with active units and no backup or
 * restore running; a charm whose restore takes backup-id; an s3-integrator that points where the
 * backup was written (restore reads from its current settings); the backup listed as finished there.
 */
export async function preflight(
  juju: Juju,
  db: DbRestore,
  recorded: CharmBackup,
  timing: { waitMs: number; intervalMs: number; signal: AbortSignal },
): Promise<Plan> {
  const app = db.application;
  const where = `"${app}" in model "${juju.model}"`;
  const [status, schema] = await Promise.all([juju.application(app), juju.actionSchema(app)]);
  Object.assign(db, { charmRevision: status.charmRev, originalScale: status.scale, backupId: recorded.backupId, recorded });
  if (status.charmName !== 'mysql-k8s') throw new ActionError(`${where} runs the ${status.charmName || 'unknown'} charm, not mysql-k8s`);
  const units = Object.values(status.units).filter((u) => !isDying(u));
  if (!units.length) throw new ActionError(`${where} has no units (scale ${status.scale}): there is nothing to restore into; deploy it with one unit first`);
  const busy = units.filter((u) => CHARM_AT_WORK.test(u.workloadStatus.message ?? ''));
  if (busy.length) {
    throw new ActionError(`the charm is at work on ${busy.map((u) => `${u.name} ("${u.workloadStatus.message}")`).join(', ')}; wait until it ends`);
  }
  const notActive = units.filter((u) => !isActive(u));
  if (notActive.length) {
    throw new ActionError(
      `${where} has units that are not active and idle (${describeUnits(status)}); a unit blocked after a failed restore cannot restore again (see "restore into a new application" in restore-ckf-db's README)`,
    );
  }
  const restore = schema.restore;
  if (!restore?.params['backup-id']) {
    throw new ActionError(
      `the charm of ${where} (revision ${status.charmRev ?? '?'}) declares no restore action with backup-id (juju actions -m ${juju.model} ${app} --schema)`,
    );
  }
  db.restoreParams = Object.keys(restore.params).sort();

  const integrator = s3IntegratorOf(status);
  if (!integrator) {
    throw new ActionError(
      `${where} has no relation on s3-parameters, so its charm cannot read a backup ("Missing relation with S3 integrator charm"): relate the s3-integrator the backup was written through`,
    );
  }
  const location = await readS3Location(juju, integrator, app);
  db.location = location;
  const differs = (['bucket', 'path', 'endpoint'] as const).filter((k) => recorded[k] !== undefined && norm(recorded[k]) !== norm(location[k]));
  if (differs.length) {
    const was = `s3://${recorded.bucket}/${recorded.path ? `${recorded.path}/` : ''} at ${recorded.endpoint}`;
    throw new ActionError(
      `${integrator} points at ${describeS3Location(location)}, but backup ${recorded.backupId} was written to ${was} (${differs.join(', ')} differ); the charm restores from where its s3-integrator points now: juju config -m ${juju.model} ${integrator} bucket=${recorded.bucket} path=${recorded.path ?? ''} endpoint=${recorded.endpoint}`,
    );
  }
  const leader = units.find((u) => u.leader)?.name ?? `${app}/leader`;
  const listed = (await juju.listBackups(leader, timing)).find((b) => b.id === recorded.backupId);
  if (listed?.status !== 'finished') {
    throw new ActionError(
      `backup ${recorded.backupId} is ${listed ? `listed as ${listed.status}` : 'not listed'} by list-backups in ${describeS3Location(location)}; only a finished backup is restored`,
    );
  }
  const cluster = await juju.clusterStatus(leader, timing);
  db.clusterName = cluster.clusterName;
  if (recorded.clusterName && cluster.clusterName && recorded.clusterName.toLowerCase() !== cluster.clusterName.toLowerCase()) {
    db.warnings.push(
      `the backup was taken from cluster ${recorded.clusterName}, ${app} is cluster ${cluster.clusterName}: another cluster's backup (the charm's migrate-a-cluster guide deploys the new application with the source's cluster-name)`,
    );
  }
  if (recorded.charmRevision !== undefined && status.charmRev !== undefined && recorded.charmRevision !== status.charmRev) {
    db.warnings.push(`the backup was taken with charm revision ${recorded.charmRevision}; ${app} runs revision ${status.charmRev}`);
  }
  return { status, leader, location };
}

const norm = (v: string | undefined) => (v ?? '').replace(/^\/+|\/+$/g, '');
