// Where a charm writes its backups: the s3-integrator related on its s3-parameters endpoint, and
// that integrator's settings now. mysql-k8s's create-backup, list-backups and restore all use the
// integrator's current settings, so a restore reads from where the integrator points today.
import { JujuError } from '../cli.js';
import type { Juju } from '../juju.js';
import type { ApplicationStatus } from '../types.js';

/** The relation endpoint mysql-k8s takes its S3 settings from (an s3-integrator on the other side). */
export const S3_ENDPOINT = 's3-parameters';

export interface CharmS3Location {
  integrator: string;
  endpoint: string;
  bucket: string;
  /** The key prefix, without leading or trailing "/" (the charm strips them). */
  path: string;
}

/** The s3-integrator related to the application, or undefined. */
export const s3IntegratorOf = (status: ApplicationStatus): string | undefined => status.relations[S3_ENDPOINT]?.[0]?.relatedApplication;

/** `juju config <integrator> --format json`: where the charm reads and writes backups. */
export async function readS3Location(juju: Juju, integrator: string, app: string): Promise<CharmS3Location> {
  const raw = (await juju.callJson('config', [integrator], { subject: integrator })) as { settings?: Record<string, { value?: unknown }> };
  const value = (key: string): string => {
    const v = raw.settings?.[key]?.value;
    return v === undefined || v === null ? '' : String(v).trim();
  };
  const location = {
    integrator,
    endpoint: value('endpoint').replace(/\/+$/, '') || 'https://s3.amazonaws.com',
    bucket: value('bucket').replace(/^\/+|\/+$/g, ''),
    path: value('path').replace(/^\/+|\/+$/g, ''),
  };
  if (!location.bucket) {
    throw new JujuError(
      'failed',
      `${integrator}, the s3-integrator of ${app}, has no bucket configured: run juju config -m ${juju.model} ${integrator} bucket=<bucket> path=<path>`,
    );
  }
  return location;
}

/** "s3://bucket/path/ at endpoint (through integrator)". */
export function describeS3Location(l: CharmS3Location | undefined): string {
  return l ? `s3://${l.bucket}/${l.path ? `${l.path}/` : ''} at ${l.endpoint} (through ${l.integrator})` : 'an unknown S3 location';
}
