import { writeFileSync } from 'node:fs';
import { ActionError, errorMessage, type ActionDefinition } from '@ml-backup-actions/core';
import type { Workspace } from '@ml-backup-actions/cdp';
import { CmlApiError, readRecord, takeInventory, type ProjectInventory, type UpgradeRecord } from '@ml-backup-actions/cml';
import { validateCmlClients, type ValidateCmlClients, type ValidateCmlRun } from './clients.js';
import { readConfig, type ValidateCmlConfig } from './config.js';
import { configurationDrift, controlPlaneChecks } from './control-plane.js';
import { compareProjects } from './projects.js';
import { failedChecks, newValidationReport, type Check, type ValidationReport } from './report.js';
import { checkTable, renderSummary } from './summary.js';

/**
 * The runbook's "log in and verify that all projects are available", unattended and read-only:
 * what CDP says of the restored workspace, then its projects through the CML API v2, against
 * backup-cml's record of the original. Any failed check fails the step, so no approval after it opens.
 */
async function validateCml(run: ValidateCmlRun): Promise<void> {
  const { config, report, step, log } = run;
  const v = report.validation;
  const record = readRecord(config.recordFile);
  const restored = await step('control plane', 'The restored workspace, as CDP describes it', async () => {
    const { workspace } = await run.clients.ml.describeWorkspace({ workspaceCrn: config.workspaceCrn }, { signal: run.signal });
    Object.assign(v, {
      workspaceName: workspace.instanceName,
      instanceUrl: workspace.instanceUrl,
      version: workspace.version,
      instanceStatus: workspace.instanceStatus,
    });
    v.checks.push(...controlPlaneChecks(record, workspace, config.expectUrl), ...configurationDrift(record.describeWorkspace, workspace));
    return workspace;
  });
  await step('projects', `The projects of ${restored.instanceName}, against the record`, async () =>
    v.checks.push(...(await projectChecks(run, record, restored))),
  );

  report.phase = 'comparison';
  for (const c of v.checks) {
    const line = `${c.name}: ${c.found}${c.result === 'pass' ? '' : ` (expected ${c.expected})`}`;
    if (c.result === 'warn') log.warning(line);
    else log.info(`${c.result.toUpperCase()} ${line}`);
  }
  writeReport(run, record);
  const failed = failedChecks(v);
  if (failed.length) {
    log.info(`what differs:\n${checkTable(failed)}`);
    throw new ActionError(`${failed.length} of ${v.checks.length} checks failed: ${failed.map((c) => c.name).join(', ')}; the job summary has the table`);
  }
  log.info(`${restored.instanceName} is validated: ${v.checks.length} checks, ${v.projectsFound} projects`);
}

async function projectChecks(run: ValidateCmlRun, record: UpgradeRecord, w: Workspace): Promise<Check[]> {
  const v = run.report.validation;
  const expected = record.inventory;
  if (!expected) {
    return [
      { name: 'Projects', result: 'fail', expected: "the record's inventory", found: `none: ${record.inventoryMissing ?? 'the record has no inventory'}` },
    ];
  }
  v.projectsExpected = expected.projects.length;
  const found = await inventoryOf(run, w);
  if (typeof found === 'string') return [{ name: 'Projects', result: 'fail', expected: `${expected.projects.length} listed`, found }];
  v.projectsFound = found.projects.length;
  const { checks, missing } = compareProjects(expected, found, record.cloud);
  v.missingProjects = missing;
  return checks;
}

/** The restored workspace's projects with the first key it accepts; why not, as a sentence. */
async function inventoryOf(run: ValidateCmlRun, w: Workspace): Promise<ProjectInventory | string> {
  const { config, clients, log, signal, report } = run;
  const keys = [
    { input: 'cml-api-key', key: config.cmlApiKey },
    { input: 'original-cml-api-key', key: config.originalCmlApiKey },
  ].filter((k) => k.key);
  if (!keys.length) return `not listed: no key; give cml-api-key, a CML API v2 key of ${w.instanceUrl} (or original-cml-api-key, the one backup-cml had)`;
  const refused: string[] = [];
  for (const { input, key } of keys) {
    try {
      const inventory = await takeInventory(clients.cml(w.instanceUrl, key), w.instanceUrl, { log, signal });
      report.validation.keyUsed = input;
      return inventory;
    } catch (err) {
      if (!(err instanceof CmlApiError) || (err.status !== 401 && err.status !== 403)) return `not listed: ${errorMessage(err)}`;
      refused.push(`${input} (HTTP ${err.status})`);
      log.info(`${w.instanceUrl} refused ${input} (HTTP ${err.status})${keys.length > refused.length ? '; trying the next key' : ''}`);
    }
  }
  return `not listed: ${w.instanceUrl} refused ${refused.join(' and ')}; create an API key in ${w.instanceUrl} (User Settings > API Keys, audience API) for an MLAdmin user and give it as cml-api-key`;
}

function writeReport(run: ValidateCmlRun, record: UpgradeRecord): void {
  const { config, report } = run;
  const v = report.validation;
  const body = {
    reportVersion: 1,
    kind: 'cml-validation-report',
    writtenAt: new Date().toISOString(),
    validated: failedChecks(v).length === 0,
    expectUrl: config.expectUrl,
    workspace: { crn: config.workspaceCrn, name: v.workspaceName, instanceUrl: v.instanceUrl, version: v.version, instanceStatus: v.instanceStatus },
    original: { crn: record.original.crn, name: record.original.name, instanceUrl: record.original.instanceUrl, version: record.original.version },
    backupCrn: record.backup?.crn,
    projects: { expected: v.projectsExpected, found: v.projectsFound, missing: v.missingProjects, keyUsed: v.keyUsed },
    checks: v.checks,
  };
  writeFileSync(config.reportFile, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
  run.setOutputs({ 'report-file': config.reportFile });
}

export const validateCmlAction: ActionDefinition<ValidateCmlConfig, ValidateCmlClients, ValidationReport> = {
  name: 'validate-cml',
  config: readConfig,
  report: (_config, now) => newValidationReport(now),
  clients: validateCmlClients,
  main: validateCml,
  summary: renderSummary,
  finalOutputs: (_config, report) => {
    const v = report.validation;
    return {
      validated: String(report.status === 'succeeded' && v.checks.length > 0 && failedChecks(v).length === 0),
      ...(v.projectsExpected !== undefined ? { 'projects-expected': String(v.projectsExpected) } : {}),
      ...(v.projectsFound !== undefined ? { 'projects-found': String(v.projectsFound) } : {}),
      'missing-projects': JSON.stringify(v.missingProjects),
    };
  },
};
