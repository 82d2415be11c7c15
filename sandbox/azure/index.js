// @ts-check
// Azure Resource Manager + Entra ID token endpoint emulator, HTTPS with a throwaway CA, on 127.0.0.1:0.
// Speaks the wire protocol the real @azure/arm-compute 25, @azure/arm-resources 8 and @azure/identity 4
// clients use. See README.md.
import { createSign, createVerify, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { makeTestCertificates } from '../tls.js';

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';
export const GC_TAG_KEY = 'k8s-azure-created-by';
export const GC_TAG_VALUE = 'kubernetes-azure-dd';

/** api-versions each resource type accepts (the SDK's own first). */
export const API_VERSIONS = {
  resourceGroups: ['2025-04-01', '2024-11-01', '2024-03-01', '2022-09-01', '2021-04-01'],
  disks: ['2026-03-02', '2025-01-02', '2024-03-02', '2023-10-02', '2023-04-02', '2022-07-02'],
};

/**
 * The model a test starts from, and the emulator's state: resource groups holding managed disks.
 * @typedef {{ name: string, diskSizeGB?: number, diskState?: string, managedBy?: string, tags?: Record<string, string>, sku?: string,
 *   zones?: string[] }} DiskSpec
 * @typedef {{ name: string, location?: string, tags?: Record<string, string>, managedBy?: string, disks?: DiskSpec[] }} ResourceGroupSpec
 * @typedef {{ resourceGroups: ResourceGroupSpec[] }} Model
 * @typedef {{ name: string, location: string, tags: Record<string, string>, sku: { name: string, tier: string }, managedBy?: string,
 *   zones?: string[], properties: { [k: string]: unknown, diskSizeGB: number, provisioningState: string } }} Disk
 * @typedef {{ name: string, location: string, tags: Record<string, string>, managedBy?: string, disks: Map<string, Disk> }} ResourceGroup
 * @typedef {{ method?: string, path: string, query: Record<string, string>, authorization?: 'Bearer', status: number, body: any }} ArmRequest
 * @typedef {{ tenant: string, clientId: string | null, grantType: string | null, scope: string | null, assertionSubject?: string,
 *   outcome: string }} TokenRequest
 * @typedef {(status: number, payload?: any, headers?: Record<string, string>) => void} Send
 * @typedef {[status: number, error: string, code: number, description: string]} EntraProblem
 */

const b64url = (/** @type {unknown} */ v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const nowSec = () => Math.floor(Date.now() / 1000);

/**
 * The default model: a CML workspace on AKS, its environment RG and the AKS node ("MC_") RG with PV disks.
 * @param {{ workspaceCrn?: string }} [options]
 * @returns {Model}
 */
export function defaultModel({
  workspaceCrn = 'crn:cdp:ml:us-west-1:9d74eee4-1cad-45d7-b645-7ccf9edbb73d:workspace:0c3a3c71-5e8b-4f4e-a58e-1e1b0a5c6d7e',
} = {}) {
  const env = 'cml-env-rg';
  const node = 'MC_cml-env-rg_liftie-x7k2p9_eastus';
  const cdpTags = {
    'Cloudera-Environment-Resource-Name':
      'crn:cdp:environments:us-west-1:9d74eee4-1cad-45d7-b645-7ccf9edbb73d:environment:5f0e6b55-3c38-4b7e-9a0f-2f1c9f1d2a11',
    'Cloudera-Creator-Resource-Name': 'crn:altus:iam:us-west-1:9d74eee4-1cad-45d7-b645-7ccf9edbb73d:user:3a1c2b0e-77d4-4b56-9a2e-6d1f3c4b5a69',
    'Cloudera-Resource-Name': workspaceCrn,
    owner: 'ml-platform',
  };
  /** @param {string} pvc @param {string} ns @param {Record<string, string>} [extra] @param {boolean} [gc] */
  const pv = (pvc, ns, extra = {}, gc = true) => {
    const pvName = `pvc-${randomUUID()}`;
    return {
      name: pvName,
      diskSizeGB: pvc.startsWith('data') ? 512 : 64,
      diskState: 'Attached',
      managedBy: `/subscriptions/SUB/resourceGroups/${node}/providers/Microsoft.Compute/virtualMachineScaleSets/aks-cmlpool-31415926-vmss/virtualMachines/aks-cmlpool-31415926-vmss_0`,
      tags: {
        ...(gc ? { [GC_TAG_KEY]: GC_TAG_VALUE } : {}),
        'kubernetes.io-created-for-pv-name': pvName,
        'kubernetes.io-created-for-pvc-name': pvc,
        'kubernetes.io-created-for-pvc-namespace': ns,
        ...cdpTags,
        ...extra,
      },
    };
  };
  return {
    resourceGroups: [
      { name: env, location: 'eastus', tags: { ...cdpTags } },
      // The runbook's prerequisite for Azure backups: cml-snapshots-<azure_region>.
      { name: 'cml-snapshots-eastus', location: 'eastus', tags: { owner: 'ml-platform' } },
      {
        name: node,
        location: 'eastus',
        managedBy: `/subscriptions/SUB/resourcegroups/${env}/providers/Microsoft.ContainerService/managedClusters/liftie-x7k2p9`,
        tags: { 'aks-managed-cluster-name': 'liftie-x7k2p9', 'aks-managed-cluster-rg': env },
        disks: [
          pv('data-livelog-0', 'mlx'),
          pv('data-db-0', 'mlx'),
          pv('data-s2i-registry-0', 'mlx', {}, false), // left unmanaged by a restore: no GC tag
          pv('grafana-storage', 'mlx', { team: 'observability' }, false),
          {
            name: 'aks-cmlpool-31415926-vmss_0_OsDisk_1_6b1a3c5e2f0d4e8a9c7b1d2e3f4a5b6c',
            diskSizeGB: 128,
            diskState: 'Attached',
            managedBy: `/subscriptions/SUB/resourceGroups/${node}/providers/Microsoft.Compute/virtualMachineScaleSets/aks-cmlpool-31415926-vmss/virtualMachines/aks-cmlpool-31415926-vmss_0`,
            tags: { 'aks-managed-poolName': 'cmlpool', 'aks-managed-orchestrator': 'Kubernetes:1.30.6', ...cdpTags },
          },
        ],
      },
    ],
  };
}

/**
 * @param {object} [options]
 * @param {string} [options.tenantId]
 * @param {string} [options.clientId] the app registration the workflow logs in as
 * @param {string} [options.subscriptionId]
 * @param {string} [options.principalId] the service principal's object id (in 403 messages)
 * @param {{issuer: string, subject: string, audience: string}[]} [options.federatedCredentials]
 * @param {number} [options.accessTokenLifetimeSec] lifetime of issued access tokens (default 3600)
 * @param {number} [options.idTokenLifetimeSec] lifetime of GitHub ID tokens from issueGitHubIdToken (default 300)
 * @param {boolean} [options.asyncUpdates] PATCH/PUT of a disk answers 202 + Azure-AsyncOperation/Location (default true)
 * @param {number} [options.operationPolls] polls an async operation reports InProgress before Succeeded (default 1)
 * @param {number} [options.pageSize] disks per page of a list (nextLink beyond; default 100)
 * @param {Model} [options.model]
 */
export async function startAzure(options = {}) {
  const tenantId = options.tenantId ?? '72f988bf-0000-4000-8000-0000000000aa';
  const clientId = options.clientId ?? '3f1e2d4c-0000-4000-8000-0000000000cc';
  const subscriptionId = options.subscriptionId ?? '5b7c0a2e-0000-4000-8000-0000000000ee';
  const principalId = options.principalId ?? '8e2d1c0b-0000-4000-8000-0000000000dd';
  let accessTokenLifetimeSec = options.accessTokenLifetimeSec ?? 3600;
  const idTokenLifetimeSec = options.idTokenLifetimeSec ?? 300;
  const asyncUpdates = options.asyncUpdates ?? true;
  const operationPolls = options.operationPolls ?? 1;
  const pageSize = options.pageSize ?? 100;
  const federatedCredentials = options.federatedCredentials ?? [
    { issuer: GITHUB_ISSUER, subject: 'repo:acme/ml-platform:environment:production', audience: TOKEN_EXCHANGE_AUDIENCE },
  ];

  // GitHub's OIDC signing key (the emulated issuer), verified by the token endpoint as Entra does with GitHub's JWKS.
  const github = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const githubKid = randomBytes(8).toString('hex');

  /** @type {Map<string, ResourceGroup>} */
  const groups = new Map();
  /** @param {string} rg @param {string} [disk] */
  const armId = (rg, disk) => `/subscriptions/${subscriptionId}/resourceGroups/${rg}` + (disk ? `/providers/Microsoft.Compute/disks/${disk}` : '');

  /** @param {ResourceGroupSpec} spec */
  function addResourceGroup(spec) {
    /** @type {ResourceGroup} */
    const g = {
      name: spec.name,
      location: spec.location ?? 'eastus',
      tags: { ...(spec.tags ?? {}) },
      managedBy: spec.managedBy?.replace('SUB', subscriptionId),
      disks: new Map(),
    };
    groups.set(spec.name.toLowerCase(), g);
    for (const d of spec.disks ?? []) addDisk(spec.name, d);
    return g;
  }
  /** @param {string} rg @param {DiskSpec} spec */
  function addDisk(rg, spec) {
    const g = groups.get(rg.toLowerCase());
    if (!g) throw new Error(`no resource group ${rg}`);
    /** @type {Disk} */
    const disk = {
      name: spec.name,
      location: g.location,
      tags: { ...(spec.tags ?? {}) },
      sku: { name: spec.sku ?? 'Premium_LRS', tier: 'Premium' },
      managedBy: spec.managedBy?.replace('SUB', subscriptionId),
      zones: spec.zones,
      properties: {
        creationData: { createOption: 'Empty' },
        diskSizeGB: spec.diskSizeGB ?? 64,
        diskSizeBytes: (spec.diskSizeGB ?? 64) * 1024 ** 3,
        diskIOPSReadWrite: 240,
        diskMBpsReadWrite: 50,
        encryption: { type: 'EncryptionAtRestWithPlatformKey' },
        networkAccessPolicy: 'AllowAll',
        publicNetworkAccess: 'Enabled',
        timeCreated: new Date(Date.now() - 86_400_000 * 30).toISOString(),
        provisioningState: 'Succeeded',
        diskState: spec.diskState ?? 'Unattached',
        uniqueId: randomUUID(),
        tier: 'P10',
      },
    };
    g.disks.set(spec.name.toLowerCase(), disk);
    return disk;
  }
  for (const g of (options.model ?? defaultModel()).resourceGroups) addResourceGroup(g);

  const faults = { forbiddenDiskWrites: /** @type {Set<string>} */ (new Set()), throttle: { remaining: 0, retryAfterSec: 1 }, tokenEndpointDown: false };
  /** @type {Map<string, {exp: number, oid: string, appid: string, revoked?: boolean}>} */
  const accessTokens = new Map();
  /** @type {Map<string, { polls: number, result: unknown, startTime: string }>} */
  const operations = new Map();
  /** @type {ArmRequest[]} */
  const requests = [];
  /** @type {TokenRequest[]} */
  const tokenRequests = [];

  const dir = mkdtempSync(path.join(os.tmpdir(), 'azure-sandbox-'));
  let pem;
  try {
    pem = makeTestCertificates(dir, { caName: 'azure-sandbox-ca', serverName: 'management.azure.test' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const server = https.createServer({ cert: pem.cert, key: pem.key }, (req, res) => {
    /** @type {Buffer[]} */
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'https://127.0.0.1');
      /** @type {ArmRequest} */
      const record = {
        method: req.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        authorization: req.headers.authorization ? 'Bearer' : undefined,
        status: 0,
        body: undefined,
      };
      requests.push(record);
      /** @type {Send} */
      const send = (status, payload, headers = {}) => {
        record.status = status;
        const text = payload === undefined || req.method === 'HEAD' ? '' : JSON.stringify(payload);
        res.writeHead(status, {
          ...(payload !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}),
          'x-ms-request-id': randomUUID(),
          'x-ms-correlation-request-id': req.headers['x-ms-client-request-id'] ?? randomUUID(),
          ...headers,
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
      };
      try {
        if (req.method === 'PATCH' || req.method === 'PUT') record.body = body ? JSON.parse(body) : undefined;
        route(req, url, body, send);
      } catch (err) {
        send(500, { error: { code: 'InternalServerError', message: String(/** @type {Error | undefined} */ (err)?.stack ?? err) } });
      }
    });
  });

  // ---------------------------------------------------------------- Entra ID
  /** @param {Send} send @param {number} status @param {string} error @param {number} code @param {string} description */
  const entraError = (send, status, error, code, description) =>
    send(status, {
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: ${randomUUID()} Correlation ID: ${randomUUID()} Timestamp: ${new Date().toISOString()}`,
      error_codes: [code],
      timestamp: new Date().toISOString(),
      trace_id: randomUUID(),
      correlation_id: randomUUID(),
    });

  /** @param {string} tenant */
  function openidConfiguration(tenant) {
    const base = `${baseUrl}/${tenant}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${baseUrl}/${tenant}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${baseUrl}/${tenant}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${baseUrl}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid'],
      tenant_region_scope: 'NA',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
    };
  }

  /**
   * Checks a GitHub ID token presented as client assertion: its signature, time range and a federated credential matching it.
   * @param {string | null} jwt
   * @returns {{ error: EntraProblem, claims?: undefined } | { error?: undefined, claims: any }}
   */
  function verifyGitHubIdToken(jwt) {
    const parts = String(jwt).split('.');
    if (parts.length !== 3) return { error: [400, 'invalid_request', 50027, 'JWT token is invalid or malformed.'] };
    let header, claims;
    try {
      header = JSON.parse(Buffer.from(parts[0], 'base64url').toString());
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
    } catch {
      return { error: [400, 'invalid_request', 50027, 'JWT token is invalid or malformed.'] };
    }
    const verifier = createVerify('RSA-SHA256');
    verifier.update(`${parts[0]}.${parts[1]}`);
    if (header.alg !== 'RS256' || header.kid !== githubKid || !verifier.verify(github.publicKey, Buffer.from(parts[2], 'base64url'))) {
      return { error: [401, 'invalid_client', 700027, 'Client assertion failed signature validation.'] };
    }
    const now = nowSec();
    if (!(claims.nbf ?? claims.iat) || (claims.nbf ?? claims.iat) > now + 300 || claims.exp <= now) {
      return {
        error: [
          400,
          'invalid_client',
          700024,
          `Client assertion is not within its valid time range. Current time: ${new Date().toISOString()}, assertion valid from ${new Date((claims.nbf ?? claims.iat) * 1000).toISOString()}, expiry time of assertion ${new Date(claims.exp * 1000).toISOString()}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .`,
        ],
      };
    }
    const match = federatedCredentials.find((f) => f.issuer === claims.iss && f.subject === claims.sub && f.audience === claims.aud);
    if (!match) {
      return {
        error: [
          400,
          'invalid_client',
          70021,
          `No matching federated identity record found for presented assertion. Assertion Issuer: '${claims.iss}'. Assertion Subject: '${claims.sub}'. Assertion Audience: '${claims.aud}'. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`,
        ],
      };
    }
    return { claims };
  }

  /** @param {string} tenant @param {string} body @param {Send} send */
  function tokenEndpoint(tenant, body, send) {
    const form = new URLSearchParams(body);
    /** @type {TokenRequest} */
    const entry = {
      tenant,
      clientId: form.get('client_id'),
      grantType: form.get('grant_type'),
      scope: form.get('scope'),
      assertionSubject: undefined,
      outcome: '',
    };
    tokenRequests.push(entry);
    const fail = (/** @type {EntraProblem} */ ...e) => {
      entry.outcome = `AADSTS${e[2]}`;
      entraError(send, ...e);
    };
    if (faults.tokenEndpointDown) return fail(503, 'temporarily_unavailable', 90033, 'A transient error has occurred. Please try again.');
    if (tenant !== tenantId)
      return fail(
        400,
        'invalid_request',
        90002,
        `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      );
    if (entry.grantType !== 'client_credentials') return fail(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    if (entry.clientId !== clientId)
      return fail(400, 'unauthorized_client', 700016, `Application with identifier '${entry.clientId}' was not found in the directory '${tenant}'.`);
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' || !form.get('client_assertion')) {
      return fail(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    const scopes = (entry.scope ?? '').split(' ').filter((s) => s && !['openid', 'profile', 'offline_access'].includes(s));
    if (scopes.length !== 1 || !/^https:\/\/management\.(azure\.com|core\.windows\.net)\/?\.default$/.test(scopes[0])) {
      return fail(
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${entry.scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }
    const checked = verifyGitHubIdToken(form.get('client_assertion'));
    if (checked.error) return fail(...checked.error);
    entry.assertionSubject = checked.claims.sub;
    const iat = nowSec();
    const exp = iat + accessTokenLifetimeSec;
    const payload = {
      aud: 'https://management.azure.com',
      iss: `https://sts.windows.net/${tenantId}/`,
      iat,
      nbf: iat,
      exp,
      appid: clientId,
      oid: principalId,
      sub: principalId,
      tid: tenantId,
      uti: randomBytes(12).toString('base64url'),
    };
    const token = `${b64url({ typ: 'JWT', alg: 'RS256', kid: 'sandbox' })}.${b64url(payload)}.${randomBytes(32).toString('base64url')}`;
    accessTokens.set(token, { exp, oid: principalId, appid: clientId });
    entry.outcome = 'issued';
    send(200, { token_type: 'Bearer', expires_in: accessTokenLifetimeSec, ext_expires_in: accessTokenLifetimeSec, access_token: token });
  }

  // ---------------------------------------------------------------- ARM
  /** @param {Send} send @param {number} status @param {string} code @param {string} message @param {Record<string, string>} [headers] */
  const armError = (send, status, code, message, headers) => send(status, { error: { code, message } }, headers);

  /** @param {import('node:http').IncomingMessage} req @param {Send} send @returns the caller's access token, undefined when refused */
  function authenticate(req, send) {
    const header = req.headers.authorization;
    const challenge = (/** @type {string} */ desc) => ({
      'www-authenticate': `Bearer authorization_uri="https://login.microsoftonline.com/${tenantId}", error="invalid_token", error_description="${desc}"`,
    });
    if (!header || !/^Bearer /i.test(header)) {
      armError(
        send,
        401,
        'AuthenticationFailed',
        "Authentication failed. The 'Authorization' header is missing.",
        challenge("The authentication failed because of missing 'Authorization' header."),
      );
      return undefined;
    }
    const token = header.slice(7).trim();
    const t = accessTokens.get(token);
    if (!t || t.revoked) {
      armError(send, 401, 'InvalidAuthenticationToken', 'The access token is invalid.', challenge('The access token is invalid.'));
      return undefined;
    }
    if (t.exp <= nowSec()) {
      armError(
        send,
        401,
        'ExpiredAuthenticationToken',
        `The access token expiry UTC time '${new Date(t.exp * 1000).toUTCString()}' is earlier than current UTC time '${new Date().toUTCString()}'.`,
        challenge('The access token expiry UTC time is earlier than current UTC time.'),
      );
      return undefined;
    }
    return t;
  }

  /** @param {URL} url @param {keyof typeof API_VERSIONS} kind @param {Send} send */
  function checkApiVersion(url, kind, send) {
    const v = url.searchParams.get('api-version');
    if (!v) {
      armError(send, 400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
      return false;
    }
    if (!API_VERSIONS[kind].includes(v)) {
      if (kind === 'disks') {
        armError(
          send,
          400,
          'NoRegisteredProviderFound',
          `No registered resource provider found for location 'eastus' and API version '${v}' for type 'disks'. The supported api-versions are '${API_VERSIONS.disks.join(', ')}'. The supported locations are 'eastus, westeurope'.`,
        );
      } else {
        armError(send, 400, 'InvalidApiVersionParameter', `The api-version '${v}' is invalid. The supported versions are '${API_VERSIONS[kind].join(',')}'.`);
      }
      return false;
    }
    return true;
  }

  /** @param {string} rgName @param {Disk} d */
  function diskJson(rgName, d) {
    return {
      id: armId(rgName, d.name),
      name: d.name,
      type: 'Microsoft.Compute/disks',
      location: d.location,
      tags: { ...d.tags },
      managedBy: d.managedBy,
      sku: d.sku,
      ...(d.zones ? { zones: d.zones } : {}),
      properties: { ...d.properties },
    };
  }

  /**
   * One page of a list, with ARM's nextLink ($skiptoken) when more follow.
   * @param {URL} url @param {unknown[]} all @param {string} listUrl @param {Send} send
   */
  function sendPage(url, all, listUrl, send) {
    const skip = Number(url.searchParams.get('$skiptoken') ?? 0);
    const next = skip + pageSize < all.length ? `${listUrl}?api-version=${url.searchParams.get('api-version')}&$skiptoken=${skip + pageSize}` : undefined;
    return send(200, { value: all.slice(skip, skip + pageSize), ...(next ? { nextLink: next } : {}) });
  }

  /** @param {Send} send @param {string} loc @param {unknown} result */
  function startOperation(send, loc, result) {
    const id = randomUUID();
    operations.set(id, { polls: 0, result, startTime: new Date().toISOString() });
    const base = `${baseUrl}/subscriptions/${subscriptionId}/providers/Microsoft.Compute/locations/${loc}/operations/${id}?p=${encodeURIComponent(loc)}&api-version=${API_VERSIONS.disks[0]}`;
    send(202, undefined, { 'azure-asyncoperation': base, location: `${base}&monitor=true`, 'retry-after': '0' });
  }

  /** @param {URL} url @param {string} id @param {Send} send */
  function operationStatus(url, id, send) {
    const op = operations.get(id);
    if (!op) return armError(send, 404, 'NotFound', `The entity was not found in this Azure location.`);
    op.polls++;
    const done = op.polls > operationPolls;
    if (url.searchParams.get('monitor') === 'true') {
      return done ? send(200, op.result) : send(202, undefined, { 'retry-after': '0' });
    }
    send(200, {
      startTime: op.startTime,
      ...(done ? { endTime: new Date().toISOString(), properties: { output: op.result } } : {}),
      status: done ? 'Succeeded' : 'InProgress',
      name: id,
    });
  }

  /** @param {import('node:http').IncomingMessage} req @param {URL} url @param {string} body @param {Send} send */
  function route(req, url, body, send) {
    const p = url.pathname;
    let m;
    if (req.method === 'GET' && (m = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(p))) {
      if (m[1] !== tenantId && m[1] !== 'organizations' && m[1] !== 'common') {
        return send(400, { error: 'invalid_tenant', error_description: `AADSTS90002: Tenant '${m[1]}' not found.`, error_codes: [90002] });
      }
      return send(200, openidConfiguration(m[1]));
    }
    if (req.method === 'GET' && /^\/[^/]+\/discovery\/v2\.0\/keys$/.test(p)) return send(200, { keys: [] });
    if (req.method === 'POST' && (m = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(p))) return tokenEndpoint(m[1], body, send);

    // Everything else is ARM: bearer first, then throttling, then the resource.
    if (!/^\/subscriptions\//i.test(p)) return armError(send, 404, 'NotFound', `No HTTP resource was found that matches the request URI '${url.href}'.`);
    const principal = authenticate(req, send);
    if (!principal) return;
    if (faults.throttle.remaining > 0) {
      faults.throttle.remaining--;
      const kind = req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'write';
      return armError(
        send,
        429,
        'SubscriptionRequestsThrottled',
        `Number of '${kind}' requests for subscription '${subscriptionId}' actor '${principal.oid}' exceeded. Please try again after '${faults.throttle.retryAfterSec}' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information.`,
        { 'retry-after': String(faults.throttle.retryAfterSec) },
      );
    }
    const seg = p.split('/').filter(Boolean).map(decodeURIComponent);
    if (seg[1] !== subscriptionId) {
      return armError(send, 404, 'SubscriptionNotFound', `The subscription '${seg[1]}' could not be found.`);
    }
    const lower = seg.map((s) => s.toLowerCase());
    // /subscriptions/{sub}/providers/Microsoft.Compute/locations/{loc}/operations/{id}
    if (
      lower[2] === 'providers' &&
      lower[3] === 'microsoft.compute' &&
      lower[4] === 'locations' &&
      lower[6] === 'operations' &&
      seg.length === 8 &&
      req.method === 'GET'
    ) {
      return operationStatus(url, seg[7], send);
    }
    // /subscriptions/{sub}/providers/Microsoft.Compute/disks: every disk of the subscription, paged
    if (lower[2] === 'providers' && lower[3] === 'microsoft.compute' && lower[4] === 'disks' && seg.length === 5) {
      if (!checkApiVersion(url, 'disks', send)) return;
      if (req.method !== 'GET') return armError(send, 405, 'MethodNotAllowed', `The requested resource does not support http method '${req.method}'.`);
      const all = [...groups.values()].flatMap((g) => [...g.disks.values()].map((d) => diskJson(g.name, d))).sort((a, b) => a.id.localeCompare(b.id));
      return sendPage(url, all, `${baseUrl}/subscriptions/${subscriptionId}/providers/Microsoft.Compute/disks`, send);
    }
    if (lower[2] !== 'resourcegroups' || !seg[3])
      return armError(send, 404, 'NotFound', `No HTTP resource was found that matches the request URI '${url.href}'.`);
    const rgName = seg[3];
    const g = groups.get(rgName.toLowerCase());
    if (seg.length === 4) {
      if (!checkApiVersion(url, 'resourceGroups', send)) return;
      if (req.method === 'HEAD') return send(g ? 204 : 404, undefined);
      if (req.method !== 'GET') return armError(send, 405, 'MethodNotAllowed', `The requested resource does not support http method '${req.method}'.`);
      if (!g) return armError(send, 404, 'ResourceGroupNotFound', `Resource group '${rgName}' could not be found.`);
      return send(200, {
        id: armId(g.name),
        name: g.name,
        type: 'Microsoft.Resources/resourceGroups',
        location: g.location,
        ...(g.managedBy ? { managedBy: g.managedBy } : {}),
        tags: { ...g.tags },
        properties: { provisioningState: 'Succeeded' },
      });
    }
    if (lower[4] !== 'providers' || lower[5] !== 'microsoft.compute' || lower[6] !== 'disks' || seg.length > 8) {
      return armError(send, 404, 'NotFound', `No HTTP resource was found that matches the request URI '${url.href}'.`);
    }
    if (!checkApiVersion(url, 'disks', send)) return;
    if (!g) return armError(send, 404, 'ResourceGroupNotFound', `Resource group '${rgName}' could not be found.`);
    if (seg.length === 7) {
      if (req.method !== 'GET') return armError(send, 405, 'MethodNotAllowed', `The requested resource does not support http method '${req.method}'.`);
      const all = [...g.disks.values()].sort((a, b) => a.name.localeCompare(b.name)).map((d) => diskJson(g.name, d));
      return sendPage(url, all, `${baseUrl}${armId(g.name)}/providers/Microsoft.Compute/disks`, send);
    }
    const diskName = seg[7];
    const d = g.disks.get(diskName.toLowerCase());
    const notFound = () =>
      armError(
        send,
        404,
        'ResourceNotFound',
        `The Resource 'Microsoft.Compute/disks/${diskName}' under resource group '${g.name}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
      );
    if (req.method === 'GET') return d ? send(200, diskJson(g.name, d)) : notFound();
    if (req.method === 'PATCH' || req.method === 'PUT') {
      if (faults.forbiddenDiskWrites.has(`${g.name}/${diskName}`.toLowerCase())) {
        return armError(
          send,
          403,
          'AuthorizationFailed',
          `The client '${principal.appid}' with object id '${principal.oid}' does not have authorization to perform action 'Microsoft.Compute/disks/write' over scope '${armId(g.name, diskName)}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
        );
      }
      let patch;
      try {
        patch = body ? JSON.parse(body) : {};
      } catch {
        return armError(send, 400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
      }
      if (!d) return req.method === 'PATCH' ? notFound() : armError(send, 400, 'InvalidParameter', 'Creating disks is not modelled by the sandbox.');
      if (patch.tags !== undefined) {
        if (typeof patch.tags !== 'object' || patch.tags === null || Object.keys(patch.tags).length > 50) {
          return armError(send, 400, 'InvalidParameter', 'Tags must be an object of at most 50 name/value pairs.');
        }
        d.tags = { ...patch.tags }; // ARM: tags in a PATCH or PUT replace the whole map
      } else if (req.method === 'PUT') {
        d.tags = {};
      }
      if (patch.properties?.diskSizeGB) d.properties.diskSizeGB = patch.properties.diskSizeGB;
      const result = diskJson(g.name, d);
      if (!asyncUpdates) return send(200, result);
      d.properties.provisioningState = 'Succeeded';
      return startOperation(send, d.location, result);
    }
    return armError(send, 405, 'MethodNotAllowed', `The requested resource does not support http method '${req.method}'.`);
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(undefined));
  });
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  const baseUrl = `https://127.0.0.1:${port}`;

  return {
    /** ARM endpoint: pass as `endpoint` to ComputeManagementClient / ResourceManagementClient. */
    endpoint: baseUrl,
    /** Entra ID authority host: pass as `authorityHost` (with disableInstanceDiscovery: true) to the credential. */
    authorityHost: baseUrl,
    /** PEM of the test CA: pass as `tlsOptions: { ca }` to every SDK client and credential. */
    ca: pem.ca,
    tenantId,
    clientId,
    subscriptionId,
    principalId,
    /** Every request: { method, path, query, authorization, status, body (PATCH/PUT) }. */
    requests,
    /** Every token request: { tenant, clientId, grantType, scope, assertionSubject, outcome }. */
    tokenRequests,
    /**
     * A GitHub Actions OIDC ID token as token.actions.githubusercontent.com would issue it, signed with
     * the emulated issuer's key (the token endpoint verifies it).
     */
    /** @param {{ audience?: string, subject?: string, lifetimeSec?: number, issuedAtSec?: number }} [claims] */
    issueGitHubIdToken({
      audience = TOKEN_EXCHANGE_AUDIENCE,
      subject = federatedCredentials[0]?.subject,
      lifetimeSec = idTokenLifetimeSec,
      issuedAtSec = nowSec(),
    } = {}) {
      const header = b64url({ typ: 'JWT', alg: 'RS256', x5t: githubKid, kid: githubKid });
      const payload = b64url({
        jti: randomUUID(),
        sub: subject,
        aud: audience,
        ref: 'refs/heads/main',
        repository: 'acme/ml-platform',
        repository_owner: 'acme',
        run_id: '1234567890',
        event_name: 'workflow_dispatch',
        environment: 'production',
        iss: GITHUB_ISSUER,
        nbf: issuedAtSec,
        iat: issuedAtSec,
        exp: issuedAtSec + lifetimeSec,
      });
      const signer = createSign('RSA-SHA256');
      signer.update(`${header}.${payload}`);
      return `${header}.${payload}.${signer.sign(github.privateKey).toString('base64url')}`;
    },
    /** Current state of a disk as ARM would return it (undefined if absent). @param {string} rg @param {string} name */
    disk(rg, name) {
      const g = groups.get(rg.toLowerCase());
      const d = g?.disks.get(name.toLowerCase());
      return g && d ? diskJson(g.name, d) : undefined;
    },
    /** @param {string} rg */
    disks(rg) {
      const g = groups.get(rg.toLowerCase());
      return g ? [...g.disks.values()].map((d) => diskJson(g.name, d)) : [];
    },
    resourceGroupNames: () => [...groups.values()].map((g) => g.name),
    addResourceGroup,
    addDisk,
    deleteResourceGroup: (/** @type {string} */ name) => groups.delete(name.toLowerCase()),
    /** Set a disk's tags out of band (another writer). @param {string} rg @param {string} name @param {Record<string, string>} tags */
    setDiskTags(rg, name, tags) {
      const d = groups.get(rg.toLowerCase())?.disks.get(name.toLowerCase());
      if (!d) throw new Error(`no disk ${rg}/${name}`);
      d.tags = { ...tags };
    },
    /** PATCH/PUT of this disk answers 403 AuthorizationFailed (Microsoft.Compute/disks/write). @param {string} rg @param {string} name */
    forbidDiskWrite: (rg, name) => faults.forbiddenDiskWrites.add(`${rg}/${name}`.toLowerCase()),
    /** @param {string} rg @param {string} name */
    allowDiskWrite: (rg, name) => faults.forbiddenDiskWrites.delete(`${rg}/${name}`.toLowerCase()),
    /** The next `count` ARM requests (after authentication) answer 429 with Retry-After. @param {number} count @param {number} [retryAfterSec] */
    throttleNext(count, retryAfterSec = 1) {
      faults.throttle = { remaining: count, retryAfterSec };
    },
    /** Every access token issued so far becomes invalid (401 InvalidAuthenticationToken). */
    revokeTokens() {
      for (const t of accessTokens.values()) t.revoked = true;
    },
    /** Lifetime of access tokens issued from now on. @param {number} sec */
    setAccessTokenLifetime(sec) {
      accessTokenLifetimeSec = sec;
    },
    /** @param {boolean} down */
    setTokenEndpointDown(down) {
      faults.tokenEndpointDown = down;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve(undefined));
      }),
  };
}
