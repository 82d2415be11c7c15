// restore-cml against the CDP emulator (signatures verified, bodies checked against ml.yaml,
// restores over scaled time): from backup-cml's upgrade record to a ready workspace, on AWS and
// Azure; the guards before anything is sent; one restore, never two, after a lost answer or a
// rerun; attach mode across processes; the final restore with the original's URL.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import { runActionBundle } from '../../sandbox/index.js';
import { restoreCmlAction } from '../../actions/restore-cml/src/main.js';
import { restoreCmlClients } from '../../actions/restore-cml/src/clients.js';
import { connectCdp } from '../../packages/cdp/src/index.js';
import { RESTORED_FROM_TAG, type UpgradeRecord } from '../../packages/cml/src/index.js';
import { CML_WORKSPACES, cmlSandbox, shown, type Cdp } from '../support/cml.js';
import { runInProcess, type InProcessChild } from '../support/in-process.js';
import { must } from '../support/must.js';

const stops: (() => unknown)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

const PARAMS = JSON.stringify({ usePublicLoadBalancer: false });

/** A sandbox and a finished backup of the workspace, with its upgrade record. */
async function backedUp(cloud: 'aws' | 'azure') {
  // 10 model hours of restore take about 1.8 s: long enough for progress lines every 0.6 s.
  const { cdp, dir, cdpInputs, backup } = await cmlSandbox(stops, { timeScale: 20_000, restoreSeconds: 10 * 3600 });
  const record = path.join(dir, 'record.json');
  const b = await backup({ ...CML_WORKSPACES[cloud], 'record-file': record });
  expect(b.code).toBe(0);
  const original = JSON.parse(readFileSync(record, 'utf8')) as UpgradeRecord;
  const restore = (more: Record<string, string>, onLine?: (line: string, child: InProcessChild) => void) =>
    runInProcess(
      restoreCmlAction,
      { ...cdpInputs, 'record-file': record, 'progress-interval-minutes': '0.01', ...more },
      {
        env: { HOME: '/nonexistent' },
        timeoutMs: 60_000,
        onLine,
        clients: (config, context) => ({ ...restoreCmlClients(config, context), goneConfirmMs: 50, lookForMs: 50 }),
      },
    );
  return { cdp, dir, record, original, cdpInputs, restore };
}

const restoreCalls = (cdp: Cdp) => cdp.requests.filter((r: { operation?: string }) => r.operation === 'restoreWorkspace');
const noKey = (cdp: Cdp, run: Parameters<typeof shown>[0]) => expect(shown(run)).not.toContain(cdp.keys.ed25519.privateKey);

describe('restore-cml', () => {
  test.each(['aws', 'azure'] as const)('%s: restores the backup into an interim workspace, derived from the record, with progress lines', async (cloud) => {
    const { cdp, original, restore } = await backedUp(cloud);
    const run = await restore({ 'workspace-name': 'ml-interim', 'workspace-parameters': PARAMS });
    expect(run.stdout).not.toMatch(/::error::/);
    expect(run.code).toBe(0);
    const [call] = restoreCalls(cdp);
    expect(restoreCalls(cdp)).toHaveLength(1);
    expect(call.body).toMatchObject({ backupCrn: original.backup?.crn, useStaticSubdomain: false, restoreJobTimeoutMinutes: 720 });
    expect(call.body.newWorkspaceParameters.provisionK8sRequest.tags).toContainEqual({ key: RESTORED_FROM_TAG, value: original.backup?.crn });
    if (cloud === 'azure')
      expect(call.body.newWorkspaceParameters).toMatchObject({ existingNFS: original.original.filesystemId, nfsVersion: original.original.nfsVersion });
    else expect(call.body.newWorkspaceParameters.existingNFS).toBeUndefined();
    const restored = must(cdp.workspace('ml-interim'), 'ml-interim');
    expect(run.outputs).toMatchObject({
      'workspace-crn': restored.crn,
      'workspace-name': 'ml-interim',
      'instance-url': restored.instanceUrl,
      version: restored.version,
      status: 'installation:finished',
    });
    expect(run.outputs['instance-url']).not.toBe(original.original.instanceUrl);
    expect(run.stdout).toMatch(/still waiting for the restore of ml-interim after .*: status (provision|installation):started/);
    expect(run.summary).toMatch(/started by this run/);
    noKey(cdp, run);
  });

  test('dry run: the request printed as it would be sent, checked, and nothing sent', async () => {
    const { cdp, restore } = await backedUp('aws');
    const run = await restore({ 'workspace-name': 'ml-interim', 'workspace-parameters': PARAMS, 'dry-run': 'true' });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/restoreWorkspace would be sent with/);
    expect(run.stdout).toContain('"restoreJobTimeoutMinutes": 720');
    expect(run.summary).toMatch(/```json/);
    expect(restoreCalls(cdp)).toHaveLength(0);
  });

  test("pre-flight before the backup: on backup-cml's dry-run record the request is checked and printed, and nothing is sent", async () => {
    const { cdp, dir, cdpInputs, backup } = await cmlSandbox(stops);
    const record = path.join(dir, 'dry.json');
    const planned = await backup({ ...CML_WORKSPACES.aws, 'record-file': record, 'dry-run': 'true' });
    expect(planned.code).toBe(0);
    const run = await runInProcess(
      restoreCmlAction,
      { ...cdpInputs, 'record-file': record, 'workspace-name': 'ml-interim', 'workspace-parameters': PARAMS, 'dry-run': 'true' },
      { env: { HOME: '/nonexistent' }, timeoutMs: 60_000 },
    );
    expect(run.stdout).not.toMatch(/::error::/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/no backup yet \(the record is from a dry run\)/);
    expect(run.stdout).toContain('"backupCrn": "<the backup backup-cml will make> of ml-prod"');
    expect(restoreCalls(cdp)).toHaveLength(0);
    // A bad parameter fails here, in minutes, not after the backup.
    const bad = await runInProcess(
      restoreCmlAction,
      { ...cdpInputs, 'record-file': record, 'workspace-name': 'ml-interim', 'workspace-parameters': '{"enableYunikorn":"yes"}', 'dry-run': 'true' },
      { env: { HOME: '/nonexistent' }, timeoutMs: 60_000 },
    );
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/usePublicLoadBalancer cannot be derived[^]*enableYunikorn/);
    // Without dry-run, the backup is required.
    const real = await runInProcess(
      restoreCmlAction,
      { ...cdpInputs, 'record-file': record, 'workspace-name': 'ml-interim', 'workspace-parameters': PARAMS },
      { env: { HOME: '/nonexistent' }, timeoutMs: 60_000 },
    );
    expect(real.code).toBe(1);
    expect(real.stdout).toMatch(/Input 'backup-crn' is required: the upgrade record .* names no backup/);
  });

  test('what cannot be derived, and a request the spec refuses, fail in one error before any CDP call', async () => {
    const { cdp, restore } = await backedUp('aws');
    const before = cdp.requests.length;
    const run = await restore({ 'workspace-name': 'ml-interim', 'workspace-parameters': '{"enableYunikorn":"yes","noSuch":1}' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/usePublicLoadBalancer cannot be derived/);
    expect(run.stdout).toMatch(/Invalid type for field newWorkspaceParameters.enableYunikorn: expected a boolean \(ML API spec\)/);
    expect(run.stdout).toMatch(/Unknown field: newWorkspaceParameters.noSuch/);
    expect(cdp.requests.length).toBe(before);
  });

  test('static subdomain: refused while the original exists, before any restore; after it is gone, the original URL', async () => {
    const { cdp, original, restore, cdpInputs } = await backedUp('aws');
    const refused = await restore({ 'workspace-name': 'ml-final', 'workspace-parameters': PARAMS, 'use-static-subdomain': 'true' });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/use-static-subdomain: true takes the original's URL .* must be deleted first: it is installation:finished/);
    expect(restoreCalls(cdp)).toHaveLength(0);

    const ml = connectCdp(
      { accessKeyId: cdpInputs['cdp-access-key-id'], privateKey: cdpInputs['cdp-private-key'], endpointUrl: cdp.endpoint },
      { env: { HOME: '/nonexistent' } },
    ).ml;
    await ml.deleteWorkspace({ workspaceCrn: original.original.crn, force: false, removeStorage: false });
    cdp.clock.advance(3600);
    const run = await restore({ 'workspace-name': 'ml-final', 'workspace-parameters': PARAMS, 'use-static-subdomain': 'true' });
    expect(run.stdout).not.toMatch(/::error::/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/the original ml-prod is NOT_FOUND; asking again/);
    expect(run.outputs['instance-url']).toBe(original.original.instanceUrl);
    expect(restoreCalls(cdp)).toHaveLength(1);
  });

  test('a lost answer, then a rerun: one restore, not two', async () => {
    const { cdp, restore } = await backedUp('aws');
    cdp.faults.loseNextAnswer('restoreWorkspace');
    const lost = await restore({ 'workspace-name': 'ml-interim', 'workspace-parameters': PARAMS });
    expect(lost.stdout).not.toMatch(/::error::/);
    expect(lost.code).toBe(0);
    expect(lost.stdout).toMatch(/::warning::restoreWorkspace's answer was lost/);
    expect(lost.summary).toMatch(/followed, not started: restoreWorkspace's answer was lost/);
    const rerun = await restore({ 'workspace-name': 'ml-interim', 'workspace-parameters': PARAMS });
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toMatch(/was restored from this backup already: following it, not restoring again/);
    expect(cdp.restores()).toHaveLength(1);
    expect(rerun.outputs['workspace-crn']).toBe(lost.outputs['workspace-crn']);
  });

  test('a workspace of that name not restored from this backup is refused, never replaced', async () => {
    const { cdp, restore } = await backedUp('aws');
    const run = await restore({ 'workspace-name': 'ml-azure', 'environment-name': 'cdp-azure-env', 'workspace-parameters': PARAMS });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/a workspace named ml-azure already exists in cdp-azure-env .* not restored from this backup: it is never replaced/);
    expect(restoreCalls(cdp)).toHaveLength(0);
  });

  test("a restore that fails ends with CDP's failure message", async () => {
    const { cdp, restore } = await backedUp('aws');
    cdp.faults.failNextRestore('Restore of the database volume failed.');
    const run = await restore({ 'workspace-name': 'ml-interim', 'workspace-parameters': PARAMS });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::.*the restore of ml-interim ended installation:failed: Restore of the database volume failed\./);
    expect(run.outputs.status).toBe('installation:failed');
  });

  test('wait: false returns once started; workspace-crn follows it in another process (the bundle)', async () => {
    const { cdp, restore, cdpInputs } = await backedUp('aws');
    cdp.clock.pause();
    const started = await restore({ 'workspace-name': 'ml-interim', 'workspace-parameters': PARAMS, wait: 'false' });
    expect(started.code).toBe(0);
    const crn = started.outputs['workspace-crn'];
    expect(crn).toMatch(/^crn:cdp:ml:/);
    cdp.clock.resume();
    const followed = await runActionBundle(
      'restore-cml',
      { ...cdpInputs, 'workspace-crn': crn, 'progress-interval-minutes': '0.01' },
      { env: { HOME: '/nonexistent' }, timeoutMs: 60_000 },
    );
    expect(followed.stdout).not.toMatch(/::error::/);
    expect(followed.code).toBe(0);
    expect(followed.outputs).toMatchObject({ 'workspace-crn': crn, status: 'installation:finished' });
    expect(cdp.restores()).toHaveLength(1);
    noKey(cdp, followed);
  });

  test("SIGTERM while following: the restore runs on, the run says how to attach, within GitHub's grace", async () => {
    const { cdp, restore } = await backedUp('aws');
    let at = 0;
    const run = await restore({ 'workspace-name': 'ml-interim', 'workspace-parameters': PARAMS }, (line, child) => {
      if (!at && /still waiting for the restore of ml-interim/.test(line)) {
        at = Date.now();
        child.kill('SIGTERM');
      }
    });
    expect(at).toBeGreaterThan(0);
    expect(Date.now() - at).toBeLessThan(10_000);
    expect(run.code).toBe(1);
    const crn = must(run.outputs['workspace-crn'], 'workspace-crn');
    expect(run.stdout).toContain(`::warning::stopped following: the restore runs on in CDP: follow it with workspace-crn: ${crn}`);
    expect(run.summary).toMatch(/restore-cml: interrupted/);
    // Not cancelled, not deleted: the restore goes on to ready.
    expect(cdp.restores()).toHaveLength(1);
    expect(must(cdp.workspace('ml-interim'), 'ml-interim').instanceStatus).toMatch(/:started$/);
  });
});
