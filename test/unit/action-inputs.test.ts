// Each action names its inputs three times: action.yml's inputs, the INPUT_* variables its run step
// passes (the composite's env: block), and what its config.ts reads. They must be the same names.
// And the runner passes every declared default: config.ts must take them as "not given".
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { ActionDefinition, Report } from '@ml-backup-actions/core';
import { backupCkfDbAction } from '../../actions/backup-ckf-db/src/main.js';
import { backupCmlAction } from '../../actions/backup-cml/src/main.js';
import { backupMlmdAction } from '../../actions/backup-mlmd/src/main.js';
import { MODES } from '../../actions/backup-set/src/config.js';
import { backupSetAction } from '../../actions/backup-set/src/main.js';
import { syncMinioAction } from '../../actions/sync-minio/src/main.js';
import { restoreCmlAction } from '../../actions/restore-cml/src/main.js';
import { validateCmlAction } from '../../actions/validate-cml/src/main.js';
import { deleteCmlAction } from '../../actions/delete-cml/src/main.js';
import { cmlUpgradeStatusAction } from '../../actions/cml-upgrade-status/src/main.js';
import { restoreCkfDbAction } from '../../actions/restore-ckf-db/src/main.js';
import { restoreMlmdAction } from '../../actions/restore-mlmd/src/main.js';
import { repoRoot } from '../../sandbox/index.js';

interface ActionYml {
  inputs: Record<string, { default?: string }>;
  runs: { steps: { run?: string; env?: Record<string, string> }[] };
}

const CRN = 'crn:cdp:ml:us-west-1:9d74eee4-1cad-45d7-b645-7ccf9edbb73d:workspace:792f8cfc-ba33-428d-9c80-b9bc6e799ce9';
const BACKUP_CRN = 'crn:cdp:ml:us-west-1:9d74eee4-1cad-45d7-b645-7ccf9edbb73d:workspace_backup:5b9f8d7e-1d2c-4f0a-9e3b-7a6c5d4e3f2a';

const actions: [string, ActionDefinition<unknown, unknown, Report>, Record<string, string>[]][] = [
  ['sync-minio', syncMinioAction as never, [{}]],
  ['backup-mlmd', backupMlmdAction as never, [{}]],
  ['backup-ckf-db', backupCkfDbAction as never, [{}]],
  [
    'restore-ckf-db',
    restoreCkfDbAction as never,
    [
      { manifest: 'manifests/20261122T013045Z.json', 's3-bucket': 'ckf-backups' },
      { 'backup-ids': '{"kfp-db":"2026-11-22T01:30:45Z","katib-db":"2026-11-22T01:30:45Z"}' },
    ],
  ],
  ['backup-cml', backupCmlAction as never, [{}, { 'azure-subscription-id': '00000000-0000-0000-0000-000000000000' }]],
  // Some inputs are read only in the mode that uses them.
  ['restore-mlmd', restoreMlmdAction as never, [{ 'object-url': 's3://ckf-backups/mlmd/mlmd-x.dump.gz', 's3-bucket': 'ckf-backups' }]],
  ['backup-set', backupSetAction as never, MODES.map((mode) => ({ mode }))],
  ['restore-cml', restoreCmlAction as never, [{ 'workspace-name': 'ml-interim' }, { 'workspace-crn': CRN }]],
  ['validate-cml', validateCmlAction as never, [{ 'workspace-crn': CRN, 'expect-url': 'same' }]],
  ['delete-cml', deleteCmlAction as never, [{ 'workspace-crn': CRN, role: 'original', 'proof-workspace-crn': CRN.replace(/.$/, '0') }]],
  [
    'cml-upgrade-status',
    cmlUpgradeStatusAction as never,
    [{ job: 'backup', 'workspace-name': 'ml-prod', 'interim-workspace-name': 'ml-interim', 'final-workspace-name': 'ml-prod' }],
  ],
];

/** The CML actions' modes, each with the inputs it needs: the runner adds every other declared default. */
const modes: [string, ActionDefinition<unknown, unknown, Report>, Record<string, string>][] = [
  ['backup-cml', backupCmlAction as never, { 'environment-name': 'prod-env', 'workspace-name': 'ml-prod' }],
  ['backup-cml', backupCmlAction as never, { 'backup-crn': BACKUP_CRN }],
  ...actions
    .filter(([name]) => ['restore-cml', 'validate-cml', 'delete-cml', 'cml-upgrade-status'].includes(name))
    .flatMap(([name, action, variants]) =>
      variants.map((v) => [name, action, v] as [string, ActionDefinition<unknown, unknown, Report>, Record<string, string>]),
    ),
];

/** The input names config() asks the environment for, whatever it makes of the values. */
function inputsRead(action: ActionDefinition<unknown, unknown, Report>, given: Record<string, string>): Set<string> {
  const read = new Set<string>();
  const values = Object.fromEntries(Object.entries(given).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]));
  const env = new Proxy(values, {
    get(target, key) {
      if (typeof key === 'string' && key.startsWith('INPUT_')) read.add(key.slice('INPUT_'.length).toLowerCase());
      return typeof key === 'string' ? target[key] : undefined;
    },
  });
  try {
    action.config(env as NodeJS.ProcessEnv, new Date());
  } catch {
    // required inputs are missing here; what was asked for is what counts
  }
  return read;
}

describe.each(actions)('%s', (name, action, variants) => {
  const yml = parse(readFileSync(path.join(repoRoot, 'actions', name, 'action.yml'), 'utf8')) as ActionYml;
  const declared = Object.keys(yml.inputs).sort();
  const step = yml.runs.steps.find((s) => s.run?.includes('dist/index.js'));
  const passed = Object.keys(step?.env ?? {})
    .filter((k) => k.startsWith('INPUT_'))
    .map((k) => k.slice('INPUT_'.length).toLowerCase())
    .sort();
  const read = [...new Set(variants.flatMap((v) => [...inputsRead(action, v)]))].sort();

  test('the run step passes every declared input as INPUT_<NAME>, each from inputs.<name>', () => {
    expect(passed).toEqual(declared);
    for (const input of declared) expect(step?.env?.[`INPUT_${input.toUpperCase()}`]).toBe(`\${{ inputs.${input} }}`);
  });

  test('config.ts reads exactly the declared inputs', () => {
    expect(read).toEqual(declared);
  });
});

const ymlOf = (name: string) => parse(readFileSync(path.join(repoRoot, 'actions', name, 'action.yml'), 'utf8')) as ActionYml;

describe('the declared defaults, as the runner passes them', () => {
  test.each(modes)('%s %j: accepted as not given', (name, action, given) => {
    const defaults = Object.fromEntries(Object.entries(ymlOf(name).inputs).map(([input, d]) => [input, String(d.default ?? '')]));
    const values = { ...defaults, ...given };
    const env = Object.fromEntries(Object.entries(values).map(([input, value]) => [`INPUT_${input.toUpperCase()}`, value]));
    expect(() => action.config({ ...env, RUNNER_TEMP: '/tmp' }, new Date())).not.toThrow();
  });
});
