// The Azure package through the REAL SDK clients (@azure/identity ClientAssertionCredential,
// @azure/arm-resources ResourceManagementClient, @azure/arm-compute ComputeManagementClient) against the
// ARM + Entra ID emulator (sandbox/azure), with @actions/core's getIDToken served by a local
// stand-in for the Actions OIDC endpoint.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as core from '@actions/core';
import type http from 'node:http';
import https from 'node:https';
import {
  DiskTaggingError,
  GC_TAG_KEY,
  GC_TAG_VALUE,
  createAzureClients,
  describeGcTagReport,
  findWorkspaceDisks,
  gcTagReport,
  gitHubOidcCredential,
  requireResourceGroup,
  resourceGroupExists,
  tagDisksForGc,
  type AzureClients,
  type GitHubOidcCredential,
} from '@ml-backup-actions/azure';
import { startAzure } from '../../sandbox/azure/index.js';
import { startGitHubOidc } from '../../sandbox/azure/github-oidc.js';
import { must } from '../support/must.js';

type Azure = Awaited<ReturnType<typeof startAzure>>;
const NODE_RG = 'MC_cml-env-rg_liftie-x7k2p9_eastus';
const ENV_RG = 'cml-env-rg';
const ACCESS_TOKEN_LIFETIME_SEC = 3;

let azure: Azure;
let oidc: Awaited<ReturnType<typeof startGitHubOidc>>;
let credential: GitHubOidcCredential;
let clients: AzureClients;
const savedEnv = { url: process.env.ACTIONS_ID_TOKEN_REQUEST_URL, token: process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A raw HTTPS request to the emulator (for what the SDK never sends: no token, a stale api-version). */
function raw(method: string, path: string, token?: string): Promise<{ status: number; body: any; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${azure.endpoint}${path}`, { method, ca: azure.ca, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

// @actions/core writes workflow commands (::debug::, ::add-mask::) to stdout: keep them out of the
// test output, and keep them to check that every ID token was masked.
const commands: string[] = [];
const realWrite = process.stdout.write.bind(process.stdout);

beforeAll(async () => {
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: any[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    if (text.startsWith('::')) {
      commands.push(...text.split('\n').filter(Boolean));
      return true;
    }
    return realWrite(chunk, ...rest);
  }) as typeof process.stdout.write;
  azure = await startAzure();
  oidc = await startGitHubOidc(azure);
  Object.assign(process.env, oidc.env);

  credential = newCredential();
  clients = createAzureClients({ credential, subscriptionId: azure.subscriptionId, endpoint: azure.endpoint, ca: azure.ca });
});

/** The credential as an action builds it: getIDToken from @actions/core, the sandbox as authority. */
const newCredential = (clientId = azure.clientId) =>
  gitHubOidcCredential({
    tenantId: azure.tenantId,
    clientId,
    getIdToken: (audience) => core.getIDToken(audience),
    authorityHost: azure.authorityHost,
    disableInstanceDiscovery: true,
    clientOptions: { tlsOptions: { ca: azure.ca } },
  });

afterAll(async () => {
  process.env.ACTIONS_ID_TOKEN_REQUEST_URL = savedEnv.url;
  process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = savedEnv.token;
  if (savedEnv.url === undefined) delete process.env.ACTIONS_ID_TOKEN_REQUEST_URL;
  if (savedEnv.token === undefined) delete process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  await sleep(200); // let a background token refresh started by the SDK finish before the endpoints go
  await oidc?.stop();
  await azure?.close();
  process.stdout.write = realWrite;
});

describe('credential from the GitHub OIDC token', () => {
  // Short-lived access tokens here, so that a "long wait" is a few seconds. (Below the SDK's 2-minute
  // refresh window every request also starts a background refresh.)
  let credential: GitHubOidcCredential;
  let clients: AzureClients;
  beforeAll(() => {
    azure.setAccessTokenLifetime(ACCESS_TOKEN_LIFETIME_SEC);
    credential = newCredential();
    clients = createAzureClients({ credential, subscriptionId: azure.subscriptionId, endpoint: azure.endpoint, ca: azure.ca });
  });
  afterAll(() => azure.setAccessTokenLifetime(3600));

  test('gets an ARM token with a fresh GitHub ID token for api://AzureADTokenExchange', async () => {
    const token = must(await credential.getToken('https://management.azure.com/.default'), 'an ARM access token');
    expect(token.token.split('.')).toHaveLength(3);
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now());
    expect(oidc.calls.at(-1)).toEqual({ audience: 'api://AzureADTokenExchange', authorized: true });
    expect(azure.tokenRequests.at(-1)).toMatchObject({
      tenant: azure.tenantId,
      clientId: azure.clientId,
      grantType: 'client_credentials',
      assertionSubject: 'repo:acme/ml-platform:environment:production',
      outcome: 'issued',
    });
    expect(credential.stats.assertions).toBeGreaterThanOrEqual(1);
    expect(commands.filter((c) => c.startsWith('::add-mask::ey')).length).toBeGreaterThanOrEqual(1); // getIDToken masks it
  });

  test('ARM refuses a missing or an expired token with 401 in its error shape', async () => {
    const path = `/subscriptions/${azure.subscriptionId}/resourcegroups/${ENV_RG}?api-version=2025-04-01`;
    const none = await raw('GET', path);
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('AuthenticationFailed');
    expect(none.headers['www-authenticate']).toMatch(/^Bearer authorization_uri=/);

    const { token } = must(await credential.getToken('https://management.azure.com/.default'), "(await credential.getToken('https://management.azure.com/.de");
    expect((await raw('GET', path, token)).status).toBe(200);
    await sleep(ACCESS_TOKEN_LIFETIME_SEC * 1000 + 200);
    const expired = await raw('GET', path, token);
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('ExpiredAuthenticationToken');
  });

  test('refreshes during a long wait: each refresh presents a new GitHub ID token, ARM never sees an expired one', async () => {
    const issuedBefore = azure.tokenRequests.filter((t) => t.outcome === 'issued').length;
    const assertionsBefore = credential.stats.assertions;
    const armBefore = azure.requests.length;
    expect(await resourceGroupExists(clients, ENV_RG)).toBe(true);
    await sleep(ACCESS_TOKEN_LIFETIME_SEC * 1000 + 200); // the access token expires while "waiting"
    expect(await resourceGroupExists(clients, ENV_RG)).toBe(true);
    const issued = azure.tokenRequests.filter((t) => t.outcome === 'issued').length - issuedBefore;
    expect(issued).toBeGreaterThanOrEqual(2);
    expect(credential.stats.assertions - assertionsBefore).toBeGreaterThanOrEqual(2);
    const armStatuses = azure.requests
      .slice(armBefore)
      .filter((r) => r.path.startsWith('/subscriptions/'))
      .map((r) => r.status);
    expect(armStatuses).not.toContain(401);
  });

  test('a transient failure of the GitHub token endpoint is retried', async () => {
    const fresh = newCredential();
    oidc.failNext(1);
    const calls = oidc.calls.length;
    expect((await fresh.getToken('https://management.azure.com/.default'))?.token).toBeTruthy();
    expect(oidc.calls.length - calls).toBeGreaterThanOrEqual(2); // @actions/http-client retries too
    expect(fresh.stats.assertions).toBeGreaterThanOrEqual(1); // msal-node 7 asks for the assertion twice per token request

    // A provider that fails outright once (a network error, not an HTTP status) is retried by the credential.
    let failOnce = true;
    const flaky = gitHubOidcCredential({
      tenantId: azure.tenantId,
      clientId: azure.clientId,
      getIdToken: async (audience) => {
        if (failOnce) {
          failOnce = false;
          throw new Error('connect ECONNRESET');
        }
        return core.getIDToken(audience);
      },
      authorityHost: azure.authorityHost,
      disableInstanceDiscovery: true,
      clientOptions: { tlsOptions: { ca: azure.ca } },
    });
    expect((await flaky.getToken('https://management.azure.com/.default'))?.token).toBeTruthy();
    expect(failOnce).toBe(false);
  });

  test('a wrong client id is a clear Entra ID error', async () => {
    const wrong = newCredential('00000000-0000-4000-8000-000000000001');
    await expect(wrong.getToken('https://management.azure.com/.default')).rejects.toThrow(/AADSTS700016/);
  });
});

describe('resource groups', () => {
  test('a missing resource group is a clear error naming the group and the subscription', async () => {
    expect(await resourceGroupExists(clients, NODE_RG)).toBe(true);
    expect(await resourceGroupExists(clients, 'cml-snapshots-westeurope')).toBe(false);
    await expect(requireResourceGroup(clients, 'cml-snapshots-westeurope', { purpose: 'the CML backup snapshots' })).rejects.toThrow(
      `resource group 'cml-snapshots-westeurope' does not exist in subscription '${azure.subscriptionId}' (needed for the CML backup snapshots)`,
    );
    await expect(findWorkspaceDisks(clients, { resourceGroup: 'MC_gone_rg' })).rejects.toThrow(
      /could not list the disks of resource group 'MC_gone_rg' in subscription '.+' \(the resource group does not exist\): 404 ResourceGroupNotFound/,
    );
  });

  test('a stale api-version is refused as ARM does', async () => {
    const { token } = must(await credential.getToken('https://management.azure.com/.default'), "(await credential.getToken('https://management.azure.com/.de");
    const r = await raw(
      'GET',
      `/subscriptions/${azure.subscriptionId}/resourceGroups/${NODE_RG}/providers/Microsoft.Compute/disks?api-version=2019-07-01`,
      token,
    );
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('NoRegisteredProviderFound');
  });
});

describe('workspace disks and the garbage-collection tag', () => {
  test('reports the workspace disks that lack k8s-azure-created-by=kubernetes-azure-dd', async () => {
    const disks = await findWorkspaceDisks(clients, { resourceGroup: NODE_RG });
    expect(disks).toHaveLength(4); // the PV disks; the node OS disk has no PVC tag
    const report = gcTagReport(disks);
    expect(report.tagged.map((d) => d.tags['kubernetes.io-created-for-pvc-name']).sort()).toEqual(['data-db-0', 'data-livelog-0']);
    expect(report.missing.map((d) => d.tags['kubernetes.io-created-for-pvc-name']).sort()).toEqual(['data-s2i-registry-0', 'grafana-storage']);
    expect(report.missing[0]).toMatchObject({ resourceGroup: NODE_RG, diskState: 'Attached' });
    expect(describeGcTagReport(report)).toContain('4 workspace disk(s): 2 carry k8s-azure-created-by=kubernetes-azure-dd, 2 lack it');
    expect(await findWorkspaceDisks(clients, { resourceGroup: NODE_RG, tagFilter: {} })).toHaveLength(5);
    expect(await findWorkspaceDisks(clients, { resourceGroup: NODE_RG, tagFilter: { 'kubernetes.io-created-for-pvc-name': 'data-db-0' } })).toHaveLength(1);
  });

  test('a throttled list (429 with Retry-After) is retried by the SDK', async () => {
    const before = azure.requests.length;
    azure.throttleNext(1, 1);
    expect(await findWorkspaceDisks(clients, { resourceGroup: NODE_RG })).toHaveLength(4);
    const statuses = azure.requests.slice(before).map((r) => r.status);
    expect(statuses).toContain(429);
  });

  test('tagging merges the GC tag into the existing tags, never replacing them', async () => {
    const missing = gcTagReport(await findWorkspaceDisks(clients, { resourceGroup: NODE_RG })).missing;
    const grafana = must(
      missing.find((d) => d.tags['kubernetes.io-created-for-pvc-name'] === 'grafana-storage'),
      'the grafana-storage disk',
    );
    // Another writer adds a tag after our listing: the update must keep it (the disk is re-read first).
    azure.setDiskTags(NODE_RG, grafana.name, { ...grafana.tags, 'cost-center': 'ml-42' });
    const before = { ...must(azure.disk(NODE_RG, grafana.name), 'azure.disk(NODE_RG, grafana.name)').tags };

    const dry = await tagDisksForGc(clients, missing, { dryRun: true });
    expect(dry.outcomes.map((o) => o.result)).toEqual(['would-tag', 'would-tag']);
    expect(must(azure.disk(NODE_RG, grafana.name), 'azure.disk(NODE_RG, grafana.name)').tags[GC_TAG_KEY]).toBeUndefined();

    const start = azure.requests.length;
    const result = await tagDisksForGc(clients, missing, { pollIntervalMs: 20 });
    expect(result.tagged.sort()).toEqual(missing.map((d) => d.name).sort());
    const after = must(azure.disk(NODE_RG, grafana.name), 'azure.disk(NODE_RG, grafana.name)').tags;
    expect(after).toEqual({ ...before, [GC_TAG_KEY]: GC_TAG_VALUE });
    expect(after).toMatchObject({ team: 'observability', 'cost-center': 'ml-42', 'kubernetes.io-created-for-pvc-namespace': 'mlx' });
    // The SDK PATCHed the full merged map (ARM replaces tags on PATCH) and followed the async operation.
    const patches = azure.requests.slice(start).filter((r) => r.method === 'PATCH');
    expect(patches).toHaveLength(2);
    expect(Object.keys(patches[0].body.tags).length).toBeGreaterThan(5);
    expect(azure.requests.slice(start).some((r) => r.path.includes('/operations/'))).toBe(true);

    const again = await tagDisksForGc(clients, await findWorkspaceDisks(clients, { resourceGroup: NODE_RG }));
    expect(again.outcomes.map((o) => o.result)).toEqual(['already-tagged', 'already-tagged', 'already-tagged', 'already-tagged']);
    expect(gcTagReport(await findWorkspaceDisks(clients, { resourceGroup: NODE_RG })).missing).toHaveLength(0);
  });

  test('a 403 on update is reported naming the disk; the other disks are still tagged', async () => {
    const pvTags = (pvc: string) => ({ 'kubernetes.io-created-for-pvc-name': pvc, 'kubernetes.io-created-for-pvc-namespace': 'mlx', owner: 'ml-platform' });
    azure.addDisk(NODE_RG, { name: 'pvc-locked-1', tags: pvTags('data-locked-0') });
    azure.addDisk(NODE_RG, { name: 'pvc-open-2', tags: pvTags('data-open-0') });
    azure.addDisk(NODE_RG, { name: 'pvc-other-3', tags: { ...pvTags('data-other-0'), [GC_TAG_KEY]: 'kubernetes-azure-file' } });
    azure.forbidDiskWrite(NODE_RG, 'pvc-locked-1');
    const report = gcTagReport(await findWorkspaceDisks(clients, { resourceGroup: NODE_RG }));
    expect(report.missing.map((d) => d.name)).toEqual(['pvc-locked-1', 'pvc-open-2']);
    expect(report.differentValue.map((d) => d.name)).toEqual(['pvc-other-3']);

    const err = await tagDisksForGc(clients, [...report.missing, ...report.differentValue], { pollIntervalMs: 20 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DiskTaggingError);
    const e = err as DiskTaggingError;
    expect(e.message).toContain(`disk 'pvc-locked-1' in resource group '${NODE_RG}': 403 AuthorizationFailed`);
    expect(e.message).toContain('Microsoft.Compute/disks/write');
    expect(e.result.failed.map((f) => f.disk)).toEqual(['pvc-locked-1']);
    expect(e.result.tagged).toEqual(['pvc-open-2']);
    expect(e.result.outcomes.find((o) => o.disk === 'pvc-other-3')?.result).toBe('skipped-different-value');
    expect(must(azure.disk(NODE_RG, 'pvc-locked-1'), "azure.disk(NODE_RG, 'pvc-locked-1')").tags[GC_TAG_KEY]).toBeUndefined();
    expect(must(azure.disk(NODE_RG, 'pvc-other-3'), "azure.disk(NODE_RG, 'pvc-other-3')").tags[GC_TAG_KEY]).toBe('kubernetes-azure-file');
    expect(must(azure.disk(NODE_RG, 'pvc-open-2'), "azure.disk(NODE_RG, 'pvc-open-2')").tags).toEqual({ ...pvTags('data-open-0'), [GC_TAG_KEY]: GC_TAG_VALUE });
  });
});
