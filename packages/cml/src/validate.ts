import { errorMessage, type Logger } from '@ml-backup-actions/core';
import type { MlApi, Workspace } from '@ml-backup-actions/cdp';
import { CmlApiError, type CmlApi } from './api.js';
import { configurationDrift, controlPlaneChecks, type Check, type ExpectUrl } from './checks.js';
import { compareProjects, type MissingProject } from './compare-projects.js';
import { takeInventory, type ProjectInventory } from './inventory.js';
import type { UpgradeRecord } from './record.js';

/** A key to try, and the input it came from (named in the report, never the key). */
export interface KeyChoice {
  input: string;
  key: string;
}

export interface Validation {
  workspace: Workspace;
  checks: Check[];
  projectsExpected?: number;
  projectsFound?: number;
  missingProjects: MissingProject[];
  keyUsed?: string;
}

export const failedChecks = (checks: readonly Check[]): Check[] => checks.filter((c) => c.result === 'fail');

/**
 * A restored workspace against the upgrade record (reference/cml-restore.md §5), read only: what
 * CDP says of it, then its projects through the CML API v2 with the first key it accepts. What
 * validate-cml reports and what delete-cml requires, right before it deletes, as its proof.
 */
export async function validateRestored(
  clients: { ml: MlApi; cml(instanceUrl: string, apiKey: string): CmlApi },
  record: UpgradeRecord,
  workspaceCrn: string,
  options: { expectUrl: ExpectUrl; keys: KeyChoice[]; log: Logger; signal?: AbortSignal },
): Promise<Validation> {
  const { workspace } = await clients.ml.describeWorkspace({ workspaceCrn }, { signal: options.signal });
  const v: Validation = {
    workspace,
    checks: [...controlPlaneChecks(record, workspace, options.expectUrl), ...configurationDrift(record.describeWorkspace, workspace)],
    missingProjects: [],
  };
  const expected = record.inventory;
  if (!expected) {
    v.checks.push({
      name: 'Projects',
      result: 'fail',
      expected: "the record's inventory",
      found: `none: ${record.inventoryMissing ?? 'the record has no inventory'}`,
    });
    return v;
  }
  v.projectsExpected = expected.projects.length;
  const found = await inventoryOf(clients, workspace, options);
  if (typeof found === 'string') {
    v.checks.push({ name: 'Projects', result: 'fail', expected: `${expected.projects.length} listed`, found });
    return v;
  }
  v.keyUsed = found.keyUsed;
  v.projectsFound = found.inventory.projects.length;
  const { checks, missing } = compareProjects(expected, found.inventory, record.cloud);
  v.checks.push(...checks);
  v.missingProjects = missing;
  return v;
}

/** The workspace's projects with the first key it accepts; why not, as a sentence. */
async function inventoryOf(
  clients: { cml(instanceUrl: string, apiKey: string): CmlApi },
  w: Workspace,
  options: { keys: KeyChoice[]; log: Logger; signal?: AbortSignal },
): Promise<{ inventory: ProjectInventory; keyUsed: string } | string> {
  const { log, signal } = options;
  const keys = options.keys.filter((k) => k.key);
  if (!keys.length) return `not listed: no key; give ${options.keys.map((k) => k.input).join(' or ')}, a CML API v2 key of ${w.instanceUrl}`;
  const refused: string[] = [];
  for (const { input, key } of keys) {
    try {
      return { inventory: await takeInventory(clients.cml(w.instanceUrl, key), w.instanceUrl, { log, signal }), keyUsed: input };
    } catch (err) {
      if (!(err instanceof CmlApiError) || (err.status !== 401 && err.status !== 403)) return `not listed: ${errorMessage(err)}`;
      refused.push(`${input} (HTTP ${err.status})`);
      log.info(`${w.instanceUrl} refused ${input} (HTTP ${err.status})${keys.length > refused.length ? '; trying the next key' : ''}`);
    }
  }
  return `not listed: ${w.instanceUrl} refused ${refused.join(' and ')}; create an API key in ${w.instanceUrl} (User Settings > API Keys, audience API) for an MLAdmin user and give it as ${keys[0].input}`;
}
