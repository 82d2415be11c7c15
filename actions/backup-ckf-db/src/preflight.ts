import { ActionError } from '@ml-backup-actions/core';
import {
  type ApplicationStatus,
  type CharmS3Location,
  type Juju,
  S3_ENDPOINT,
  describeUnits,
  isActive,
  isDying,
  readS3Location,
  s3IntegratorOf,
  unitsRunningBackup,
} from '@ml-backup-actions/juju';
const NEEDED_ACTIONS = ['get-cluster-status', 'create-backup', 'list-backups'];

export interface Inspected {
  status: ApplicationStatus;
  /** The leader, to run get-cluster-status and list-backups on. */
  leader: string;
  forceDeclared: boolean;
  /** Where the charm will put the backup. */
  location: CharmS3Location;
}

/**
 * Read-only checks for one database before anything is changed: a mysql-k8s application with
 * active units, related to an s3-integrator that has a bucket, a charm that has the actions used
 * here, and no create-backup already running on any of its units.
 */
export async function inspect(juju: Juju, app: string, onStatus: (status: ApplicationStatus) => void): Promise<Inspected> {
  const [status, schema] = await Promise.all([juju.application(app), juju.actionSchema(app)]);
  onStatus(status);
  const where = `"${app}" in model "${juju.model}"`;
  if (status.charmName !== 'mysql-k8s')
    throw new ActionError(
      `${where} runs the ${status.charmName || 'unknown'} charm, not mysql-k8s: only mysql-k8s databases can be backed up with create-backup`,
    );

  const units = Object.values(status.units).filter((u) => !isDying(u));
  if (status.scale === 0 || units.length === 0) throw new ActionError(`${where} has no units (scale ${status.scale}): there is no database to back up`);

  const running = unitsRunningBackup(status);
  if (running.length) {
    throw new ActionError(
      `a create-backup is already running on ${running.join(', ')} (${where}); a second one is never started while one is in progress: wait until "juju status -m ${juju.model} ${app}" no longer shows "Running backup..." and run again`,
    );
  }
  const notActive = units.filter((u) => !isActive(u));
  if (notActive.length) throw new ActionError(`${where} has units that are not active and idle (${describeUnits(status)}); let it settle before a backup`);

  const missing = NEEDED_ACTIONS.filter((a) => !schema[a]);
  if (missing.length)
    throw new ActionError(
      `the charm of ${where} (revision ${status.charmRev ?? '?'}) does not declare ${missing.join(', ')}; it is not a mysql-k8s revision this action supports`,
    );

  const integrator = s3IntegratorOf(status);
  if (!integrator) {
    throw new ActionError(
      `${where} has no relation on ${S3_ENDPOINT}, so its charm has nowhere to write backups ("Missing relation with S3 integrator charm"): deploy s3-integrator, configure it and run juju integrate -m ${juju.model} <s3-integrator> ${app}`,
    );
  }
  const location = await readS3Location(juju, integrator, app);
  const leader = Object.values(status.units).find((u) => u.leader)?.name ?? `${app}/leader`;
  return { status, leader, location, forceDeclared: Boolean(schema['create-backup']?.params.force) };
}
