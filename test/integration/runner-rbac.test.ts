// The Role and ClusterRole of docs/runner.md, exactly as written, applied to the Kubernetes emulator:
// backup-mlmd and sync-minio (dry runs, which make every Kubernetes call a run makes) pass with it,
// and with any one of its verbs taken away the action that needs it fails naming that verb.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot, seedMlpipeline, startCkf } from '../../sandbox/index.js';
import { backupMlmdAction } from '../../actions/backup-mlmd/src/main.js';
import { syncMinioAction } from '../../actions/sync-minio/src/main.js';
import { runInProcess, sandboxJuju } from '../support/in-process.js';

type Ckf = Awaited<ReturnType<typeof startCkf>>;
type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
type RbacObject = { kind: string; metadata: { name: string; namespace?: string }; rules?: Rule[] };

/** The YAML block of the runner page that holds the ClusterRole: the whole RBAC set-up. */
function rbacFromRunnerPage(): RbacObject[] {
  const page = readFileSync(path.join(repoRoot, 'docs', 'runner.md'), 'utf8');
  const blocks = [...page.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).filter((b) => /^kind: ClusterRole$/m.test(b));
  expect(blocks).toHaveLength(1);
  const docs = parseAllDocuments(blocks[0]);
  for (const d of docs) expect(d.errors).toEqual([]);
  return docs.map((d) => d.toJS() as RbacObject);
}

let ckf: Ckf;
const rbac = rbacFromRunnerPage();

beforeAll(async () => {
  ckf = await startCkf({ dbBytes: 256 * 1024 });
  await seedMlpipeline(ckf.minio, 'mlpipeline', { objects: 5, seed: 7 });
}, 120_000);
afterAll(async () => {
  ckf.kube.setWebsocketCreateCheck(true);
  await ckf?.stop();
});

const actions = {
  'backup-mlmd': () =>
    runInProcess(backupMlmdAction, ckf.backupMlmdInputs({ 'dry-run': 'true' }), {
      env: ckf.env,
      timeoutMs: 60_000,
      clients: (config, context) => ({ ...backupMlmdAction.clients(config, context), juju: sandboxJuju(config.jujuModel, context) }),
    }),
  'sync-minio': () =>
    runInProcess(syncMinioAction, ckf.syncMinioInputs({ 's3-prefix': 'rbac', 'dry-run': 'true' }), {
      env: ckf.env,
      timeoutMs: 60_000,
      clients: (config, context) => ({ ...syncMinioAction.clients(config, context), juju: sandboxJuju(config.juju.model, context) }),
    }),
};

/** The set-up with one verb of one rule taken away. */
function without(kind: string, resource: string, verb: string): RbacObject[] {
  const copy: RbacObject[] = structuredClone(rbac);
  const rule = copy.find((o) => o.kind === kind)?.rules?.find((r) => r.resources.includes(resource));
  expect(rule?.verbs).toContain(verb);
  if (rule) rule.verbs = rule.verbs.filter((v) => v !== verb);
  return copy;
}

describe('the RBAC of docs/runner.md', () => {
  test('is a Role, a RoleBinding, a ClusterRole and a ClusterRoleBinding for one service account', () => {
    expect(rbac.map((o) => o.kind)).toEqual(['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']);
    expect(rbac.filter((o) => o.kind.startsWith('Role')).map((o) => o.metadata.namespace)).toEqual(['kubeflow', 'kubeflow']);
  });

  test('is enough: both actions pass with it, and the emulator refused nothing', async () => {
    ckf.kube.setRbac(rbac);
    const from = ckf.kube.requests.length;
    try {
      for (const run of Object.values(actions)) {
        const result = await run();
        expect({ code: result.code, error: result.outputs.error }).toEqual({ code: 0, error: undefined });
      }
    } finally {
      ckf.kube.setRbac(undefined);
    }
    expect(ckf.kube.requests.slice(from).filter((q: { status: number }) => q.status === 403)).toEqual([]);
  });

  // Each verb of the page, and the action that needs it.
  const verbs: [string, string, string, keyof typeof actions, string][] = [
    ['Role', 'pods', 'get', 'backup-mlmd', 'get resource "pods"'],
    ['Role', 'pods', 'list', 'sync-minio', 'list resource "pods"'],
    ['Role', 'services', 'get', 'sync-minio', 'get resource "services"'],
    ['Role', 'pods/exec', 'get', 'backup-mlmd', 'get resource "pods/exec"'],
    ['Role', 'pods/exec', 'create', 'backup-mlmd', 'create resource "pods/exec"'],
    ['Role', 'pods/portforward', 'get', 'sync-minio', 'get resource "pods/portforward"'],
    ['Role', 'pods/portforward', 'create', 'sync-minio', 'create resource "pods/portforward"'],
    ['ClusterRole', 'workflows', 'list', 'backup-mlmd', 'list resource "workflows" in API group "argoproj.io" at the cluster scope'],
    ['ClusterRole', 'experiments', 'list', 'backup-mlmd', 'list resource "experiments" in API group "kubeflow.org" at the cluster scope'],
  ];
  test.each(verbs)('is exactly what is used: without %s %s %s, %s fails naming it', async (kind, resource, verb, action, says) => {
    ckf.kube.setRbac(without(kind, resource, verb));
    try {
      const result = await actions[action]();
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/::error::(backup-mlmd|sync-minio) failed: .*not allowed to .*403 Forbidden/);
      expect(result.stdout).toContain(`cannot ${says}`);
    } finally {
      ckf.kube.setRbac(undefined);
    }
  });

  test('before Kubernetes 1.31 a WebSocket exec and port-forward need get only (the emulator switch)', async () => {
    ckf.kube.setWebsocketCreateCheck(false);
    const noCreate = without('Role', 'pods/exec', 'create');
    noCreate[0].rules = noCreate[0].rules?.map((r) => (r.resources.includes('pods/portforward') ? { ...r, verbs: ['get'] } : r));
    ckf.kube.setRbac(noCreate);
    try {
      for (const run of Object.values(actions)) expect((await run()).code).toBe(0);
    } finally {
      ckf.kube.setRbac(undefined);
      ckf.kube.setWebsocketCreateCheck(true);
    }
  });
});
