/** A status triple as `juju status --format json` prints it (workload, agent or application). */
export interface StatusInfo {
  current: string;
  /** Empty when juju left it out (omitempty). */
  message: string;
  since?: string;
  /** The agent version, on juju-status. */
  version?: string;
  /** "dying" or "dead" while a unit is being removed; absent for a living one. */
  life?: string;
}

export interface UnitStatus {
  name: string;
  workloadStatus: StatusInfo;
  jujuStatus: StatusInfo;
  /** juju leaves "leader" out unless true. */
  leader: boolean;
  address?: string;
  /** The pod name on Kubernetes, e.g. "kfp-db-0". */
  providerId?: string;
  openPorts: string[];
  /** Set instead of the statuses when juju could not read them ({"status-error": ...}). */
  statusError?: string;
}

export interface RelatedApplication {
  relatedApplication: string;
  interface?: string;
  scope?: string;
}

export interface ApplicationStatus {
  name: string;
  charm: string;
  charmName: string;
  charmChannel?: string;
  charmRev?: number;
  /** The desired scale; juju leaves "scale" out at 0. */
  scale: number;
  providerId?: string;
  address?: string;
  exposed: boolean;
  life?: string;
  /** The workload version (e.g. MySQL's). */
  version?: string;
  applicationStatus: StatusInfo;
  /** Endpoint -> related applications. */
  relations: Record<string, RelatedApplication[]>;
  /** Listed units by name; juju leaves "units" out when there are none. */
  units: Record<string, UnitStatus>;
  statusError?: string;
}

export interface ModelStatus {
  name: string;
  type: string;
  controller: string;
  cloud: string;
  region?: string;
  version: string;
  status?: StatusInfo;
}

export interface JujuStatus {
  model: ModelStatus;
  applications: Record<string, ApplicationStatus>;
  /** The controller's clock when the status was taken, as printed ("12:04:55+13:00"). */
  timestamp?: string;
}

/** One present unit and where it is in its life, as waits and progress lines report it. */
export interface UnitState {
  name: string;
  workload: string;
  agent: string;
  message: string;
  dying: boolean;
  leader: boolean;
}

/** What applicationScale returns. */
export interface ApplicationScale {
  /** The desired scale as juju reports it. */
  scale: number;
  /** Units juju lists now, dying ones included, sorted by number. */
  units: string[];
  /** The listed units that are being removed. */
  dying: string[];
}
