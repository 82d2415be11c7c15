// The upgrade record and the restore request derived from it: field by field from describeWorkspace
// (reference/cml-restore.md §1.3), overrides merged, what cannot be derived named, the ML API spec
// checked; the record read back with clear errors and never written with a secret in it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { registerSecret } from '../../packages/core/src/index.js';
import type { Workspace } from '../../packages/cdp/src/index.js';
import {
  RESTORED_FROM_TAG,
  deriveRestoreRequest,
  readRecord,
  recordOf as originalRecord,
  writeRecord,
  type RestoreChoices,
  type UpgradeRecord,
} from '../../packages/cml/src/index.js';
import { startCdp } from '../../sandbox/cdp/index.js';
import { loadModel, validate } from '../../sandbox/cdp/schema.js';

const BACKUP = 'crn:cdp:ml:us-west-1:9d74eee4-1cad-45d7-b645-7ccf9edbb73d:workspace_backup:0b7f3e52-9a51-4f4e-a0c6-6e1d8d1f2c33';
const model = loadModel();
const ajv = new Ajv2020({ allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const schema = ajv.compile(JSON.parse(readFileSync(path.join(process.cwd(), 'schemas', 'cml-upgrade-record.v1.json'), 'utf8')));

let aws: Workspace;
let azure: Workspace;
let dir: string;
beforeAll(async () => {
  const cdp = await startCdp();
  aws = cdp.workspace('ml-prod') as Workspace;
  azure = cdp.workspace('ml-azure') as Workspace;
  await cdp.stop();
  dir = mkdtempSync(path.join(os.tmpdir(), 'cml-record-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const recordOf = (w: Workspace): UpgradeRecord => ({ ...originalRecord(w), backup: { crn: BACKUP } });
const choices = (over: Partial<RestoreChoices> = {}): RestoreChoices => ({
  backupCrn: BACKUP,
  workspaceName: 'ml-interim',
  environmentName: '',
  useStaticSubdomain: false,
  overrides: { usePublicLoadBalancer: false },
  existingNfs: '',
  nfsVersion: '',
  restoreTimeoutMinutes: 720,
  ...over,
});

describe('the restore request', () => {
  test('AWS: derived from describeWorkspace, valid for the emulator and the spec, with the restored-from tag and the timeout', () => {
    const { request, problems, derived } = deriveRestoreRequest(recordOf(aws), choices());
    expect(problems).toEqual([]);
    expect(validate(model.operations.get('restoreWorkspace')?.request, request, model.definitions)).toBeUndefined();
    const p = request.newWorkspaceParameters;
    expect(request).toMatchObject({ backupCrn: BACKUP, useStaticSubdomain: false, restoreJobTimeoutMinutes: 720 });
    expect(p).toMatchObject({ environmentName: aws.environmentName, workspaceName: 'ml-interim', disableTLS: !aws.httpsEnabled, usePublicLoadBalancer: false });
    expect(p?.existingNFS).toBeUndefined();
    const groups = p?.provisionK8sRequest?.instanceGroups ?? [];
    expect(groups).toHaveLength(aws.instanceGroups.length);
    expect(groups[0]).toEqual(
      expect.objectContaining({
        instanceType: aws.instanceGroups[0].instanceType,
        instanceCount: aws.instanceGroups[0].instanceCount,
        autoscaling: { minInstances: aws.instanceGroups[0].minInstances, maxInstances: aws.instanceGroups[0].maxInstances, enabled: true },
      }),
    );
    expect(groups[0]).not.toHaveProperty('instanceGroupName');
    expect(p?.provisionK8sRequest?.tags).toContainEqual({ key: RESTORED_FROM_TAG, value: BACKUP });
    expect(derived.join('\n')).toMatch(/disableTLS ← !httpsEnabled/);
  });

  test('Azure: the NFS and its version from the record, or from existing-nfs and nfs-version', () => {
    const fromRecord = deriveRestoreRequest(recordOf(azure), choices()).request.newWorkspaceParameters;
    expect(fromRecord).toMatchObject({ existingNFS: azure.filesystemID, nfsVersion: azure.nfsVersion });
    const given = deriveRestoreRequest(recordOf(azure), choices({ existingNfs: 'nfs.example:/x', nfsVersion: '3' })).request.newWorkspaceParameters;
    expect(given).toMatchObject({ existingNFS: 'nfs.example:/x', nfsVersion: '3' });
  });

  test('workspace-parameters merge over the derived request: objects key by key, arrays replaced', () => {
    const { request, problems } = deriveRestoreRequest(
      recordOf(aws),
      choices({
        overrides: { usePublicLoadBalancer: true, provisionK8sRequest: { network: { topology: { subnets: ['subnet-new'] } } }, enableYunikorn: true },
      }),
    );
    expect(problems).toEqual([]);
    const p = request.newWorkspaceParameters;
    expect(p?.provisionK8sRequest?.network?.topology?.subnets).toEqual(['subnet-new']);
    expect(p?.provisionK8sRequest?.instanceGroups.length).toBeGreaterThan(0);
    expect(p).toMatchObject({ usePublicLoadBalancer: true, enableYunikorn: true });
  });

  test('what cannot be derived and has no override is named, with every spec problem, in one list', () => {
    const { problems } = deriveRestoreRequest(recordOf(aws), choices({ overrides: { workspaceName: 'x', enableYunikorn: 'yes', noSuchField: 1 } }));
    expect(problems).toEqual([
      'workspace-parameters sets workspaceName: give it as the input workspace-name instead',
      expect.stringMatching(/^usePublicLoadBalancer cannot be derived/),
      'Invalid type for field newWorkspaceParameters.enableYunikorn: expected a boolean (ML API spec)',
      'Unknown field: newWorkspaceParameters.noSuchField (ML API spec)',
    ]);
  });

  test('existing-nfs on AWS is refused: the file system comes back from the backup', () => {
    expect(deriveRestoreRequest(recordOf(aws), choices({ existingNfs: 'x:/y' })).problems).toEqual([
      expect.stringMatching(/^existing-nfs and nfs-version are for Azure/),
    ]);
  });
});

describe('the upgrade record file', () => {
  test('written whole, matching its JSON schema, and read back', () => {
    const file = path.join(dir, 'a', 'record.json');
    const record = { ...recordOf(aws), inventory: { takenAt: new Date().toISOString(), from: aws.instanceUrl, projects: [] } };
    writeRecord(file, record);
    const back = readRecord(file);
    expect(back).toEqual(record);
    expect(schema(back)).toBe(true);
  });

  test('a record with a secret in it is not written', () => {
    const secret = `cml-key-${Math.random().toString(36).slice(2)}-never-in-a-record`;
    registerSecret(secret);
    const file = path.join(dir, 'secret.json');
    expect(() => writeRecord(file, { ...recordOf(aws), inventoryMissing: secret })).toThrow(/would carry a secret/);
    expect(() => readRecord(file)).toThrow(/does not exist/);
  });

  test.each([
    ['not JSON', '{', /is not JSON/],
    ['another kind', JSON.stringify({ kind: 'ckf-backup-set' }), /kind is "ckf-backup-set"/],
    ['a later version', JSON.stringify({ kind: 'cml-upgrade-record', recordVersion: 2 }), /recordVersion is 2; this action reads version 1/],
    ['no original', JSON.stringify({ kind: 'cml-upgrade-record', recordVersion: 1, cloud: 'AWS' }), /original is missing/],
  ])('%s is refused, naming the input', (_what, text, message) => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, text);
    expect(() => readRecord(file)).toThrow(message);
    expect(() => readRecord(file)).toThrow(/^Input 'record-file' names /);
  });
});
