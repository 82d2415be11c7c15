// The restore request is checked, before it is sent, against definitions embedded from ml.yaml (the
// bundles carry no YAML parser). They must be ml.yaml's own, and the check must read them as the
// CDP emulator's validator (cdpcli's rules) does.
import { describe, expect, test } from '@jest/globals';
import { ML_DEFINITIONS, ML_SPEC_VERSION } from '../../packages/cdp/src/ml-spec.js';
import { checkRequest } from '../../packages/cdp/src/spec.js';
import { loadModel, validate } from '../../sandbox/cdp/schema.js';
import { mlSpecDefinitions } from '../../scripts/gen-ml-spec.js';

const model = loadModel();
const restore = model.operations.get('restoreWorkspace')?.request;
const ok = {
  backupCrn: 'crn:cdp:ml:us-west-1:acc:workspace_backup:b1',
  useStaticSubdomain: false,
  restoreJobTimeoutMinutes: 720,
  newWorkspaceParameters: {
    environmentName: 'env',
    workspaceName: 'ml-interim',
    usePublicLoadBalancer: false,
    provisionK8sRequest: {
      environmentName: 'env',
      instanceGroups: [
        { instanceType: 'm5.2xlarge', instanceCount: 2, autoscaling: { minInstances: 1, maxInstances: 10, enabled: true }, rootVolume: { size: 512 } },
      ],
      tags: [{ key: 'team', value: 'ml' }],
      network: { topology: { subnets: ['subnet-1'] } },
    },
    outboundTypes: ['OUTBOUND_TYPE_UDR'],
  },
};
const bad: [string, unknown, string][] = [
  ['an unknown top-level field', { ...ok, restoreTimeout: 5 }, 'Unknown field: restoreTimeout'],
  [
    'a missing workspace name',
    { ...ok, newWorkspaceParameters: { ...ok.newWorkspaceParameters, workspaceName: undefined } },
    'Missing required field: newWorkspaceParameters.workspaceName',
  ],
  ['a string for a boolean', { ...ok, useStaticSubdomain: 'true' }, 'Invalid type for field useStaticSubdomain: expected a boolean'],
  ['a fraction for an int32', { ...ok, restoreJobTimeoutMinutes: 1.5 }, 'Invalid type for field restoreJobTimeoutMinutes: expected an integer'],
  ['an int32 overflow', { ...ok, restoreJobTimeoutMinutes: 2 ** 31 }, 'Invalid value for field restoreJobTimeoutMinutes: out of int32 range'],
  [
    'a bad enum value',
    { ...ok, newWorkspaceParameters: { ...ok.newWorkspaceParameters, outboundTypes: ['UDR'] } },
    'Invalid value for field newWorkspaceParameters.outboundTypes[0]: UDR (one of UNKNOWN, OUTBOUND_TYPE_UDR)',
  ],
  [
    'an instance group without its type',
    {
      ...ok,
      newWorkspaceParameters: { ...ok.newWorkspaceParameters, provisionK8sRequest: { environmentName: 'env', instanceGroups: [{ instanceCount: 1 }] } },
    },
    'Missing required field: newWorkspaceParameters.provisionK8sRequest.instanceGroups[0].instanceType',
  ],
];

describe('the embedded ML API spec', () => {
  test('is ml.yaml: every definition a restore request reaches, as the vector has it', () => {
    const fresh = mlSpecDefinitions();
    expect(ML_SPEC_VERSION).toBe(fresh.version);
    expect(ML_DEFINITIONS).toEqual(fresh.definitions);
    expect(Object.keys(ML_DEFINITIONS)).toEqual(
      expect.arrayContaining(['RestoreWorkspaceRequest', 'CreateWorkspaceRequest', 'ProvisionK8sRequest', 'InstanceGroup']),
    );
  });

  test('a well-formed restore request passes both checks', () => {
    expect(checkRequest('RestoreWorkspaceRequest', ok)).toEqual([]);
    expect(validate(restore, ok, model.definitions)).toBeUndefined();
  });

  test.each(bad)('%s is refused, in the words of the emulator', (_what, body, message) => {
    const problems = checkRequest('RestoreWorkspaceRequest', JSON.parse(JSON.stringify(body)));
    expect(problems.map((p) => p.message)).toContain(message);
    expect(validate(restore, JSON.parse(JSON.stringify(body)), model.definitions)?.message).toBe(message);
  });

  test('every problem is reported, not only the first', () => {
    const problems = checkRequest('RestoreWorkspaceRequest', { ...ok, a: 1, b: 2, useStaticSubdomain: 1 });
    expect(problems.map((p) => p.field)).toEqual(['useStaticSubdomain', 'a', 'b']);
  });
});
