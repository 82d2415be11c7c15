// The kube package's pure parts: kubeconfig loading and its errors, what counts as a running
// workload, and how failures are explained.
import { afterEach, describe, expect, test } from '@jest/globals';
import { ActionError } from '@ml-backup-actions/core';
import { contextNamespace, experimentActive, explain, loadKubeConfig, serverOf, workflowActive } from '@ml-backup-actions/kube';

const TOKEN = 'sha256~VerySecretToken0123456789';
const kubeconfig = (extra = '') => `apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority-data: ${Buffer.from('not a real CA').toString('base64')}
users:
- name: backup
  user:
    token: ${TOKEN}
contexts:
- name: prod
  context: {cluster: prod, user: backup, namespace: kubeflow}
- name: other
  context: {cluster: prod, user: backup}
current-context: prod
${extra}`;

describe('loadKubeConfig', () => {
  const saved = process.env.KUBECONFIG;
  afterEach(() => {
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
  });

  test('reads content in memory: server, namespace, token', () => {
    const kc = loadKubeConfig({ kubeconfig: kubeconfig() });
    expect(serverOf(kc)).toBe('https://10.0.0.1:6443');
    expect(contextNamespace(kc)).toBe('kubeflow');
    expect(kc.getCurrentUser()?.token).toBe(TOKEN);
    expect(contextNamespace(loadKubeConfig({ kubeconfig: kubeconfig(), context: 'other' }))).toBeUndefined();
  });

  test('malformed content is refused without quoting it', () => {
    const broken = kubeconfig().replace('  cluster:\n', '  cluster:\n   - oops: [\n');
    let err: unknown;
    try {
      loadKubeConfig({ kubeconfig: broken });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ActionError);
    expect((err as Error).message).toMatch(/^could not read the kubeconfig input: .+; check that it is a complete kubeconfig file$/);
    expect((err as Error).message).not.toContain(TOKEN);
    expect((err as Error).message).not.toContain('\n');
  });

  test('content without a usable context, or an unknown context, is refused', () => {
    expect(() => loadKubeConfig({ kubeconfig: 'just text' })).toThrow(
      'the kubeconfig input has no usable current context with a cluster server URL; set current-context, or choose a context',
    );
    expect(() => loadKubeConfig({ kubeconfig: kubeconfig(), context: 'staging' })).toThrow(
      'the kubeconfig input has no context named "staging" (it has: prod, other)',
    );
  });

  test('a KUBECONFIG that does not exist is named', () => {
    process.env.KUBECONFIG = '/nonexistent/kubeconfig';
    expect(() => loadKubeConfig()).toThrow(/^could not read the kubeconfig named by KUBECONFIG \(\/nonexistent\/kubeconfig\): ENOENT/);
  });
});

describe('running workloads', () => {
  test.each([
    ['', true],
    ['Pending', true],
    ['Running', true],
    ['Succeeded', false],
    ['Failed', false],
    ['Error', false],
  ])('a workflow in phase "%s" is active: %s', (phase, active) => {
    expect(workflowActive(phase ? { status: { phase } } : {})).toBe(active);
  });

  test.each([
    [[{ type: 'Created', status: 'True' }], true],
    [
      [
        { type: 'Created', status: 'True' },
        { type: 'Running', status: 'True' },
      ],
      true,
    ],
    [
      [
        { type: 'Created', status: 'True' },
        { type: 'Restarting', status: 'True' },
      ],
      true,
    ],
    [
      [
        { type: 'Running', status: 'False' },
        { type: 'Succeeded', status: 'True' },
      ],
      false,
    ],
    [
      [
        { type: 'Running', status: 'False' },
        { type: 'Failed', status: 'True' },
      ],
      false,
    ],
    [[{ type: 'Succeeded', status: 'False' }], true],
  ])('an experiment with conditions %j is active: %s', (conditions, active) => {
    expect(experimentActive({ status: { conditions } })).toBe(active);
  });
});

describe('explain', () => {
  const t = { verb: 'get', resource: 'pod', name: 'mlmd-0', namespace: 'kubeflow', server: 'https://10.0.0.1:6443' };

  test('network failures name the server', () => {
    const err = Object.assign(new Error('request to https://10.0.0.1:6443/api failed, reason: connect EHOSTUNREACH'), { code: 'EHOSTUNREACH' });
    expect(explain(err, t).message).toBe(
      'could not reach the Kubernetes API server at https://10.0.0.1:6443 to get pod mlmd-0 in namespace kubeflow (EHOSTUNREACH); check the cluster address in the kubeconfig and that the runner can reach it',
    );
    const tls = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(explain(tls, t).message).toMatch(/^the TLS certificate of the Kubernetes API server at https:\/\/10.0.0.1:6443 was not accepted/);
  });

  test('API errors by status code, with the Status message', () => {
    const apiError = (code: number, body: unknown) => Object.assign(new Error(`HTTP-Code: ${code}`), { code, body });
    expect(explain(apiError(404, '{"kind":"Status","message":"pods \\"mlmd-0\\" not found","reason":"NotFound","code":404}'), t).message).toBe(
      'pod mlmd-0 not found in namespace kubeflow',
    );
    expect(explain(apiError(500, { message: 'etcdserver: request timed out', reason: 'InternalError' }), t).message).toBe(
      'could not get pod mlmd-0 in namespace kubeflow: the API server answered 500 InternalError: etcdserver: request timed out',
    );
    const mine = new ActionError('already explained');
    expect(explain(mine, t)).toBe(mine);
  });
});
