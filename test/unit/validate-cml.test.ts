// validate-cml's parts in-process: its inputs (each bad one named with the form it takes, before
// any call), the control-plane checks against the record (ready, healthy, restored, version, URL,
// storage, configuration drift) and the comparison of the projects, on the emulator's workspaces.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { startCdp } from '../../sandbox/index.js';
import { readConfig } from '../../actions/validate-cml/src/config.js';
import type { Workspace } from '../../packages/cdp/src/index.js';
import {
  compareProjects,
  compareVersions,
  configurationDrift,
  controlPlaneChecks,
  recordOf,
  type InventoryProject,
  type ProjectInventory,
} from '../../packages/cml/src/index.js';
import { inputEnv, problemsOf } from '../support/inputs.js';

const CRN = 'crn:cdp:ml:us-west-1:9d74eee4-1cad-45d7-b645-7ccf9edbb73d:workspace:f5c7a0a1-24b4-4c5b-9c5e-0a3d2a7e1b11';
const problems = problemsOf(readConfig);
const GOOD = { 'workspace-crn': CRN, 'expect-url': 'different' };

describe('validate-cml inputs', () => {
  test('defaults: the record and the report in RUNNER_TEMP, no keys', () => {
    const c = readConfig({ ...inputEnv(GOOD), RUNNER_TEMP: '/runner/temp' });
    expect(c).toMatchObject({
      workspaceCrn: CRN,
      expectUrl: 'different',
      recordFile: '/runner/temp/cml-upgrade-record.json',
      reportFile: '/runner/temp/validate-cml-f5c7a0a1-24b4-4c5b-9c5e-0a3d2a7e1b11.json',
      cmlApiKey: '',
      originalCmlApiKey: '',
    });
  });

  test.each([
    ['workspace-crn missing', { 'expect-url': 'same' }, /Input 'workspace-crn' is required: .*crn:cdp:ml:/],
    ['workspace-crn a backup CRN', { ...GOOD, 'workspace-crn': CRN.replace(':workspace:', ':workspace_backup:') }, /Input 'workspace-crn' must be/],
    ['workspace-crn a name', { ...GOOD, 'workspace-crn': 'ml-interim' }, /Input 'workspace-crn' must be .*got "ml-interim"/],
    ['expect-url missing', { 'workspace-crn': CRN }, /Input 'expect-url' is required: 'different' .* or 'same'/],
    ['expect-url another word', { ...GOOD, 'expect-url': 'original' }, /Input 'expect-url' must be 'different' .* or 'same' .*got "original"/],
    ['expect-url in capitals', { ...GOOD, 'expect-url': 'SAME' }, /Input 'expect-url' must be/],
    ['record-file a directory', { ...GOOD, 'record-file': '/tmp/' }, /Input 'record-file' must be/],
    ['cml-api-key on two lines', { ...GOOD, 'cml-api-key': 'abc\ndef' }, /Input 'cml-api-key' must be a single line \(the value is not shown\)/],
    ['the same key twice', { ...GOOD, 'cml-api-key': 'k-123', 'original-cml-api-key': 'k-123' }, /Input 'original-cml-api-key' is the same key as cml-api-key/],
    ['cdp-region unknown', { ...GOOD, 'cdp-region': 'mars-1' }, /Input 'cdp-region'/],
  ])('%s', (_name, inputs, want) => {
    const message = problems(inputs);
    expect(message).toMatch(want);
    expect(message).not.toContain('k-123');
    expect(message).not.toContain('def');
  });
});

let aws: Workspace;
let azure: Workspace;
beforeAll(async () => {
  const cdp = await startCdp();
  aws = cdp.workspace('ml-prod') as Workspace;
  azure = cdp.workspace('ml-azure') as Workspace;
  await cdp.stop();
});

/** The original as a restore would give it back: a new CRN, URL and (on AWS) file system, restored, the latest version. */
function restoredFrom(w: Workspace, over: Partial<Workspace> = {}): Workspace {
  return {
    ...structuredClone(w),
    crn: `${w.crn}-restored`,
    instanceName: 'ml-interim',
    instanceUrl: `${w.instanceUrl}-interim`,
    filesystemID: w.cloudPlatform === 'AZURE' ? w.filesystemID : 'fs-new',
    version: '2.0.52-b45',
    isRestored: true,
    instanceStatus: 'installation:finished',
    ...over,
  };
}
const failing = (checks: { name: string; result: string }[]) => checks.filter((c) => c.result === 'fail').map((c) => c.name);

describe('control-plane checks', () => {
  test('a good interim passes on AWS and on Azure', () => {
    expect(failing(controlPlaneChecks(recordOf(aws), restoredFrom(aws), 'different'))).toEqual([]);
    expect(failing(controlPlaneChecks(recordOf(azure), restoredFrom(azure), 'different'))).toEqual([]);
  });

  test.each<[string, () => [Workspace, Workspace, 'same' | 'different'], string[]]>([
    ['still installing', () => [aws, restoredFrom(aws, { instanceStatus: 'installation:started' }), 'different'], ['Ready']],
    ['a failure message', () => [aws, restoredFrom(aws, { failureMessage: 'Restore of the database volume failed.' }), 'different'], ['No failure message']],
    [
      'an unhealthy resource',
      () => [
        aws,
        restoredFrom(aws, { healthInfoLists: [{ resourceName: 'ingress', isHealthy: false, updatedAt: '', message: 'down', details: [] }] }),
        'different',
      ],
      ['Health'],
    ],
    ['not restored (a new workspace)', () => [aws, restoredFrom(aws, { isRestored: false }), 'different'], ['Restored from a backup']],
    ['an older version', () => [aws, restoredFrom(aws, { version: '1.9.9-b1' }), 'different'], ['Version']],
    ["the interim at the original's URL", () => [aws, restoredFrom(aws, { instanceUrl: aws.instanceUrl }), 'different'], ['URL (its own)']],
    ["the final restore not at the original's URL", () => [aws, restoredFrom(aws), 'same'], ["URL (the original's)"]],
    ["AWS: the original's file system", () => [aws, restoredFrom(aws, { filesystemID: aws.filesystemID }), 'different'], ['File system (its own)']],
    [
      'Azure: another NFS',
      () => [azure, restoredFrom(azure, { filesystemID: 'other.file.core.windows.net:/other/share' }), 'different'],
      ["NFS (the original's)"],
    ],
  ])('%s fails', (_name, make, want) => {
    const [original, restored, expectUrl] = make();
    expect(failing(controlPlaneChecks(recordOf(original), restored, expectUrl))).toEqual(want);
  });

  test("the final restore at the original's URL passes", () => {
    expect(failing(controlPlaneChecks(recordOf(aws), restoredFrom(aws, { instanceUrl: aws.instanceUrl }), 'same'))).toEqual([]);
  });

  test('a configuration the restore did not carry over is a warning per field, never a failure', () => {
    const drift = configurationDrift(aws, restoredFrom(aws, { monitoringEnabled: !aws.monitoringEnabled, loadBalancerIPWhitelists: ['10.0.0.0/8'] }));
    expect(drift.map((d) => [d.name, d.result])).toEqual([
      ['Configuration: monitoringEnabled', 'warn'],
      ['Configuration: loadBalancerIPWhitelists', 'warn'],
    ]);
    expect(configurationDrift(aws, restoredFrom(aws))).toEqual([]);
  });

  test.each([
    ['2.0.52-b45', '2.0.50-b123', 1],
    ['2.0.50-b123', '2.0.52-b45', -1],
    ['2.0.52-b45', '2.0.52-b45', 0],
    ['2.0.52-b46', '2.0.52-b45', 1],
    ['2.1.0', '2.0.99-b1', 1],
    ['2.0.10', '2.0.9', 1],
  ])('version %s against %s: %d', (a, b, want) => expect(compareVersions(a, b)).toBe(want));
});

const project = (over: Partial<InventoryProject>): InventoryProject => ({
  id: 'p1',
  name: 'churn',
  owner: 'admin',
  jobs: 2,
  models: 1,
  applications: 0,
  scheduledJobs: [],
  runningApplications: [],
  ...over,
});
const inventory = (projects: InventoryProject[]): ProjectInventory => ({ takenAt: '2026-12-01T00:00:00.000Z', from: 'https://ml', projects });

describe('the projects', () => {
  const original = inventory([project({}), project({ id: 'p2', name: 'fraud', owner: 'alice', jobs: 1 })]);

  test('all present with their counts: one passing check', () => {
    const { checks, missing } = compareProjects(original, original, 'AWS');
    expect(missing).toEqual([]);
    expect(checks.map((c) => [c.name, c.result])).toEqual([['Projects', 'pass']]);
  });

  test('a missing project and a changed count each fail, named', () => {
    const found = inventory([project({ models: 0 })]);
    const { checks, missing } = compareProjects(original, found, 'AWS');
    expect(missing).toEqual([{ id: 'p2', name: 'fraud', owner: 'alice' }]);
    expect(checks.filter((c) => c.result === 'fail').map((c) => [c.name, c.expected, c.found])).toEqual([
      ['Projects', "2 (the original's, 2026-12-01T00:00:00.000Z)", '1; missing: alice/fraud'],
      ['Project admin/churn', '1 models', '0 models'],
    ]);
  });

  test('a project found by owner and name when its id changed; a new one is a warning', () => {
    const found = inventory([project({ id: 'x1' }), project({ id: 'x2', name: 'fraud', owner: 'alice', jobs: 1 }), project({ id: 'x3', name: 'new' })]);
    const { checks, missing } = compareProjects(original, found, 'AWS');
    expect(missing).toEqual([]);
    expect(checks.map((c) => [c.name, c.result])).toEqual([
      ['Projects', 'pass'],
      ['Projects not in the record', 'warn'],
    ]);
  });

  test('Azure: scheduled jobs and running applications in the restored workspace are flagged; on AWS they are not', () => {
    const found = inventory([project({ scheduledJobs: ['nightly'], runningApplications: ['dash'] }), original.projects[1]]);
    const flagged = compareProjects(original, found, 'AZURE').checks.find((c) => c.name === 'Writers to the shared NFS');
    expect(flagged).toMatchObject({ result: 'warn', found: 'admin/churn: scheduled job nightly; admin/churn: application dash running' });
    expect(compareProjects(original, found, 'AWS').checks.some((c) => c.name === 'Writers to the shared NFS')).toBe(false);
  });
});
