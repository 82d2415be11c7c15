import { JujuError, type CallOptions, type JujuCli } from './cli.js';
import { checkApplicationName } from './names.js';
import type { ApplicationStatus, JujuStatus, RelatedApplication, StatusInfo, UnitStatus } from './types.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Parses `juju status --format json`. Keys juju leaves out when empty (scale, units, leader,
 * message, relations) come back as 0, {}, false, '' and {}; an entity juju could not read
 * ({"status-error": ...}) keeps its error in statusError.
 */
export function parseStatus(raw: unknown): JujuStatus {
  if (!isObj(raw) || !isObj(raw.model) || !('applications' in raw)) {
    throw new JujuError('unexpected-output', 'juju status did not print a status document (no "model" and "applications")');
  }
  const m = raw.model;
  const applications: Record<string, ApplicationStatus> = {};
  for (const [name, app] of Object.entries(isObj(raw.applications) ? raw.applications : {})) {
    applications[name] = parseApplication(name, isObj(app) ? app : {});
  }
  return {
    model: {
      name: str(m.name) ?? '',
      type: str(m.type) ?? '',
      controller: str(m.controller) ?? '',
      cloud: str(m.cloud) ?? '',
      region: str(m.region),
      version: str(m.version) ?? '',
      status: isObj(m['model-status']) ? parseStatusInfo(m['model-status']) : undefined,
    },
    applications,
    timestamp: isObj(raw.controller) ? str(raw.controller.timestamp) : undefined,
  };
}

export function parseStatusInfo(v: unknown): StatusInfo {
  const o = isObj(v) ? v : {};
  const current = str(o.current) ?? (str(o['status-error']) ? 'unknown' : '');
  return {
    current,
    message: str(o.message) ?? str(o['status-error']) ?? '',
    since: str(o.since),
    version: str(o.version),
    life: str(o.life),
  };
}

function parseApplication(name: string, a: Obj): ApplicationStatus {
  const units: Record<string, UnitStatus> = {};
  for (const [unit, u] of Object.entries(isObj(a.units) ? a.units : {})) units[unit] = parseUnit(unit, isObj(u) ? u : {});
  const relations: Record<string, RelatedApplication[]> = {};
  for (const [endpoint, list] of Object.entries(isObj(a.relations) ? a.relations : {})) {
    relations[endpoint] = (Array.isArray(list) ? list : []).map((r) =>
      // Juju 3 prints objects; Juju 2.9 printed the related application names only.
      isObj(r)
        ? { relatedApplication: str(r['related-application']) ?? '', interface: str(r.interface), scope: str(r.scope) }
        : { relatedApplication: String(r) },
    );
  }
  return {
    name,
    charm: str(a.charm) ?? '',
    charmName: str(a['charm-name']) ?? str(a.charm) ?? '',
    charmChannel: str(a['charm-channel']),
    charmRev: typeof a['charm-rev'] === 'number' ? a['charm-rev'] : undefined,
    scale: typeof a.scale === 'number' ? a.scale : 0,
    providerId: str(a['provider-id']),
    address: str(a.address),
    exposed: a.exposed === true,
    life: str(a.life),
    version: str(a.version),
    applicationStatus: parseStatusInfo(a['application-status']),
    relations,
    units,
    statusError: str(a['status-error']),
  };
}

function parseUnit(name: string, u: Obj): UnitStatus {
  return {
    name,
    workloadStatus: parseStatusInfo(u['workload-status']),
    jujuStatus: parseStatusInfo(u['juju-status']),
    leader: u.leader === true,
    address: str(u.address),
    providerId: str(u['provider-id']),
    openPorts: Array.isArray(u['open-ports']) ? u['open-ports'].map(String) : [],
    statusError: str(u['status-error']),
  };
}

/** `juju status --format json [apps...]`; each named application must be in the model. */
export async function readStatus(cli: JujuCli, apps: readonly string[] = [], options: CallOptions = {}): Promise<JujuStatus> {
  apps.forEach(checkApplicationName);
  const status = parseStatus(await cli.callJson('status', apps, options));
  // A selector that matches nothing is not an error for juju: the output just lacks it.
  for (const app of apps) {
    if (!status.applications[app])
      throw new JujuError(
        'application-not-found',
        `application "${app}" was not found in model "${cli.model}"; check the name against "juju status -m ${cli.model}"`,
      );
  }
  return status;
}

/** One application's status (its related applications are left out). */
export async function readApplication(cli: JujuCli, app: string, options: CallOptions = {}): Promise<ApplicationStatus> {
  const status = await readStatus(cli, [app], options);
  return status.applications[app];
}
