import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ActionError, containsSecret } from '@ml-backup-actions/core';
import type { Workspace } from '@ml-backup-actions/cdp';
import type { ProjectInventory } from './inventory.js';

/** schemas/cml-upgrade-record.v1.json; bump with the schema, never change v1's meaning. */
export const RECORD_VERSION = 1;

/**
 * What the upgrade needs to know of the original workspace, written by backup-cml before it
 * changes anything: on Azure the original is suspended next and later deleted, so nothing can be
 * asked of it afterwards. No secret is ever in it.
 */
export interface UpgradeRecord {
  recordVersion: typeof RECORD_VERSION;
  kind: 'cml-upgrade-record';
  writtenAt: string;
  cloud: 'AWS' | 'AZURE';
  original: {
    crn: string;
    name: string;
    environmentName: string;
    instanceUrl: string;
    version: string;
    /** The EFS id on AWS, the NFS on Azure. */
    filesystemId: string;
    nfsVersion?: string;
  };
  backup?: { crn: string; name?: string; vaultName?: string };
  /** describeWorkspace's whole answer for the original, as it was before the backup. */
  describeWorkspace: Workspace;
  /** The original's projects through CML API v2; absent when backup-cml had no cml-api-key. */
  inventory?: ProjectInventory;
  /** Why there is no inventory. */
  inventoryMissing?: string;
}

export const DEFAULT_RECORD_NAME = 'cml-upgrade-record.json';

/** The record of an original as describeWorkspace gives it, before the backup and the inventory. */
export function recordOf(workspace: Workspace, now = new Date()): UpgradeRecord {
  return {
    recordVersion: RECORD_VERSION,
    kind: 'cml-upgrade-record',
    writtenAt: now.toISOString(),
    cloud: (workspace.cloudPlatform ?? '').toUpperCase() === 'AZURE' ? 'AZURE' : 'AWS',
    original: {
      crn: workspace.crn,
      name: workspace.instanceName,
      environmentName: workspace.environmentName,
      instanceUrl: workspace.instanceUrl,
      version: workspace.version,
      filesystemId: workspace.filesystemID ?? '',
      ...(workspace.nfsVersion ? { nfsVersion: workspace.nfsVersion } : {}),
    },
    describeWorkspace: workspace,
  };
}

/** The record as given, checked; a clear error naming the input when it is not one. */
export function readRecord(file: string, input = 'record-file'): UpgradeRecord {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ActionError(
      `Input '${input}' names ${file}, which ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}: give the file backup-cml wrote (its record-file output), carried to this job as an artifact.`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ActionError(`Input '${input}' names ${file}, which is not JSON: give the upgrade record backup-cml wrote.`);
  }
  const problem = recordProblem(value);
  if (problem) throw new ActionError(`Input '${input}' names ${file}, which is not a CML upgrade record version ${RECORD_VERSION}: ${problem}.`);
  return value as UpgradeRecord;
}

/** Writes the record whole or not at all (a crash leaves the earlier one); refuses one that would carry a secret. */
export function writeRecord(file: string, record: UpgradeRecord): void {
  const text = `${JSON.stringify(record, null, 2)}\n`;
  if (containsSecret(text)) throw new ActionError('the upgrade record would carry a secret; it was not written');
  mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  writeFileSync(partial, text, { mode: 0o600 });
  renameSync(partial, file);
}

function recordProblem(v: unknown): string | undefined {
  if (!isObject(v)) return 'it is not a JSON object';
  if (v.kind !== 'cml-upgrade-record') return `kind is ${JSON.stringify(v.kind)}, not "cml-upgrade-record"`;
  if (v.recordVersion !== RECORD_VERSION) return `recordVersion is ${JSON.stringify(v.recordVersion)}; this action reads version ${RECORD_VERSION}`;
  if (v.cloud !== 'AWS' && v.cloud !== 'AZURE') return 'cloud must be AWS or AZURE';
  const o = v.original;
  if (!isObject(o)) return 'original is missing';
  for (const f of ['crn', 'name', 'environmentName', 'instanceUrl', 'version', 'filesystemId'] as const) {
    if (typeof o[f] !== 'string') return `original.${f} is missing`;
  }
  if (!isObject(v.describeWorkspace) || typeof v.describeWorkspace.crn !== 'string') return 'describeWorkspace is missing';
  if (v.backup !== undefined && (!isObject(v.backup) || typeof v.backup.crn !== 'string')) return 'backup.crn is missing';
  if (v.inventory !== undefined && (!isObject(v.inventory) || !Array.isArray(v.inventory.projects))) return 'inventory.projects is not a list';
  return undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const RECORD_FILE_FORM = 'a path to a .json file (absolute, or relative to the working directory)';
export const isRecordFile = (v: string): boolean => v.endsWith('.json') && !/[\0\r\n]/.test(v);
