// restore-cml's inputs: every malformed one is named with the form it accepts, before anything else
// happens (readConfig is the first thing the action does, so no CDP call is made), and a secret
// in them is never echoed.
import { describe, expect, test } from '@jest/globals';
import { readConfig } from '../../actions/restore-cml/src/config.js';
import { inputEnv, problemsOf } from '../support/inputs.js';

const BACKUP = 'crn:cdp:ml:us-west-1:9d74eee4-1cad-45d7-b645-7ccf9edbb73d:workspace_backup:0b7f3e52-9a51-4f4e-a0c6-6e1d8d1f2c33';
const CRN = 'crn:cdp:ml:us-west-1:9d74eee4-1cad-45d7-b645-7ccf9edbb73d:workspace:f5c7a0a1-24b4-4c5b-9c5e-0a3d2a7e1b11';
const env = inputEnv;
const problems = problemsOf(readConfig);
const NAME = { 'workspace-name': 'ml-interim' };

describe('restore-cml inputs', () => {
  test('defaults: the record in RUNNER_TEMP, 720 minutes, waiting, 15-minute progress, no static subdomain', () => {
    const c = readConfig({ ...env(NAME), RUNNER_TEMP: '/runner/temp' });
    expect(c).toMatchObject({
      workspaceName: 'ml-interim',
      recordFile: '/runner/temp/cml-upgrade-record.json',
      restoreTimeoutMinutes: 720,
      wait: true,
      progressIntervalMinutes: 15,
      useStaticSubdomain: false,
      workspaceParameters: {},
      dryRun: false,
    });
  });

  test('workspace-parameters is parsed; a database password in it is masked at once', () => {
    const c = readConfig(
      env({ ...NAME, 'workspace-parameters': '{"usePublicLoadBalancer":true,"existingDatabaseConfig":{"existingDatabasePassword":"pw-123456"}}' }),
    );
    expect(c.workspaceParameters).toMatchObject({ usePublicLoadBalancer: true });
  });

  test('attach mode takes workspace-crn alone', () => {
    expect(readConfig(env({ 'workspace-crn': CRN })).workspaceCrn).toBe(CRN);
  });

  const bad: [string, Record<string, string>, RegExp][] = [
    ['no workspace-name', {}, /Input 'workspace-name' is required: the new workspace/],
    ['an upper-case name', { 'workspace-name': 'ML-Interim' }, /Input 'workspace-name' must be a CML workspace name/],
    ['a name ending in a hyphen', { 'workspace-name': 'ml-' }, /Input 'workspace-name' must be/],
    ['a name of 51 characters', { 'workspace-name': `m${'a'.repeat(50)}` }, /Input 'workspace-name' must be/],
    ['a name with a space', { 'workspace-name': 'ml interim' }, /Input 'workspace-name' must be/],
    ['a backup CRN of a workspace', { ...NAME, 'backup-crn': CRN }, /Input 'backup-crn' must be a CML backup CRN/],
    ['a backup id, not a CRN', { ...NAME, 'backup-crn': '0b7f3e52-9a51-4f4e-a0c6-6e1d8d1f2c33' }, /Input 'backup-crn' must be a CML backup CRN/],
    ['a CRN of another service', { ...NAME, 'backup-crn': BACKUP.replace(':ml:', ':de:') }, /Input 'backup-crn' must be/],
    ['a workspace-crn of a backup', { 'workspace-crn': BACKUP }, /Input 'workspace-crn' must be a CML workspace CRN/],
    ['an environment with an underscore', { ...NAME, 'environment-name': 'cdp_env' }, /Input 'environment-name' must be a CDP environment name/],
    ['an environment starting with a digit', { ...NAME, 'environment-name': '1env' }, /Input 'environment-name' must be/],
    ['a record file that is not .json', { ...NAME, 'record-file': '/tmp/record.txt' }, /Input 'record-file' must be a path to a .json file/],
    ['use-static-subdomain yes', { ...NAME, 'use-static-subdomain': 'yes' }, /Input 'use-static-subdomain' must be true or false; got "yes"/],
    [
      'workspace-parameters not JSON',
      { ...NAME, 'workspace-parameters': '{usePublicLoadBalancer: true}' },
      /Input 'workspace-parameters' must be a JSON object.*it is not JSON/,
    ],
    ['workspace-parameters an array', { ...NAME, 'workspace-parameters': '[1]' }, /Input 'workspace-parameters' must be a JSON object.*got a JSON array/],
    ['workspace-parameters a string', { ...NAME, 'workspace-parameters': '"x"' }, /got a JSON string/],
    ['workspace-parameters null', { ...NAME, 'workspace-parameters': 'null' }, /got a JSON null/],
    ['an NFS without a path', { ...NAME, 'existing-nfs': 'cmlnfs.file.core.windows.net' }, /Input 'existing-nfs' must be an NFS export/],
    ['an NFS with a space', { ...NAME, 'existing-nfs': 'host:/a b' }, /Input 'existing-nfs' must be/],
    ['NFS version v4', { ...NAME, 'nfs-version': 'v4' }, /Input 'nfs-version' must be an NFS version such as 4.1 or 3/],
    ['a negative timeout', { ...NAME, 'restore-timeout-minutes': '-5' }, /Input 'restore-timeout-minutes' must be a number from 0.01 to 10080/],
    ['a timeout past a week', { ...NAME, 'restore-timeout-minutes': '20000' }, /Input 'restore-timeout-minutes' must be a number/],
    ['a timeout with a unit', { ...NAME, 'restore-timeout-minutes': '12h' }, /Input 'restore-timeout-minutes' must be a number/],
    ['a zero progress interval', { ...NAME, 'progress-interval-minutes': '0' }, /Input 'progress-interval-minutes' must be a number/],
    [
      'progress longer than the timeout',
      { ...NAME, 'restore-timeout-minutes': '10', 'progress-interval-minutes': '15' },
      /Input 'progress-interval-minutes' must not be longer than restore-timeout-minutes \(10\)/,
    ],
    ['wait maybe', { ...NAME, wait: 'maybe' }, /Input 'wait' must be true or false/],
    ['dry-run 1', { ...NAME, 'dry-run': '1' }, /Input 'dry-run' must be true or false/],
    ['attach and a name', { 'workspace-crn': CRN, ...NAME }, /Input 'workspace-name' is for starting a restore, but workspace-crn attaches/],
    ['attach and parameters', { 'workspace-crn': CRN, 'workspace-parameters': '{}' }, /Input 'workspace-parameters' is for starting a restore/],
    ['attach and a dry run', { 'workspace-crn': CRN, 'dry-run': 'true' }, /Input 'dry-run' checks a restore request before it is sent/],
    ['attach and a static subdomain', { 'workspace-crn': CRN, 'use-static-subdomain': 'true' }, /Input 'use-static-subdomain' is for starting a restore/],
    [
      'hand-over without wait',
      { ...NAME, wait: 'false', 'hand-over-minutes': '330' },
      /Input 'hand-over-minutes' is how long .* with wait: false nothing is followed/,
    ],
    ['hand-over negative', { ...NAME, 'hand-over-minutes': '-1' }, /Input 'hand-over-minutes' must be a number from 0 to 10080/],
    ['a CDP key id without its key', { ...NAME, 'cdp-access-key-id': 'abc-123' }, /Input 'cdp-private-key' must be given together/],
    ['a CDP region unknown', { ...NAME, 'cdp-region': 'mars-1' }, /Input 'cdp-region' must be one of/],
    ['a CDP endpoint that is not a URL', { ...NAME, 'cdp-endpoint-url': 'api.cdp' }, /Input 'cdp-endpoint-url' must be an http\(s\) URL/],
  ];
  test.each(bad)('%s is refused, naming the input and its form', (_what, inputs, message) => {
    expect(problems(inputs)).toMatch(message);
  });

  test(`at least 25 malformed inputs are covered (${bad.length})`, () => {
    expect(bad.length).toBeGreaterThanOrEqual(25);
  });

  test('every problem in one error; a secret in a bad input is not echoed', () => {
    const secret = 'pk-NEVER-ECHOED-0123456789';
    const message = problems({ 'workspace-name': 'BAD', 'nfs-version': 'x', 'cdp-private-key': secret });
    expect(message).toMatch(/workspace-name[\s\S]*nfs-version[\s\S]*cdp-access-key-id/);
    expect(message).not.toContain(secret);
  });
});
