import { writeFileSync } from 'node:fs';
import { ActionError, type ActionDefinition } from '@ml-backup-actions/core';
import { failedChecks, readRecord, validateRestored, type UpgradeRecord } from '@ml-backup-actions/cml';
import { validateCmlClients, type ValidateCmlClients, type ValidateCmlRun } from './clients.js';
import { readConfig, type ValidateCmlConfig } from './config.js';
import { newValidationReport, type ValidationReport } from './report.js';
import { checkTable, renderSummary } from './summary.js';

/**
 * The runbook's "log in and verify that all projects are available", unattended and read-only:
 * what CDP says of the restored workspace, then its projects through the CML API v2, against
 * backup-cml's record of the original. Any failed check fails the step, so no approval after it opens.
 */
async function validateCml(run: ValidateCmlRun): Promise<void> {
  const { config, report, step, log, clients, signal } = run;
  const v = report.validation;
  const record = readRecord(config.recordFile);
  const keys = [
    { input: 'cml-api-key', key: config.cmlApiKey },
    { input: 'original-cml-api-key', key: config.originalCmlApiKey },
  ];
  const found = await step('validate', 'The restored workspace against the record: CDP, then its projects', () =>
    validateRestored(clients, record, config.workspaceCrn, { expectUrl: config.expectUrl, keys, log, signal }),
  );
  const w = found.workspace;
  Object.assign(v, {
    workspaceName: w.instanceName,
    instanceUrl: w.instanceUrl,
    version: w.version,
    instanceStatus: w.instanceStatus,
    checks: found.checks,
    projectsExpected: found.projectsExpected,
    projectsFound: found.projectsFound,
    missingProjects: found.missingProjects,
    keyUsed: found.keyUsed,
  });

  report.phase = 'comparison';
  for (const c of v.checks) {
    const line = `${c.name}: ${c.found}${c.result === 'pass' ? '' : ` (expected ${c.expected})`}`;
    if (c.result === 'warn') log.warning(line);
    else log.info(`${c.result.toUpperCase()} ${line}`);
  }
  writeReport(run, record);
  const failed = failedChecks(v.checks);
  if (failed.length) {
    log.info(`what differs:\n${checkTable(failed)}`);
    throw new ActionError(`${failed.length} of ${v.checks.length} checks failed: ${failed.map((c) => c.name).join(', ')}; the job summary has the table`);
  }
  log.info(`${w.instanceName} is validated: ${v.checks.length} checks, ${v.projectsFound} projects`);
}

function writeReport(run: ValidateCmlRun, record: UpgradeRecord): void {
  const { config, report } = run;
  const v = report.validation;
  const body = {
    reportVersion: 1,
    kind: 'cml-validation-report',
    writtenAt: new Date().toISOString(),
    validated: failedChecks(v.checks).length === 0,
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
      validated: String(report.status === 'succeeded' && v.checks.length > 0 && failedChecks(v.checks).length === 0),
      ...(v.projectsExpected !== undefined ? { 'projects-expected': String(v.projectsExpected) } : {}),
      ...(v.projectsFound !== undefined ? { 'projects-found': String(v.projectsFound) } : {}),
      'missing-projects': JSON.stringify(v.missingProjects),
    };
  },
};
