import { ActionError } from '@ml-backup-actions/core';
import type { RowCounts } from '@ml-backup-actions/juju';

/**
 * schemas/ckf-backup-set-manifest.v2.json; bump with the schema, never change an earlier version's
 * meaning. Version 2 adds what a restore checks against: each charm backup's cluster name, charm
 * revision and row counts. Version 1 manifests are still read (their sets restore without those checks).
 */
export const MANIFEST_VERSION = 2;
export const READABLE_VERSIONS: readonly number[] = [1, 2];

export type ComponentStatus = 'pending' | 'complete' | 'failed' | 'cancelled' | 'skipped';
export const COMPONENTS = ['databases', 'mlmd', 'mlpipeline'] as const;
export type ComponentName = (typeof COMPONENTS)[number];

export interface Location {
  url?: string;
  bucket: string;
  key: string;
  bytes: number;
  sha256?: string;
}

interface Common {
  status: ComponentStatus;
  error?: string;
  durationSeconds?: number;
}

export interface CharmBackup {
  backupId: string;
  /** Where the charm wrote it: its s3-integrator's settings at backup time. */
  integrator?: string;
  endpoint?: string;
  bucket?: string;
  path?: string;
  /** The InnoDB cluster's name (the charm's cluster-name): a new application restored into must have it. */
  clusterName?: string;
  charmRevision?: number;
  /** COUNT(*) per table of the application databases, on the unit that took the backup, right after it. */
  rowCounts?: RowCounts;
  /** The counts were the same right before the backup: nothing wrote meanwhile, so they are the backup's. */
  rowCountsExact?: boolean;
  countedAt?: string;
  unit?: string;
}

export interface DatabasesComponent extends Common {
  backups?: Record<string, CharmBackup>;
}

export interface MlmdComponent extends Common {
  format?: 'dump' | 'sqlite';
  object?: Location;
  sidecar?: Location;
  dbBytes?: number;
  schemaVersion?: number;
  rowCounts?: Record<string, number>;
  writerPause?: { application?: string; from?: string; to?: string; seconds: number };
}

export interface MlpipelineComponent extends Common {
  bucket?: string;
  prefix?: string;
  objects?: number;
  bytes?: number;
  archivePrefix?: string;
  objectsTransferred?: number;
  objectsArchived?: number;
  verified?: boolean;
}

export interface Verification {
  at: string;
  ok: boolean;
  checks: { what: string; ok: boolean; detail: string }[];
}

export interface Manifest {
  /** Written as MANIFEST_VERSION; a version 1 manifest read back keeps its 1 until it is written again. */
  manifestVersion: number;
  kind: 'ckf-backup-set';
  backupId: string;
  status: 'complete' | 'incomplete';
  model: string;
  target: { bucket: string; endpoint: string; region?: string };
  startedAt: string;
  finishedAt?: string;
  run?: { repository?: string; workflow?: string; runId?: string; runAttempt?: string; sha?: string; url?: string };
  tools: Record<string, string>;
  components: { databases: DatabasesComponent; mlmd: MlmdComponent; mlpipeline: MlpipelineComponent };
  verification?: Verification;
}

/**
 * Records the set's components. A verification vouches for the contents it checked: when the
 * components change, it no longer does, and it is removed (retention trusts only a verified set).
 * Returns true when a verification was removed.
 */
export function recordComponents(manifest: Manifest, components: Manifest['components']): boolean {
  const changed = JSON.stringify(components) !== JSON.stringify(manifest.components);
  manifest.components = components;
  if (!changed || !manifest.verification) return false;
  delete manifest.verification;
  return true;
}

/** The set as it starts: every component pending, so a run stopped anywhere leaves it incomplete. */
export function newManifest(init: Pick<Manifest, 'backupId' | 'model' | 'target' | 'startedAt' | 'run' | 'tools'>): Manifest {
  return {
    manifestVersion: MANIFEST_VERSION,
    kind: 'ckf-backup-set',
    backupId: init.backupId,
    status: 'incomplete',
    model: init.model,
    target: init.target,
    startedAt: init.startedAt,
    ...(init.run ? { run: init.run } : {}),
    tools: init.tools,
    components: { databases: { status: 'pending' }, mlmd: { status: 'pending' }, mlpipeline: { status: 'pending' } },
  };
}

/** complete only when every component is. */
export function overallStatus(m: Manifest): Manifest['status'] {
  return COMPONENTS.every((c) => m.components[c].status === 'complete') ? 'complete' : 'incomplete';
}

/** A manifest as stored, always in the version this code writes: indented JSON, one trailing newline. */
export const manifestText = (m: Manifest): string => `${JSON.stringify({ ...m, manifestVersion: MANIFEST_VERSION }, null, 2)}\n`;

/** The manifest's key: <prefix>/<backup-id>.json. */
export const manifestKey = (prefix: string, backupId: string): string => `${prefix ? `${prefix}/` : ''}${backupId}.json`;

/**
 * Reads a stored manifest, checking what this action relies on (the full contract is the JSON
 * schema, which the tests hold every written manifest to).
 */
export function parseManifest(text: string, where: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ActionError(`${where} is not JSON`);
  }
  const m = raw as Partial<Manifest>;
  if (typeof raw !== 'object' || raw === null || m.kind !== 'ckf-backup-set') throw new ActionError(`${where} is not a ckf-backup-set manifest`);
  if (typeof m.manifestVersion !== 'number' || !READABLE_VERSIONS.includes(m.manifestVersion)) {
    throw new ActionError(
      `${where} has manifestVersion ${JSON.stringify(m.manifestVersion)}; this version of the action reads versions ${READABLE_VERSIONS.join(' and ')}`,
    );
  }
  if (typeof m.backupId !== 'string' || !m.components || COMPONENTS.some((c) => typeof m.components?.[c]?.status !== 'string')) {
    throw new ActionError(`${where} lacks its backupId or a component's status`);
  }
  return m as Manifest;
}
