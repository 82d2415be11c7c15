// The CDP emulator's CML restore and each workbench's CML API v2 (sandbox/cdp/index.js, cml-api.js),
// through the real packages/cdp client: a backup then a restore into an interim and, once the original
// is gone, into its static subdomain; the restored workspace's describe (latest version, echoed tags
// and groups, NFS on Azure, a new EFS on AWS); projects paged through the API with Bearer keys; and
// the restore faults (a failed installation, a lost answer, a dropped project). Model time is paused
// and advanced, except in the test that waits with the real waiter over scaled time.
import { afterEach, describe, expect, test } from '@jest/globals';
import type { Logger } from '@ml-backup-actions/core';
import { CdpClient, CdpError, MlApi, waitForWorkspace, type CreateWorkspaceRequest, type Workspace } from '../../packages/cdp/src/index.js';
import { LATEST_WORKSPACE_VERSION, startCdp } from '../../sandbox/cdp/index.js';
import { must } from '../support/must.js';

type Cdp = Awaited<ReturnType<typeof startCdp>>;
const SOURCE_TAG = 'ml-backup-actions/source-backup';
const log: Logger = {
  info: () => undefined,
  notice: () => undefined,
  warning: () => undefined,
  error: () => undefined,
  debug: () => undefined,
  group: (_n, fn) => fn(),
};

const started: Cdp[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((c) => c.stop()));
});

/** An emulator with model time paused (tests advance it), or running at `timeScale`. */
async function sandbox(options: Parameters<typeof startCdp>[0] = {}): Promise<{ cdp: Cdp; ml: MlApi }> {
  const cdp = await startCdp({ timeScale: 20_000, ...options });
  started.push(cdp);
  if (options.timeScale === undefined) cdp.clock.pause();
  const client = new CdpClient({
    credentials: { accessKeyId: cdp.keys.ed25519.accessKeyId, privateKey: cdp.keys.ed25519.privateKey, source: 'test' },
    endpoint: cdp.endpoint,
    log,
    attempts: 1,
  });
  return { cdp, ml: new MlApi(client) };
}

async function describeByName(ml: MlApi, cdp: Cdp, name: string): Promise<Workspace> {
  return (await ml.describeWorkspace({ workspaceCrn: must(cdp.workspace(name), name).crn })).workspace;
}

/** A finished backup of the workspace (model time advanced past it). */
async function backup(ml: MlApi, cdp: Cdp, ws: Workspace): Promise<string> {
  const { backupCrn } = await ml.backupWorkspace({ workspaceCrn: ws.crn, backupName: `${ws.instanceName}-pre-upgrade`, backupJobTimeoutMinutes: 720 });
  cdp.clock.advance(11 * 3600);
  expect((await ml.describeWorkspaceBackup({ backupCrn })).backupStatus).toBe(cdp.backupStatuses.finished);
  return must(backupCrn, 'backupCrn');
}

/** newWorkspaceParameters derived from the original's describe, as restore-cml derives them, with the source tag. */
function restoreParameters(original: Workspace, workspaceName: string, backupCrn: string): CreateWorkspaceRequest {
  return {
    environmentName: original.environmentName,
    workspaceName,
    provisionK8sRequest: {
      environmentName: original.environmentName,
      instanceGroups: original.instanceGroups.map((g) => ({
        instanceType: g.instanceType,
        instanceCount: g.instanceCount,
        name: g.name,
        rootVolume: { size: must(g.rootVolumeSize, 'rootVolumeSize') },
        autoscaling: { minInstances: g.minInstances, maxInstances: g.maxInstances, enabled: true },
      })),
      tags: [...original.tags, { key: SOURCE_TAG, value: backupCrn }],
      network: { topology: { subnets: original.subnets ?? [] } },
    },
    disableTLS: !original.httpsEnabled,
    enableMonitoring: original.monitoringEnabled,
    loadBalancerIPWhitelists: original.loadBalancerIPWhitelists,
    ...(original.cloudPlatform === 'AZURE' ? { existingNFS: original.filesystemID, nfsVersion: original.nfsVersion } : {}),
  };
}

/** GET <instanceUrl>/api/v2/<path> with a Bearer key. */
async function cml(instanceUrl: string, path: string, key: string | undefined, query: Record<string, string> = {}, method = 'GET') {
  const url = new URL(`${instanceUrl}/api/v2/${path}`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const res = await fetch(url, { method, headers: key === undefined ? {} : { authorization: `Bearer ${key}` } });
  return { status: res.status, json: (await res.json()) as any };
}

/** Every page of a list, following next_page_token with the same page_size. */
async function listAll(instanceUrl: string, path: string, field: string, key: string, query: Record<string, string> = {}) {
  const items: any[] = [];
  let pages = 0;
  let token = '';
  do {
    const r = await cml(instanceUrl, path, key, { ...query, ...(token ? { page_token: token } : {}) });
    expect(r.status).toBe(200);
    items.push(...r.json[field]);
    token = r.json.next_page_token;
    pages++;
  } while (token);
  return { items, pages };
}

describe('restore into an interim workspace (AWS)', () => {
  test('a new workspace: isRestored, the latest version, the same projects, a new URL, new EFS; tags and groups echoed', async () => {
    const { cdp, ml } = await sandbox();
    const original = await describeByName(ml, cdp, 'ml-prod');
    expect(original.tags).toEqual([{ key: 'team', value: 'ml-platform' }]);
    expect(original.subnets?.length).toBe(2);
    expect(original.healthInfoLists?.every((h) => h.isHealthy && h.message === '' && Array.isArray(h.details))).toBe(true);
    const backupCrn = await backup(ml, cdp, original);

    const restored = await ml.restoreWorkspace({
      backupCrn,
      useStaticSubdomain: false,
      restoreJobTimeoutMinutes: 720,
      newWorkspaceParameters: restoreParameters(original, 'ml-prod-interim', backupCrn),
    });
    const crn = must(restored.workspaceCrn, 'workspaceCrn');
    expect(crn).not.toBe(original.crn);
    let ws = (await ml.describeWorkspace({ workspaceCrn: crn })).workspace;
    expect(ws.instanceStatus).toBe('provision:started');
    // Not ready yet: the workbench's API answers 503.
    expect((await cml(ws.instanceUrl, 'projects', cdp.cmlApiKey(crn))).status).toBe(503);
    cdp.clock.advance(1.5 * 3600);
    expect((await ml.describeWorkspace({ workspaceCrn: crn })).workspace.instanceStatus).toBe('installation:started');
    cdp.clock.advance(2 * 3600);
    ws = (await ml.describeWorkspace({ workspaceCrn: crn })).workspace;

    expect(ws).toMatchObject({
      instanceStatus: 'installation:finished',
      isRestored: true,
      version: LATEST_WORKSPACE_VERSION,
      httpsEnabled: true,
      monitoringEnabled: true,
    });
    expect(ws.version).not.toBe(original.version);
    expect((await ml.client.post<{ version: string }>('ml', 'getLatestWorkspaceVersion', {})).version).toBe(ws.version);
    expect(ws.instanceUrl).not.toBe(original.instanceUrl);
    expect(ws.instanceUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ml-[0-9a-f]{8}$/);
    expect(ws.filesystemID).toMatch(/^fs-/);
    expect(ws.filesystemID).not.toBe(original.filesystemID);
    expect(ws.tags).toEqual([...original.tags, { key: SOURCE_TAG, value: backupCrn }]);
    expect(ws.subnets).toEqual(original.subnets);
    expect(ws.loadBalancerIPWhitelists).toEqual(original.loadBalancerIPWhitelists);
    const strip = (g: Workspace['instanceGroups'][number]) => ({
      instanceType: g.instanceType,
      instanceCount: g.instanceCount,
      name: g.name,
      minInstances: g.minInstances,
      maxInstances: g.maxInstances,
      rootVolumeSize: g.rootVolumeSize,
    });
    expect(ws.instanceGroups.map(strip)).toEqual(original.instanceGroups.map(strip));
    expect(cdp.restores()).toEqual([
      expect.objectContaining({ backupCrn, workspaceCrn: crn, workspaceName: 'ml-prod-interim', useStaticSubdomain: false, restoreJobTimeoutMinutes: 720 }),
    ]);

    // The same projects, by id, through the API; the original's admin key works (keys survive by default).
    const key = cdp.cmlApiKey(original.crn);
    expect(cdp.cmlApiKey(crn)).toBe(key);
    const before = await listAll(original.instanceUrl, 'projects', 'projects', key);
    const after = await listAll(ws.instanceUrl, 'projects', 'projects', key);
    expect(before.items).toHaveLength(12);
    expect(after.items.map((p) => [p.id, p.name, p.owner.username])).toEqual(before.items.map((p) => [p.id, p.name, p.owner.username]));
    expect(cdp.cmlProjects(crn)).toEqual(cdp.cmlProjects(original.crn));
    const atInterim = cdp.cmlRequests.filter((r) => r.workspaceCrn === crn);
    expect(atInterim.length).toBeGreaterThan(1);
    expect(atInterim.every((r) => r.method === 'GET')).toBe(true);
  });

  test('the real waiter follows a restore over scaled time; a restore job timeout shorter than the restore fails it', async () => {
    const { cdp, ml } = await sandbox({ timeScale: 20_000, backupSeconds: 3600, restoreSeconds: 3600 });
    const original = await describeByName(ml, cdp, 'ml-prod');
    const { backupCrn } = await ml.backupWorkspace({ workspaceCrn: original.crn, backupName: 'b' });
    await new Promise((r) => setTimeout(r, 400));
    const crn = must(
      (
        await ml.restoreWorkspace({
          backupCrn,
          restoreJobTimeoutMinutes: 120,
          newWorkspaceParameters: restoreParameters(original, 'waited', must(backupCrn, 'backupCrn')),
        })
      ).workspaceCrn,
      'crn',
    );
    const ws = await waitForWorkspace(ml, { workspaceCrn: crn }, { log, timeoutMs: 10_000, intervalMs: 20, progressEveryMs: 5000 });
    expect(ws.isRestored).toBe(true);

    const short = must(
      (
        await ml.restoreWorkspace({
          backupCrn,
          restoreJobTimeoutMinutes: 30,
          newWorkspaceParameters: restoreParameters(original, 'too-short', must(backupCrn, 'b')),
        })
      ).workspaceCrn,
      'crn',
    );
    await expect(waitForWorkspace(ml, { workspaceCrn: short }, { log, timeoutMs: 10_000, intervalMs: 20, progressEveryMs: 5000 })).rejects.toThrow(
      /installation:failed: The restore job did not finish within restoreJobTimeoutMinutes \(30 minutes\)/,
    );
  });
});

describe('restore with the static subdomain', () => {
  test('refused while the original holds it (also while it is being deleted); after it is gone, the same URL serves the restored workspace', async () => {
    const { cdp, ml } = await sandbox();
    const original = await describeByName(ml, cdp, 'ml-prod');
    const backupCrn = await backup(ml, cdp, original);
    const request = {
      backupCrn,
      useStaticSubdomain: true,
      restoreJobTimeoutMinutes: 720,
      newWorkspaceParameters: restoreParameters(original, 'ml-prod-v2', backupCrn),
    };
    const subdomain = must(original.instanceUrl.split('/').at(-1), 'subdomain');

    const refused = (await ml.restoreWorkspace(request).catch((e: unknown) => e)) as CdpError;
    expect(refused).toBeInstanceOf(CdpError);
    expect(refused).toMatchObject({ status: 400, code: 'FAILED_PRECONDITION' });
    expect(refused.message).toContain(`The subdomain ${subdomain} is still used by workbench ml-prod`);

    await ml.deleteWorkspace({ workspaceCrn: original.crn, force: false, removeStorage: false });
    expect((await ml.describeWorkspace({ workspaceCrn: original.crn })).workspace.instanceStatus).toBe('deprovision:started');
    await expect(ml.restoreWorkspace(request)).rejects.toMatchObject({ status: 400, code: 'FAILED_PRECONDITION' });
    cdp.clock.advance(3600);
    await expect(ml.describeWorkspace({ workspaceCrn: original.crn })).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
    // A 500 is not a NOT_FOUND: the fault keeps its own code.
    cdp.faults.errorNext(1, 500, 'describeWorkspace');
    await expect(ml.describeWorkspace({ workspaceCrn: original.crn })).rejects.toMatchObject({ status: 500, code: 'INTERNAL' });
    // Nothing answers at the subdomain while no live workspace holds it.
    expect((await cml(original.instanceUrl, 'projects', cdp.cmlApiKey(original.crn))).status).toBe(404);

    const crn = must((await ml.restoreWorkspace(request)).workspaceCrn, 'workspaceCrn');
    cdp.clock.advance(4 * 3600);
    const ws = (await ml.describeWorkspace({ workspaceCrn: crn })).workspace;
    expect(ws.instanceUrl).toBe(original.instanceUrl);
    const r = await cml(ws.instanceUrl, 'projects', cdp.cmlApiKey(crn), { page_size: '100' });
    expect(r.status).toBe(200);
    expect(r.json.projects).toHaveLength(12);
    expect(cdp.cmlRequests.at(-1)).toMatchObject({ workspaceCrn: crn, username: 'admin', status: 200, method: 'GET', path: '/api/v2/projects' });
    expect(cdp.restores().map((x) => x.useStaticSubdomain)).toEqual([true]);
  });
});

describe('the CML API v2', () => {
  test('projects in pages: default 10 with a next_page_token, page_size followed to the end, bad tokens and sizes refused', async () => {
    const { cdp, ml } = await sandbox();
    const ws = await describeByName(ml, cdp, 'ml-prod');
    const key = cdp.cmlApiKey(ws.crn);
    const first = await cml(ws.instanceUrl, 'projects', key);
    expect(first.status).toBe(200);
    expect(first.json.projects).toHaveLength(10);
    expect(first.json.next_page_token).toEqual(expect.any(String));
    expect(first.json.next_page_token).not.toBe('');
    expect(first.json.projects[0]).toEqual({
      id: expect.stringMatching(/^(?:[a-z0-9]{4}-){3}[a-z0-9]{4}$/),
      name: 'churn-model',
      owner: { username: 'admin', name: 'Admin', email: 'admin@example.com' },
      creator: { username: 'admin', name: 'Admin', email: 'admin@example.com' },
      created_at: expect.any(String),
      updated_at: expect.any(String),
      visibility: 'private',
      description: '',
      default_engine_type: 'ml_runtime',
      creation_status: 'success',
    });
    const second = await cml(ws.instanceUrl, 'projects', key, { page_token: first.json.next_page_token });
    expect(second.json.projects).toHaveLength(2);
    expect(second.json.next_page_token).toBe('');

    const paged = await listAll(ws.instanceUrl, 'projects', 'projects', key, { page_size: '5' });
    expect(paged.pages).toBe(3);
    expect(paged.items.map((p) => p.id)).toEqual([...first.json.projects, ...second.json.projects].map((p: any) => p.id));
    const sorted = [...paged.items].sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
    expect(paged.items).toEqual(sorted);

    // A token is good only with the page size and user it was issued for.
    const p5 = await cml(ws.instanceUrl, 'projects', key, { page_size: '5' });
    const badQueries: Record<string, string>[] = [
      { page_token: 'not-a-token' },
      { page_token: p5.json.next_page_token },
      { page_token: p5.json.next_page_token, page_size: '6' },
    ];
    for (const query of badQueries) {
      const bad = await cml(ws.instanceUrl, 'projects', key, query);
      expect(bad.status).toBe(400);
      expect(bad.json).toMatchObject({ code: 3, message: expect.stringContaining('page token'), details: [] });
    }
    expect((await cml(ws.instanceUrl, 'projects', cdp.cmlApiKey(ws.crn, 'alice'), { page_size: '5', page_token: p5.json.next_page_token })).status).toBe(400);
    expect((await cml(ws.instanceUrl, 'projects', key, { page_size: '101' })).status).toBe(400);
    expect((await cml(ws.instanceUrl, 'projects', key, { page_size: '100' })).json.projects).toHaveLength(12);
    const byName = await cml(ws.instanceUrl, 'projects', key, { search_filter: JSON.stringify({ name: 'churn-model' }) });
    expect(byName.json.projects.map((p: any) => p.name)).toEqual(['churn-model']);
  });

  test('visibility: admin sees all, alice her own and the public ones (with include_public_projects); invisible project 404', async () => {
    const { cdp, ml } = await sandbox();
    const ws = await describeByName(ml, cdp, 'ml-prod');
    const alice = cdp.cmlApiKey(ws.crn, 'alice');
    const all = cdp.cmlProjects(ws.crn);
    const own = all.filter((p) => p.owner === 'alice');
    const visible = all.filter((p) => p.owner === 'alice' || p.visibility === 'public');
    expect(own.length).toBeGreaterThan(0);
    expect(visible.length).toBeGreaterThan(own.length);
    expect((await listAll(ws.instanceUrl, 'projects', 'projects', alice)).items.map((p) => p.id)).toEqual(own.map((p) => p.id));
    const withPublic = await listAll(ws.instanceUrl, 'projects', 'projects', alice, { include_public_projects: 'true' });
    expect(withPublic.items.map((p) => p.id).sort()).toEqual(visible.map((p) => p.id).sort());
    const hidden = must(
      all.find((p) => p.owner === 'admin' && p.visibility === 'private'),
      'a private admin project',
    );
    const r = await cml(ws.instanceUrl, `projects/${hidden.id}/jobs`, alice);
    expect(r).toEqual({ status: 404, json: expect.objectContaining({ code: 5, message: 'project not found' }) });
    expect((await cml(ws.instanceUrl, 'projects/zzzz-zzzz-zzzz-zzzz/jobs', cdp.cmlApiKey(ws.crn))).status).toBe(404);
    // A new key for a new user, and one more site administrator.
    const bob = cdp.addCmlApiKey(ws.crn, 'bob');
    expect((await cml(ws.instanceUrl, 'projects', bob)).json.projects).toEqual([]);
    const ops = cdp.addCmlApiKey(ws.crn, 'ops', { admin: true });
    expect(ops).toMatch(/^[0-9a-f]{64}$/);
    expect((await cml(ws.instanceUrl, 'projects', ops, { page_size: '100' })).json.projects).toHaveLength(12);
  });

  test('jobs, models, applications: what validation flags (a scheduled job, a running application, a deployed model), paged the same way', async () => {
    const { cdp, ml } = await sandbox();
    const ws = await describeByName(ml, cdp, 'ml-azure');
    const key = cdp.cmlApiKey(ws.crn);
    const { items: projects } = await listAll(ws.instanceUrl, 'projects', 'projects', key, { page_size: '100' });
    const scheduled: string[] = [];
    const running: string[] = [];
    const deployed: string[] = [];
    for (const p of projects) {
      for (const j of (await listAll(ws.instanceUrl, `projects/${p.id}/jobs`, 'jobs', key)).items)
        if (j.schedule) scheduled.push(`${p.name}/${j.name} ${j.schedule}`);
      for (const a of (await listAll(ws.instanceUrl, `projects/${p.id}/applications`, 'applications', key)).items) {
        expect(['APPLICATION_RUNNING', 'APPLICATION_STOPPED']).toContain(a.status);
        if (a.status === 'APPLICATION_RUNNING') running.push(`${p.name}/${a.name}`);
      }
      for (const m of (await listAll(ws.instanceUrl, `projects/${p.id}/models`, 'models', key)).items) {
        const d = await listAll(ws.instanceUrl, `projects/${p.id}/models/${m.id}/deployments`, 'model_deployments', key);
        if (d.items.some((x) => x.status === 'deployed')) deployed.push(`${p.name}/${m.name}`);
      }
    }
    expect(scheduled).toEqual(['churn-model/nightly-train 0 2 * * *']);
    expect(running).toEqual(['sales-dashboard/dashboard']);
    expect(deployed).toEqual(['churn-model/churn-api']);
    const churn = must(
      projects.find((p) => p.name === 'churn-model'),
      'churn-model',
    );
    const page = await cml(ws.instanceUrl, `projects/${churn.id}/jobs`, key, { page_size: '1' });
    expect(page.json.jobs).toHaveLength(1);
    expect(page.json.jobs[0]).toMatchObject({ project_id: churn.id, name: 'nightly-train', schedule: '0 2 * * *' });
    expect(page.json.next_page_token).not.toBe('');
    expect((await cml(ws.instanceUrl, `projects/${churn.id}/jobs`, key, { page_token: page.json.next_page_token })).status).toBe(400);
    expect(cdp.cmlRequests.every((r) => r.method === 'GET')).toBe(true);
  });

  test('Bearer auth: no header, an unknown key, another workspace key: 401 in the gRPC-gateway shape; other methods 405', async () => {
    const { cdp, ml } = await sandbox();
    const ws = await describeByName(ml, cdp, 'ml-prod');
    const other = cdp.cmlApiKey('ml-azure');
    for (const key of [undefined, 'f'.repeat(64), other]) {
      const r = await cml(ws.instanceUrl, 'projects', key);
      expect(r).toEqual({ status: 401, json: { error: 'Unauthorized: invalid API key', code: 16, message: 'Unauthorized: invalid API key', details: [] } });
    }
    const key = cdp.cmlApiKey(ws.crn);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    for (const method of ['POST', 'PATCH', 'DELETE', 'PUT']) {
      const r = await cml(ws.instanceUrl, 'projects', key, {}, method);
      expect({ method, status: r.status, code: r.json.code }).toEqual({ method, status: 405, code: 12 });
    }
    expect(cdp.cmlRequests.filter((r) => r.method !== 'GET').map((r) => r.status)).toEqual([405, 405, 405, 405]);
    expect(JSON.stringify(cdp.cmlRequests)).not.toContain(key);
    expect((await fetch(`${cdp.cmlApi.endpoint}/no-such-subdomain/api/v2/projects`)).status).toBe(404);
  });

  test('faults: cmlErrorNext answers 503 then serves; cmlSlow delays; a suspended workbench answers 503', async () => {
    const { cdp, ml } = await sandbox();
    const ws = await describeByName(ml, cdp, 'ml-azure');
    const key = cdp.cmlApiKey(ws.crn);
    cdp.faults.cmlErrorNext(2);
    expect((await cml(ws.instanceUrl, 'projects', key)).status).toBe(503);
    expect((await cml(ws.instanceUrl, 'projects', key)).status).toBe(503);
    expect((await cml(ws.instanceUrl, 'projects', key)).status).toBe(200);
    cdp.faults.cmlSlow(300, 1);
    const t0 = Date.now();
    expect((await cml(ws.instanceUrl, 'projects', key)).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    await ml.suspendWorkspace({ workspaceCrn: ws.crn });
    cdp.clock.advance(3600);
    const r = await cml(ws.instanceUrl, 'projects', key);
    expect(r).toEqual({ status: 503, json: expect.objectContaining({ code: 14, message: expect.stringContaining('suspend:finished') }) });
  });
});

describe('keys across a restore (low confidence: the switch covers both answers)', () => {
  const cases: [string, boolean][] = [
    ['survive', true],
    ['do not survive', false],
  ];
  test.each(cases)('keys %s', async (_what, survive) => {
    const { cdp, ml } = await sandbox({ keysSurviveRestore: survive });
    const original = await describeByName(ml, cdp, 'ml-prod');
    const backupCrn = await backup(ml, cdp, original);
    const crn = must(
      (await ml.restoreWorkspace({ backupCrn, restoreJobTimeoutMinutes: 720, newWorkspaceParameters: restoreParameters(original, 'interim', backupCrn) }))
        .workspaceCrn,
      'crn',
    );
    cdp.clock.advance(4 * 3600);
    const ws = (await ml.describeWorkspace({ workspaceCrn: crn })).workspace;
    const oldKey = cdp.cmlApiKey(original.crn);
    expect((await cml(ws.instanceUrl, 'projects', oldKey)).status).toBe(survive ? 200 : 401);
    expect(cdp.cmlApiKey(crn) === oldKey).toBe(survive);
    expect((await cml(ws.instanceUrl, 'projects', cdp.cmlApiKey(crn, 'alice'))).status).toBe(200);
    // The handle's switch flips it for the next restore.
    cdp.setKeysSurviveRestore(!survive);
    const next = must(
      (await ml.restoreWorkspace({ backupCrn, restoreJobTimeoutMinutes: 720, newWorkspaceParameters: restoreParameters(original, 'interim-2', backupCrn) }))
        .workspaceCrn,
      'crn',
    );
    expect(cdp.cmlApiKey(next) === oldKey).toBe(!survive);
  });
});

describe('Azure', () => {
  test('the NFS is the one requested; without existingNFS a public-cloud request is refused', async () => {
    const { cdp, ml } = await sandbox();
    const original = await describeByName(ml, cdp, 'ml-azure');
    const backupCrn = await backup(ml, cdp, original);
    const params = restoreParameters(original, 'ml-azure-interim', backupCrn);
    const { existingNFS: _nfs, ...withoutNfs } = params;
    await expect(ml.restoreWorkspace({ backupCrn, restoreJobTimeoutMinutes: 720, newWorkspaceParameters: withoutNfs })).rejects.toMatchObject({
      status: 400,
      code: 'INVALID_ARGUMENT',
      cdpMessage: 'existingNFS is required to restore a workbench on Azure',
    });
    const nfs = 'othernfs.file.core.windows.net:/othernfs/ml';
    const crn = must(
      (await ml.restoreWorkspace({ backupCrn, restoreJobTimeoutMinutes: 720, newWorkspaceParameters: { ...params, existingNFS: nfs, nfsVersion: '4.1' } }))
        .workspaceCrn,
      'crn',
    );
    const same = must(
      (await ml.restoreWorkspace({ backupCrn, restoreJobTimeoutMinutes: 720, newWorkspaceParameters: { ...params, workspaceName: 'ml-azure-interim-2' } }))
        .workspaceCrn,
      'crn',
    );
    cdp.clock.advance(4 * 3600);
    expect((await ml.describeWorkspace({ workspaceCrn: crn })).workspace).toMatchObject({ filesystemID: nfs, nfsVersion: '4.1', isRestored: true });
    expect((await ml.describeWorkspace({ workspaceCrn: same })).workspace).toMatchObject({
      filesystemID: original.filesystemID,
      nfsVersion: original.nfsVersion,
    });
  });
});

describe('restore faults', () => {
  test('dropProjectOnRestore: the restored workspace lacks that project', async () => {
    const { cdp, ml } = await sandbox();
    const original = await describeByName(ml, cdp, 'ml-prod');
    const backupCrn = await backup(ml, cdp, original);
    cdp.faults.dropProjectOnRestore('forecasting');
    const crn = must(
      (await ml.restoreWorkspace({ backupCrn, restoreJobTimeoutMinutes: 720, newWorkspaceParameters: restoreParameters(original, 'interim', backupCrn) }))
        .workspaceCrn,
      'crn',
    );
    cdp.clock.advance(4 * 3600);
    const ws = (await ml.describeWorkspace({ workspaceCrn: crn })).workspace;
    const { items } = await listAll(ws.instanceUrl, 'projects', 'projects', cdp.cmlApiKey(crn));
    expect(items).toHaveLength(11);
    expect(items.map((p) => p.name)).not.toContain('forecasting');
    // Only the next restore.
    const again = must(
      (await ml.restoreWorkspace({ backupCrn, restoreJobTimeoutMinutes: 720, newWorkspaceParameters: restoreParameters(original, 'interim-2', backupCrn) }))
        .workspaceCrn,
      'crn',
    );
    expect(cdp.cmlProjects(again)).toHaveLength(12);
  });

  test('failNextRestore: installation:failed with failureMessage, at the fraction given', async () => {
    const { cdp, ml } = await sandbox({ restoreSeconds: 3 * 3600 });
    const original = await describeByName(ml, cdp, 'ml-prod');
    const backupCrn = await backup(ml, cdp, original);
    cdp.faults.failNextRestore('installation of the model registry failed', 0.75);
    const crn = must(
      (await ml.restoreWorkspace({ backupCrn, restoreJobTimeoutMinutes: 720, newWorkspaceParameters: restoreParameters(original, 'interim', backupCrn) }))
        .workspaceCrn,
      'crn',
    );
    cdp.clock.advance(2 * 3600);
    let ws = (await ml.describeWorkspace({ workspaceCrn: crn })).workspace;
    expect(ws.instanceStatus).toBe('installation:started');
    expect(ws.failureMessage).toBeUndefined();
    cdp.clock.advance(0.5 * 3600);
    ws = (await ml.describeWorkspace({ workspaceCrn: crn })).workspace;
    expect(ws).toMatchObject({ instanceStatus: 'installation:failed', failureMessage: 'installation of the model registry failed' });
    expect((await ml.listWorkspaces()).workspaces?.find((w) => w.crn === crn)?.failureMessage).toBe('installation of the model registry failed');
    expect((await cml(ws.instanceUrl, 'projects', cdp.cmlApiKey(crn))).status).toBe(503);
  });

  test('loseNextAnswer: the workspace is created, the client sees a connection reset; a retry is refused as a name clash', async () => {
    const { cdp, ml } = await sandbox();
    const original = await describeByName(ml, cdp, 'ml-prod');
    const backupCrn = await backup(ml, cdp, original);
    cdp.faults.loseNextAnswer();
    const request = { backupCrn, restoreJobTimeoutMinutes: 720, newWorkspaceParameters: restoreParameters(original, 'interim', backupCrn) };
    const err = (await ml.restoreWorkspace(request).catch((e: unknown) => e)) as CdpError;
    expect(err).toBeInstanceOf(CdpError);
    expect(err.code).toBe('NETWORK_ERROR');
    expect(err.status).toBe(0);
    const made = cdp.restores();
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ backupCrn, workspaceName: 'interim' });
    expect((await ml.listWorkspaces()).workspaces?.map((w) => w.instanceName)).toContain('interim');
    expect(cdp.requests.at(-2)).toMatchObject({ operation: 'restoreWorkspace', status: 0, code: 'ANSWER_LOST' });
    await expect(ml.restoreWorkspace(request)).rejects.toMatchObject({ status: 409, code: 'ALREADY_EXISTS' });
    expect(cdp.restores()).toHaveLength(1);
  });

  test('setHealth: describe shows the unhealthy resource', async () => {
    const { cdp, ml } = await sandbox();
    cdp.faults.setHealth('ml-prod', [{ resourceName: 'livelog', isHealthy: false, message: 'CrashLoopBackOff' }]);
    const ws = await describeByName(ml, cdp, 'ml-prod');
    expect(ws.healthInfoLists?.find((h) => h.resourceName === 'livelog')).toMatchObject({ isHealthy: false, message: 'CrashLoopBackOff', details: [] });
    expect(ws.healthInfoLists?.filter((h) => !h.isHealthy)).toHaveLength(1);
  });
});
