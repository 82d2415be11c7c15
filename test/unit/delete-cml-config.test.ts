// delete-cml's inputs: every malformed one is named with the form it takes, before any CDP call,
// and the key is never echoed.
import { describe, expect, test } from '@jest/globals';
import { readConfig } from '../../actions/delete-cml/src/config.js';
import { inputEnv, problemsOf } from '../support/inputs.js';

const CRN = 'crn:cdp:ml:us-west-1:9d74eee4-1cad-45d7-b645-7ccf9edbb73d:workspace:f5c7a0a1-24b4-4c5b-9c5e-0a3d2a7e1b11';
const PROOF = 'crn:cdp:ml:us-west-1:9d74eee4-1cad-45d7-b645-7ccf9edbb73d:workspace:0b7f3e52-9a51-4f4e-a0c6-6e1d8d1f2c33';
const GOOD = { 'workspace-crn': CRN, role: 'original', 'proof-workspace-crn': PROOF };
const problems = problemsOf(readConfig);

describe('delete-cml inputs', () => {
  test('defaults: storage kept, no force, waiting 120 minutes, 5-minute progress', () => {
    expect(readConfig({ ...inputEnv(GOOD), RUNNER_TEMP: '/runner/temp' })).toMatchObject({
      role: 'original',
      recordFile: '/runner/temp/cml-upgrade-record.json',
      removeStorage: false,
      force: false,
      wait: true,
      timeoutMinutes: 120,
      progressIntervalMinutes: 5,
      dryRun: false,
    });
  });

  test.each([
    ['workspace-crn missing', { role: 'original', 'proof-workspace-crn': PROOF }, /Input 'workspace-crn' is required: .*crn:cdp:ml:/],
    ['workspace-crn a name', { ...GOOD, 'workspace-crn': 'ml-prod' }, /Input 'workspace-crn' must be .*got "ml-prod"/],
    ['role missing', { 'workspace-crn': CRN, 'proof-workspace-crn': PROOF }, /Input 'role' is required: 'original' .* or 'interim'/],
    ['role another word', { ...GOOD, role: 'final' }, /Input 'role' must be 'original' .* or 'interim' .*got "final"/],
    ['proof-workspace-crn missing', { 'workspace-crn': CRN, role: 'interim' }, /Input 'proof-workspace-crn' is required/],
    ['the proof is the workspace to delete', { ...GOOD, 'proof-workspace-crn': CRN }, /Input 'proof-workspace-crn' is the workspace to delete/],
    [
      'proof-workspace-crn a backup CRN',
      { ...GOOD, 'proof-workspace-crn': PROOF.replace(':workspace:', ':workspace_backup:') },
      /Input 'proof-workspace-crn' must be/,
    ],
    ['remove-storage yes', { ...GOOD, 'remove-storage': 'yes' }, /Input 'remove-storage'/],
    ['force 1', { ...GOOD, force: '1' }, /Input 'force'/],
    ['timeout-minutes zero', { ...GOOD, 'timeout-minutes': '0' }, /Input 'timeout-minutes'/],
    ['timeout-minutes words', { ...GOOD, 'timeout-minutes': 'two hours' }, /Input 'timeout-minutes'/],
    [
      'progress longer than the timeout',
      { ...GOOD, 'timeout-minutes': '10', 'progress-interval-minutes': '20' },
      /Input 'progress-interval-minutes' must not be longer than timeout-minutes \(10\)/,
    ],
    ['cml-api-key on two lines', { ...GOOD, 'cml-api-key': 'k-9876\nmore' }, /Input 'cml-api-key' must be a single line \(the value is not shown\)/],
    ['record-file a directory', { ...GOOD, 'record-file': '/tmp/' }, /Input 'record-file' must be/],
  ])('%s', (_name, inputs, want) => {
    const message = problems(inputs);
    expect(message).toMatch(want);
    expect(message).not.toContain('k-9876');
  });
});
