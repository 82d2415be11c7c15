// validate-cml against the CDP emulator and its CML API v2: backup (with the project inventory),
// restore into an interim workspace, validate. What CDP says and what the workspace lists are
// compared with the record; a lost project, an unhealthy resource, a wrong URL or a refused key
// fail the step, naming what differs; the restored workspace is only ever read.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import { runActionBundle } from '../../sandbox/index.js';
import { restoreCmlAction } from '../../actions/restore-cml/src/main.js';
import { restoreCmlClients } from '../../actions/restore-cml/src/clients.js';
import { validateCmlAction } from '../../actions/validate-cml/src/main.js';
import type { UpgradeRecord } from '../../packages/cml/src/index.js';
import { CML_WORKSPACES, cmlSandbox, shown, type Cdp } from '../support/cml.js';
import { runInProcess } from '../support/in-process.js';
import { must } from '../support/must.js';

const stops: (() => unknown)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

/** Backed up with the original's key, restored into ml-interim; validate runs against it. */
async function restoredInterim(cloud: 'aws' | 'azure', prepare?: (cdp: Cdp) => void) {
  const { cdp, dir, cdpInputs, backup } = await cmlSandbox(stops, { timeScale: 20_000, restoreSeconds: 10 * 3600 });
  const record = path.join(dir, 'record.json');
  const originalKey = cdp.cmlApiKey(CML_WORKSPACES[cloud]['workspace-name']);
  const b = await backup({ ...CML_WORKSPACES[cloud], 'record-file': record, 'cml-api-key': originalKey });
  expect(b.code).toBe(0);
  prepare?.(cdp);
  const restore = await runInProcess(
    restoreCmlAction,
    {
      ...cdpInputs,
      'record-file': record,
      'workspace-name': 'ml-interim',
      'workspace-parameters': '{"usePublicLoadBalancer":false}',
      'progress-interval-minutes': '0.01',
    },
    {
      env: { HOME: '/nonexistent' },
      timeoutMs: 60_000,
      clients: (config, context) => ({ ...restoreCmlClients(config, context), goneConfirmMs: 50, lookForMs: 50 }),
    },
  );
  expect(restore.stdout).not.toMatch(/::error::/);
  expect(restore.code).toBe(0);
  const crn = must(restore.outputs['workspace-crn'], 'workspace-crn');
  const validate = (more: Record<string, string>) =>
    runInProcess(
      validateCmlAction,
      { ...cdpInputs, 'workspace-crn': crn, 'record-file': record, 'expect-url': 'different', 'original-cml-api-key': originalKey, ...more },
      { env: { HOME: '/nonexistent', RUNNER_TEMP: dir }, timeoutMs: 60_000 },
    );
  return { cdp, dir, record, crn, originalKey, restore, validate, cdpInputs };
}

const requestsTo = (cdp: Cdp, crn: string): { method: string }[] => cdp.cmlRequests.filter((r: { workspaceCrn?: string }) => r.workspaceCrn === crn);

describe('validate-cml', () => {
  test.each(['aws', 'azure'] as const)('%s: backup, restore into an interim, validate: every check passes, read only', async (cloud) => {
    const { cdp, crn, originalKey, restore, validate, record } = await restoredInterim(cloud);
    expect(restore.stdout).toMatch(/still waiting for the restore of ml-interim after .*: status (provision|installation):started/);
    const run = await validate({});
    expect(run.stdout).not.toMatch(/::error::/);
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ validated: 'true', 'projects-expected': '12', 'projects-found': '12', 'missing-projects': '[]' });
    expect(run.summary).toMatch(/validate-cml: validated/);
    const report = JSON.parse(readFileSync(must(run.outputs['report-file'], 'report-file'), 'utf8'));
    expect(report).toMatchObject({ kind: 'cml-validation-report', validated: true, workspace: { crn }, projects: { expected: 12, found: 12, missing: [] } });
    const names = report.checks.map((c: { name: string }) => c.name);
    expect(names).toEqual(expect.arrayContaining(['Ready', 'Health', 'Restored from a backup', 'Version', 'URL (its own)', 'Projects']));
    expect(names).toContain(cloud === 'azure' ? "NFS (the original's)" : 'File system (its own)');
    // On Azure the interim shares the NFS: the restored scheduled job is flagged, not hidden.
    if (cloud === 'azure') expect(run.stdout).toMatch(/::warning::Writers to the shared NFS: .*churn-model: scheduled job nightly-train/);
    else expect(run.stdout).not.toMatch(/Writers to the shared NFS/);
    // Read only: the runbook forbids writes in the interim.
    const calls = requestsTo(cdp, crn);
    expect(calls.length).toBeGreaterThan(12);
    expect(calls.every((c) => c.method === 'GET')).toBe(true);
    const written = readFileSync(record, 'utf8') + readFileSync(run.outputs['report-file'], 'utf8');
    for (const secret of [originalKey, cdp.keys.ed25519.privateKey]) {
      expect(shown(run)).not.toContain(secret);
      expect(written).not.toContain(secret);
    }
  });

  test('a project the restore lost fails the validation, naming it', async () => {
    const { validate } = await restoredInterim('aws', (cdp) => cdp.faults.dropProjectOnRestore('fraud-detection'));
    const run = await validate({});
    expect(run.code).toBe(1);
    expect(run.outputs.validated).toBe('false');
    expect(run.outputs['projects-found']).toBe('11');
    const missing = JSON.parse(must(run.outputs['missing-projects'], 'missing-projects'));
    expect(missing).toEqual([expect.objectContaining({ name: 'fraud-detection', owner: 'alice' })]);
    expect(run.stdout).toMatch(/::error::validate-cml failed: 1 of \d+ checks failed: Projects/);
    expect(run.stdout).toMatch(/what differs:\n[^]*Projects .*missing: alice\/fraud-detection/);
    expect(run.summary).toMatch(/What differs[^]*\| Projects \|[^\n]*alice\/fraud-detection/);
  });

  test("the original's key refused by the restored workspace: a clear failure; a key of its own passes", async () => {
    const { cdp, crn, validate } = await restoredInterim('aws', (c) => c.setKeysSurviveRestore(false));
    const refused = await validate({});
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(
      /Projects: not listed: .* refused original-cml-api-key \(HTTP 401\); create an API key in http:\/\/127\.0\.0\.1:\d+\/\S+ \(User Settings > API Keys/,
    );
    const own = cdp.cmlApiKey(crn);
    const passed = await validate({ 'cml-api-key': own });
    expect(passed.code).toBe(0);
    expect(passed.outputs.validated).toBe('true');
    expect(shown(passed)).not.toContain(own);
  });

  test('an unhealthy resource and a URL that is not the expected one fail their checks', async () => {
    const { cdp, crn, validate } = await restoredInterim('aws');
    cdp.faults.setHealth(crn, [{ resourceName: 'ingress', isHealthy: false, message: 'no endpoints' }]);
    const run = await validate({ 'expect-url': 'same' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::validate-cml failed: 2 of \d+ checks failed: Health, URL \(the original's\)/);
    expect(run.stdout).toMatch(/FAIL Health: ingress: no endpoints/);
  });

  test('a record without an inventory fails: the projects cannot be compared', async () => {
    const { record, validate } = await restoredInterim('aws');
    const r = JSON.parse(readFileSync(record, 'utf8')) as UpgradeRecord;
    delete r.inventory;
    r.inventoryMissing = 'no cml-api-key was given to backup-cml: validate-cml cannot compare the projects';
    const { writeFileSync } = await import('node:fs');
    writeFileSync(record, JSON.stringify(r));
    const run = await validate({});
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL Projects: none: no cml-api-key was given to backup-cml/);
    expect(run.outputs.validated).toBe('false');
  });

  test('the bundle: a real process validates, and its outputs reach GITHUB_OUTPUT', async () => {
    const { crn, cdpInputs, record, originalKey, dir } = await restoredInterim('aws');
    const run = await runActionBundle(
      'validate-cml',
      { ...cdpInputs, 'workspace-crn': crn, 'record-file': record, 'expect-url': 'different', 'original-cml-api-key': originalKey },
      { env: { HOME: '/nonexistent', RUNNER_TEMP: dir }, timeoutMs: 60_000 },
    );
    expect(run.stdout).not.toMatch(/::error::/);
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ validated: 'true', 'projects-found': '12' });
    expect(shown(run)).not.toContain(originalKey);
  });
});
