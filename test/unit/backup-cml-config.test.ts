// backup-cml's inputs: every malformed one is named with the form it accepts, before anything else
// happens (readConfig is the first thing the action does), and the private key is never echoed.
import { describe, expect, test } from '@jest/globals';
import { readConfig } from '../../actions/backup-cml/src/config.js';
import { inputEnv, problemsOf } from '../support/inputs.js';

const CRN = 'crn:cdp:ml:us-west-1:9d74eee4-1cad-45d7-b645-7ccf9edbb73d:workspace:f5c7a0a1-24b4-4c5b-9c5e-0a3d2a7e1b11';
const GUID = '5b7c0a2e-0000-4000-8000-0000000000ee';
const BACKUP = 'crn:cdp:ml:us-west-1:9d74eee4-1cad-45d7-b645-7ccf9edbb73d:workspace_backup:0b7f3e52-9a51-4f4e-a0c6-6e1d8d1f2c33';
const env = inputEnv;
const problems = problemsOf(readConfig);

describe('backup-cml inputs', () => {
  test('a workspace CRN with defaults', () => {
    const c = readConfig(env({ 'workspace-crn': CRN }));
    expect(c).toMatchObject({
      workspace: { workspaceCrn: CRN },
      backupTimeoutMinutes: 720,
      wait: true,
      progressIntervalMinutes: 15,
      cancelOnTimeout: false,
      suspend: 'auto',
      tagDisks: false,
      dryRun: false,
    });
  });

  test('environment and workspace names; attach mode with a backup CRN only', () => {
    expect(readConfig(env({ 'environment-name': 'prod-env', 'workspace-name': 'ml-prod' })).workspace).toEqual({
      environmentName: 'prod-env',
      workspaceName: 'ml-prod',
    });
    expect(readConfig(env({ 'backup-crn': BACKUP })).backupCrn).toBe(BACKUP);
  });

  test('AZURE_SUBSCRIPTION_ID alone on the runner is no input error: an AWS backup must not fail on it', () => {
    const c = readConfig({ ...env({ 'workspace-crn': CRN }), AZURE_SUBSCRIPTION_ID: GUID });
    expect(c.azure).toMatchObject({ subscriptionId: GUID, tenantId: '', clientId: '', oidcAudience: 'api://AzureADTokenExchange' });
  });

  const bad: [string, Record<string, string>, string][] = [
    ['nothing names the workspace', {}, "Input 'workspace-crn' is required"],
    ['a CRN of another service', { 'workspace-crn': CRN.replace(':ml:', ':datalake:') }, "Input 'workspace-crn' must be a CML workspace CRN"],
    ['a CRN of another resource type', { 'workspace-crn': CRN.replace(':workspace:', ':environment:') }, "Input 'workspace-crn' must be a CML workspace CRN"],
    ['a CRN with a space', { 'workspace-crn': `${CRN} x` }, "Input 'workspace-crn' must be"],
    ['a truncated CRN', { 'workspace-crn': 'crn:cdp:ml:us-west-1' }, "Input 'workspace-crn' must be"],
    ['CRN and names both', { 'workspace-crn': CRN, 'workspace-name': 'ml-prod' }, "Input 'workspace-crn' names the workspace already"],
    ['an environment without a workspace name', { 'environment-name': 'prod-env' }, "Input 'workspace-name' must be given together"],
    ['a workspace name without an environment', { 'workspace-name': 'ml-prod' }, "Input 'environment-name' must be given together"],
    [
      'an environment name with a slash',
      { 'environment-name': 'prod/env', 'workspace-name': 'ml-prod' },
      "Input 'environment-name' must be a CDP environment name",
    ],
    ['a workspace name in capitals', { 'environment-name': 'prod-env', 'workspace-name': 'ML-Prod' }, "Input 'workspace-name' must be a CML workspace name"],
    ['a workspace name ending in a hyphen', { 'environment-name': 'prod-env', 'workspace-name': 'ml-' }, "Input 'workspace-name' must be"],
    ['a backup name with a space', { 'workspace-crn': CRN, 'backup-name': 'my backup' }, "Input 'backup-name' must be a backup name"],
    ['a backup CRN that is a workspace CRN', { 'backup-crn': CRN }, "Input 'backup-crn' must be a CML backup CRN"],
    ['a backup name with a backup CRN', { 'backup-crn': BACKUP, 'backup-name': 'b1' }, "Input 'backup-name' names a new backup, but backup-crn attaches"],
    ['a timeout of 0', { 'workspace-crn': CRN, 'backup-timeout-minutes': '0' }, "Input 'backup-timeout-minutes' must be a number from 0.01 to 10080"],
    ['a timeout in hours', { 'workspace-crn': CRN, 'backup-timeout-minutes': '12h' }, "Input 'backup-timeout-minutes' must be a number"],
    ['a negative interval', { 'workspace-crn': CRN, 'progress-interval-minutes': '-5' }, "Input 'progress-interval-minutes' must be a number"],
    [
      'an interval longer than the timeout',
      { 'workspace-crn': CRN, 'backup-timeout-minutes': '10', 'progress-interval-minutes': '15' },
      "Input 'progress-interval-minutes' must not be longer than backup-timeout-minutes (10)",
    ],
    ['wait: yes', { 'workspace-crn': CRN, wait: 'yes' }, "Input 'wait' must be true or false"],
    ['suspend: always', { 'workspace-crn': CRN, suspend: 'always' }, "Input 'suspend' must be one of auto, true, false"],
    ['cancel-on-timeout: 1', { 'workspace-crn': CRN, 'cancel-on-timeout': '1' }, "Input 'cancel-on-timeout' must be true or false"],
    ['tag-disks: on', { 'workspace-crn': CRN, 'tag-disks': 'on' }, "Input 'tag-disks' must be true or false"],
    ['a CDP region that does not exist', { 'workspace-crn': CRN, 'cdp-region': 'us-east-9' }, "Input 'cdp-region' must be one of"],
    [
      'a CDP endpoint that is not a URL',
      { 'workspace-crn': CRN, 'cdp-endpoint-url': 'api.cdp.example.com' },
      "Input 'cdp-endpoint-url' must be an http(s) URL",
    ],
    [
      'a key id without its key',
      { 'workspace-crn': CRN, 'cdp-access-key-id': '3f1f6a1e-4b0c-4c6a-9d1e-6e2f0c9b8a7d' },
      "Input 'cdp-private-key' must be given together",
    ],
    ['a key without its id', { 'workspace-crn': CRN, 'cdp-private-key': 'k'.repeat(44) }, "Input 'cdp-access-key-id' must be given together"],
    ['an AWS region in capitals', { 'workspace-crn': CRN, 'aws-region': 'US-WEST-2' }, "Input 'aws-region' must be a region name"],
    [
      'a subscription id that is not a GUID',
      { 'workspace-crn': CRN, 'azure-subscription-id': 'my-subscription' },
      "Input 'azure-subscription-id' must be a GUID",
    ],
    [
      'a resource group ending in a period',
      { 'workspace-crn': CRN, 'azure-snapshot-resource-group': 'cml-snapshots.' },
      "Input 'azure-snapshot-resource-group' must be an Azure resource group name",
    ],
    ['a resource group with a slash', { 'workspace-crn': CRN, 'azure-snapshot-resource-group': 'a/b' }, "Input 'azure-snapshot-resource-group' must be"],
    ['a tenant id that is not a GUID', { 'workspace-crn': CRN, 'azure-tenant-id': 'contoso.onmicrosoft.com' }, "Input 'azure-tenant-id' must be a GUID"],
    [
      'a subscription without the OIDC client id',
      { 'workspace-crn': CRN, 'azure-subscription-id': GUID, 'azure-tenant-id': GUID },
      "Input 'azure-client-id' is required with azure-subscription-id",
    ],
    [
      'a subscription without the tenant',
      { 'workspace-crn': CRN, 'azure-subscription-id': GUID, 'azure-client-id': GUID },
      "Input 'azure-tenant-id' is required with azure-subscription-id",
    ],
    [
      'a disk resource group with a space',
      { 'workspace-crn': CRN, 'azure-disk-resource-group': 'MC rg' },
      "Input 'azure-disk-resource-group' must be an Azure resource group name",
    ],
    ['an OIDC audience with a space', { 'workspace-crn': CRN, 'azure-oidc-audience': 'api://Azure AD' }, "Input 'azure-oidc-audience' must be an audience"],
    [
      'an ARM endpoint over http',
      { 'workspace-crn': CRN, 'azure-endpoint-url': 'http://management.azure.com' },
      "Input 'azure-endpoint-url' must be an https:// URL",
    ],
    ['dry-run: maybe', { 'workspace-crn': CRN, 'dry-run': 'maybe' }, "Input 'dry-run' must be true or false"],
  ];
  test.each(bad)('%s', (_name, inputs, expected) => {
    expect(problems(inputs)).toContain(expected);
  });

  test('every problem at once, and the private key never in the message', () => {
    const key = 'c2VjcmV0LWtleS1ub3QtdG8tYmUtc2hvd24tYW55d2hlcmU=';
    const message = problems({ 'workspace-crn': 'nope', 'backup-timeout-minutes': 'x', suspend: 'x', 'cdp-private-key': key });
    expect(message).toContain("'workspace-crn'");
    expect(message).toContain("'backup-timeout-minutes'");
    expect(message).toContain("'suspend'");
    expect(message).toContain("'cdp-access-key-id'");
    expect(message).not.toContain(key);
  });
});
