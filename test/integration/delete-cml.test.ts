// delete-cml against the CDP emulator and its CML API v2: the runbook's two deletes, each after it
// proves again, itself, that the data is safe (the backup is the original's, the proof workspace was
// restored from it and passes validate-cml's checks); the storage kept unless removing it loses
// nothing, never on Azure's shared NFS; deleted only when NOT_FOUND is seen twice; force only after
// a failed delete; a rerun after a transient error neither deletes twice nor claims a delete it did not see.
import path from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import { runActionBundle } from '../../sandbox/index.js';
import { restoreCmlAction } from '../../actions/restore-cml/src/main.js';
import { restoreCmlClients } from '../../actions/restore-cml/src/clients.js';
import { deleteCmlAction } from '../../actions/delete-cml/src/main.js';
import { deleteCmlClients } from '../../actions/delete-cml/src/clients.js';
import { CML_WORKSPACES, cmlSandbox, shown, type Cdp } from '../support/cml.js';
import { runInProcess } from '../support/in-process.js';
import { must } from '../support/must.js';

const stops: (() => unknown)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});
const PARAMS = '{"usePublicLoadBalancer":false}';

/** Backed up (with the project inventory), restored into ml-interim; delete and restore run against it. */
async function upgradeUnderway(cloud: 'aws' | 'azure', options: { deleteSuspended?: 'accept' | 'refuse'; prepare?: (cdp: Cdp) => void } = {}) {
  const { cdp, dir, cdpInputs, backup } = await cmlSandbox(stops, {
    timeScale: 20_000,
    restoreSeconds: 3600,
    deleteSeconds: 600,
    deleteSuspended: options.deleteSuspended,
  });
  const record = path.join(dir, 'record.json');
  const ws = CML_WORKSPACES[cloud];
  const key = cdp.cmlApiKey(ws['workspace-name']);
  expect((await backup({ ...ws, 'record-file': record, 'cml-api-key': key })).code).toBe(0);
  const original = must(cdp.workspace(ws['workspace-name']), ws['workspace-name']);
  options.prepare?.(cdp);
  const restore = async (inputs: Record<string, string>, recordFile = record) => {
    const run = await runInProcess(
      restoreCmlAction,
      { ...cdpInputs, 'record-file': recordFile, 'workspace-parameters': PARAMS, 'progress-interval-minutes': '0.01', ...inputs },
      {
        env: { HOME: '/nonexistent' },
        timeoutMs: 60_000,
        clients: (config, context) => ({ ...restoreCmlClients(config, context), goneConfirmMs: 50, lookForMs: 50 }),
      },
    );
    expect(run.stdout).not.toMatch(/::error::/);
    return must(run.outputs['workspace-crn'], 'workspace-crn');
  };
  const interim = await restore({ 'workspace-name': 'ml-interim' });
  const del = (inputs: Record<string, string>) =>
    runInProcess(
      deleteCmlAction,
      { ...cdpInputs, 'record-file': record, 'cml-api-key': key, 'progress-interval-minutes': '0.01', ...inputs },
      { env: { HOME: '/nonexistent' }, timeoutMs: 60_000, clients: (config, context) => ({ ...deleteCmlClients(config, context), goneConfirmMs: 50 }) },
    );
  const deleteOriginal = (more: Record<string, string> = {}) =>
    del({ 'workspace-crn': original.crn, role: 'original', 'proof-workspace-crn': interim, ...more });
  return { cdp, dir, key, record, cdpInputs, original, interim, backup, restore, del, deleteOriginal };
}

const deleteCalls = (cdp: Cdp) => cdp.requests.filter((r: { operation?: string }) => r.operation === 'deleteWorkspace');

describe('delete-cml', () => {
  test.each(['aws', 'azure'] as const)(
    '%s: the whole chain: the original deleted with the interim as proof, the final restored at its URL, the interim deleted',
    async (cloud) => {
      const { cdp, original, interim, restore, del, deleteOriginal, key } = await upgradeUnderway(cloud);
      const first = await deleteOriginal();
      expect(first.stdout).not.toMatch(/::error::/);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/proof: ml-interim \(the interim\) passes all \d+ checks against the record, 12 projects/);
      expect(first.outputs).toMatchObject({ deleted: 'true', 'storage-removed': 'false', 'kept-filesystem-id': original.filesystemID });
      expect(cdp.workspace(original.crn)).toBeUndefined();
      // A rerun on the workspace already gone: the proof is checked again, nothing is sent.
      const again = await deleteOriginal();
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/is NOT_FOUND: an earlier run deleted it; confirming/);
      expect(again.outputs.deleted).toBe('true');

      const final = await restore({ 'workspace-name': 'ml-final', 'use-static-subdomain': 'true' });
      expect(must(cdp.workspace(final), 'ml-final').instanceUrl).toBe(original.instanceUrl);
      const second = await del({ 'workspace-crn': interim, role: 'interim', 'proof-workspace-crn': final });
      expect(second.stdout).not.toMatch(/::error::/);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/proof: ml-final \(the final workspace\) passes all/);
      expect(second.outputs.deleted).toBe('true');
      expect(cdp.deletes().map((d: { workspaceCrn: string; removeStorage: boolean; force: boolean }) => [d.workspaceCrn, d.removeStorage, d.force])).toEqual([
        [original.crn, false, false],
        [interim, false, false],
      ]);
      // On Azure the NFS is the original's still, with every project on it, and it is never offered for removal.
      if (cloud === 'azure') {
        expect(must(cdp.workspace(final), 'ml-final').filesystemID).toBe(original.filesystemID);
        expect(first.summary).toContain('the NFS the restored workspaces run on (never remove it for the upgrade)');
        expect(first.stdout).toMatch(/::warning::proof ml-interim: Writers to the shared NFS: /);
      } else expect(first.summary).toContain(`kept: ${original.filesystemID} (remove it later, once nothing uses it)`);
      expect(cdp.cmlProjects(final)).toHaveLength(12);
      for (const run of [first, second]) {
        expect(shown(run)).not.toContain(key);
        expect(shown(run)).not.toContain(cdp.keys.ed25519.privateKey);
      }
    },
  );

  test('a proof that fails validation: refused, naming the check, and nothing deleted', async () => {
    const { cdp, deleteOriginal } = await upgradeUnderway('aws', { prepare: (c) => c.faults.dropProjectOnRestore('fraud-detection') });
    const run = await deleteOriginal();
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::error::delete-cml failed: refused to delete .* \(nothing was deleted\): the proof ml-interim \(the interim\) fails Projects: 11; missing: alice\/fraud-detection/,
    );
    expect(run.summary).toMatch(/The proof failed:[^]*\| Projects \|/);
    expect(run.outputs.deleted).toBe('false');
    expect(deleteCalls(cdp)).toHaveLength(0);
  });

  test("a proof restored from another workspace's backup: refused", async () => {
    const { cdp, dir, original, del, backup, restore } = await upgradeUnderway('aws');
    // The Azure workspace's backup, restored: a good workspace, but not a copy of the one to delete.
    const azureRecord = path.join(dir, 'azure-record.json');
    expect((await backup({ ...CML_WORKSPACES.azure, 'record-file': azureRecord })).code).toBe(0);
    const other = await restore({ 'workspace-name': 'ml-other' }, azureRecord);
    const run = await del({ 'workspace-crn': original.crn, role: 'original', 'proof-workspace-crn': other });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/the proof ml-other was not restored from the record's backup/);
    expect(deleteCalls(cdp)).toHaveLength(0);
  });

  test('remove-storage: refused on Azure before any CDP call; on AWS allowed when the proof has its own file system', async () => {
    const azure = await upgradeUnderway('azure');
    const before = azure.cdp.requests.length;
    const refused = await azure.deleteOriginal({ 'remove-storage': 'true' });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/remove-storage: true is refused on Azure: the original, the interim and the final workspace share one NFS/);
    expect(azure.cdp.requests.length).toBe(before);

    const aws = await upgradeUnderway('aws');
    const removed = await aws.deleteOriginal({ 'remove-storage': 'true' });
    expect(removed.code).toBe(0);
    expect(removed.outputs).toMatchObject({ deleted: 'true', 'storage-removed': 'true', 'kept-filesystem-id': '' });
    expect(aws.cdp.deletes()[0].removeStorage).toBe(true);
  });

  test('a rerun after a transient error: no second delete, and no "deleted" without NOT_FOUND twice', async () => {
    const { cdp, original, deleteOriginal } = await upgradeUnderway('aws');
    const sent = await deleteOriginal({ wait: 'false' });
    expect(sent.code).toBe(0);
    expect(sent.outputs.deleted).toBe('false');
    // Every describe answers 500 now: CDP's client retries, then the run fails; it never reads as deleted.
    cdp.faults.errorNext(50, 500, 'describeWorkspace');
    const failed = await deleteOriginal();
    expect(failed.code).toBe(1);
    expect(failed.outputs.deleted).toBe('false');
    cdp.faults.clear();
    const rerun = await deleteOriginal();
    expect(rerun.stdout).not.toMatch(/::error::/);
    expect(rerun.code).toBe(0);
    expect(rerun.outputs.deleted).toBe('true');
    expect(rerun.stdout).toMatch(/is NOT_FOUND; asking again/);
    expect(deleteCalls(cdp).filter((r: { body?: { workspaceCrn?: string } }) => r.body?.workspaceCrn === original.crn)).toHaveLength(1);
  });

  test('force: refused on a workspace whose delete has not failed; after a failed delete it removes it, and says what it may leave', async () => {
    const { cdp, original, deleteOriginal } = await upgradeUnderway('aws', { prepare: (c) => c.faults.failNextDelete() });
    const tooSoon = await deleteOriginal({ force: 'true' });
    expect(tooSoon.code).toBe(1);
    expect(tooSoon.stdout).toMatch(/force: true is only for a delete that failed \(deprovision:failed\); ml-prod is installation:finished/);
    const failed = await deleteOriginal();
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/failed to delete with status deprovision:failed: Failed to delete the workbench.* A rerun with force: true removes it/);
    const forced = await deleteOriginal({ force: 'true' });
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/::warning::force: true: CDP no longer guarantees that ml-prod's cloud resources are cleaned up/);
    expect(cdp.deletes().map((d: { force: boolean }) => d.force)).toEqual([false, true]);
    expect(cdp.workspace(original.crn)).toBeUndefined();
  });

  test.each(['accept', 'refuse'] as const)('Azure, the suspended original: CDP set to %s its delete', async (answer) => {
    const { cdp, original, deleteOriginal } = await upgradeUnderway('azure', { deleteSuspended: answer });
    expect(original.instanceStatus).toBe('suspend:finished');
    const run = await deleteOriginal();
    if (answer === 'accept') {
      expect(run.code).toBe(0);
      expect(cdp.workspace(original.crn)).toBeUndefined();
    } else {
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(
        /CDP refused to delete the suspended ml-azure: .*Cannot delete a workbench that is suspended.*resume it with its jobs stopped/,
      );
      expect(must(cdp.workspace(original.crn), 'ml-azure').instanceStatus).toBe('suspend:finished');
    }
  });

  test('the bundle, in a dry run: the proof passes in a real process, and nothing is deleted', async () => {
    const { cdp, original, interim, record, cdpInputs, key } = await upgradeUnderway('aws');
    const run = await runActionBundle(
      'delete-cml',
      {
        ...cdpInputs,
        'workspace-crn': original.crn,
        role: 'original',
        'proof-workspace-crn': interim,
        'record-file': record,
        'cml-api-key': key,
        'dry-run': 'true',
      },
      { env: { HOME: '/nonexistent' }, timeoutMs: 60_000 },
    );
    expect(run.stdout).not.toMatch(/::error::/);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('dry run: deleteWorkspace would be sent for ml-prod (force false, removeStorage false)');
    expect(run.outputs.deleted).toBe('false');
    expect(deleteCalls(cdp)).toHaveLength(0);
    expect(shown(run)).not.toContain(key);
  });
});
