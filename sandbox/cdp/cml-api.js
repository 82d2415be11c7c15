// @ts-check
// The CML API v2 of the emulated workbenches (what https://<subdomain>.<domain>/api/v2/... serves in a
// real workbench), one HTTP server on 127.0.0.1 for all of them: `<url>/<subdomain>/api/v2/...` is
// routed to the live workspace that holds that subdomain now. GET only; Bearer API keys per
// workspace and user; paged lists (page_size, page_token, next_page_token). See README.md.
// Shapes: cloudera/CAI_Workbench_MCP_Server (list_projects paging, Bearer header), Cloudera's
// cloudera.runtime collection (project fields, project id form, search_filter keys, error body,
// APPLICATION_* statuses), docs.cloudera.com ml-api-v2 pages (default page 10, same page size on
// every page). Anything else here is the emulator's choice.
import http from 'node:http';
import { randomBytes, randomInt } from 'node:crypto';

/**
 * A project as a test describes it.
 * @typedef {{ name: string, owner?: string, visibility?: 'private' | 'public',
 *   jobs?: { name: string, schedule?: string }[], models?: { name: string, running?: boolean }[],
 *   applications?: { name: string, running?: boolean }[] }} ProjectSpec
 * A project as the emulator keeps it (ids assigned; copied as is by a backup and a restore).
 * @typedef {{ id: string, name: string, owner: string, visibility: 'private' | 'public', createdAt: string, updatedAt: string,
 *   jobs: { id: string, name: string, schedule: string, createdAt: string }[],
 *   models: { id: string, name: string, running: boolean, buildId: string, deploymentId: string, createdAt: string }[],
 *   applications: { id: string, name: string, running: boolean, createdAt: string }[] }} Project
 * A user of a workbench's API and one of their keys (a user may hold several).
 * @typedef {{ key: string, username: string, admin: boolean }} ApiKey
 * @typedef {{ username: string, admin?: boolean }} ApiUserSpec
 * What the server needs of a workspace.
 * @typedef {{ crn: string, projects: Project[], apiKeys: ApiKey[] }} CmlWorkspace
 * @typedef {{ method: string, path: string, query: Record<string, string>, subdomain?: string, workspaceCrn?: string,
 *   username?: string, status: number, at: number }} CmlRequest
 */

/** Application statuses (cloudera.runtime ml_project_application.py names APPLICATION_STARTING, _STOPPED, _RUNNING). */
export const APPLICATION_STATUS = { running: 'APPLICATION_RUNNING', stopped: 'APPLICATION_STOPPED' };
/** Model deployment statuses: the emulator's choice (no public source read). */
export const DEPLOYMENT_STATUS = { deployed: 'deployed', stopped: 'stopped' };
export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 100;
/** The users every workspace has unless its spec says otherwise: a site administrator and a plain user. */
export const DEFAULT_API_USERS = /** @type {ApiUserSpec[]} */ ([{ username: 'admin', admin: true }, { username: 'alice' }]);

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** An id in CML's form, four groups of four lowercase letters and digits (cloudera.runtime validate_project_id). */
export function cmlId() {
  const group = () => Array.from({ length: 4 }, () => ALNUM[randomInt(ALNUM.length)]).join('');
  return `${group()}-${group()}-${group()}-${group()}`;
}
/** A new API key: 64 hex characters. A secret: never logged or recorded. */
export const newApiKey = () => randomBytes(32).toString('hex');

/** @param {ApiUserSpec[]} users @returns {ApiKey[]} one new key per user */
export const makeApiKeys = (users) => users.map((u) => ({ key: newApiKey(), username: u.username, admin: u.admin ?? false }));

/**
 * Projects with ids, created a minute apart ending at `endMs` (so they sort in the order given).
 * @param {ProjectSpec[]} specs @param {number} [endMs] @returns {Project[]}
 */
export function makeProjects(specs, endMs = Date.now()) {
  return specs.map((s, i) => {
    const at = new Date(endMs - (specs.length - i) * 60_000).toISOString();
    return {
      id: cmlId(),
      name: s.name,
      owner: s.owner ?? 'admin',
      visibility: s.visibility ?? 'private',
      createdAt: at,
      updatedAt: at,
      jobs: (s.jobs ?? []).map((j) => ({ id: cmlId(), name: j.name, schedule: j.schedule ?? '', createdAt: at })),
      models: (s.models ?? []).map((m) => ({ id: cmlId(), name: m.name, running: m.running ?? false, buildId: cmlId(), deploymentId: cmlId(), createdAt: at })),
      applications: (s.applications ?? []).map((a) => ({ id: cmlId(), name: a.name, running: a.running ?? false, createdAt: at })),
    };
  });
}

/**
 * The default workspace's 12 projects (more than the API's default page of 10), owned by admin and
 * alice, two of admin's public; one with a scheduled job and one with a running application (what a
 * validation of an interim workbench on Azure must flag), one with a running model.
 * @returns {ProjectSpec[]}
 */
export function defaultProjects() {
  return [
    { name: 'churn-model', jobs: [{ name: 'nightly-train', schedule: '0 2 * * *' }, { name: 'manual-eval' }], models: [{ name: 'churn-api', running: true }] },
    { name: 'fraud-detection', owner: 'alice', jobs: [{ name: 'retrain' }], models: [{ name: 'fraud-scorer' }] },
    { name: 'sales-dashboard', visibility: 'public', applications: [{ name: 'dashboard', running: true }] },
    { name: 'forecasting', owner: 'alice', visibility: 'public', jobs: [{ name: 'weekly-forecast' }] },
    { name: 'nlp-sandbox', owner: 'alice' },
    { name: 'recommender', applications: [{ name: 'recs-demo', running: false }] },
    { name: 'image-classifier', models: [{ name: 'resnet-serving' }] },
    { name: 'feature-store', visibility: 'public' },
    { name: 'ab-testing', owner: 'alice', applications: [{ name: 'ab-report' }] },
    { name: 'llm-eval' },
    { name: 'data-quality', jobs: [{ name: 'checks' }] },
    { name: 'anomaly-detection' },
  ];
}

/** A user as the API shows one. @param {string} username */
const person = (username) => ({ username, name: username.charAt(0).toUpperCase() + username.slice(1), email: `${username}@example.com` });

/** @param {Project} p */
const projectView = (p) => ({
  id: p.id,
  name: p.name,
  owner: person(p.owner),
  creator: person(p.owner),
  created_at: p.createdAt,
  updated_at: p.updatedAt,
  visibility: p.visibility,
  description: '',
  default_engine_type: 'ml_runtime',
  creation_status: 'success',
});

/** A grpc-gateway error body, as cloudera.runtime reads it (message, error, code, details). */
class ApiError extends Error {
  /** @param {number} status HTTP status @param {number} code gRPC code @param {string} message */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
  body() {
    return { error: this.message, code: this.code, message: this.message, details: [] };
  }
}
const invalid = (/** @type {string} */ m) => new ApiError(400, 3, m);
const notFound = (/** @type {string} */ m) => new ApiError(404, 5, m);

/**
 * Starts the CML API v2 server.
 * @param {{
 *   resolve: (subdomain: string) => { ws: CmlWorkspace, status: string, ready: boolean } | undefined,
 *   record: (r: CmlRequest) => void,
 *   takeError: () => { status: number } | undefined,
 *   takeDelay: () => { ms: number } | undefined,
 * }} deps resolve: the live workspace holding a subdomain, with its status and whether it serves
 */
export async function startCmlApi(deps) {
  /** @type {Map<string, { scope: string, pageSize: number, offset: number }>} */
  const tokens = new Map();

  /**
   * One page of `items`, from the query's page_size and page_token; a token is good only for the
   * scope (workspace, user, list, filter) and page size it was issued for.
   * @template T @param {T[]} items @param {URLSearchParams} q @param {string} scope
   */
  function page(items, q, scope) {
    const rawSize = q.get('page_size') ?? q.get('pageSize') ?? '';
    if (rawSize !== '' && !/^\d+$/.test(rawSize)) throw invalid(`invalid page_size: ${rawSize}`);
    const pageSize = rawSize === '' || Number(rawSize) === 0 ? DEFAULT_PAGE_SIZE : Number(rawSize);
    if (pageSize > MAX_PAGE_SIZE) throw invalid(`page_size must be at most ${MAX_PAGE_SIZE}, got ${pageSize}`);
    const token = q.get('page_token') ?? q.get('pageToken') ?? '';
    let offset = 0;
    if (token !== '') {
      const t = tokens.get(token);
      if (!t || t.scope !== scope || t.pageSize !== pageSize)
        throw invalid('invalid page token: use a next_page_token this list returned, with the same page_size');
      offset = t.offset;
    }
    const slice = items.slice(offset, offset + pageSize);
    let next = '';
    if (offset + pageSize < items.length) {
      next = randomBytes(12).toString('base64url');
      tokens.set(next, { scope, pageSize, offset: offset + pageSize });
    }
    return { slice, next };
  }

  /**
   * The search_filter (JSON object; camelCase searchFilter too) as predicates over the keys the emulator knows.
   * @param {URLSearchParams} q @param {Record<string, (value: string) => (item: any) => boolean>} known
   */
  function filterOf(q, known) {
    const raw = q.get('search_filter') ?? q.get('searchFilter') ?? '';
    if (raw === '') return { key: '', test: () => true };
    let parsed;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw invalid(`search_filter is not JSON: ${raw}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid('search_filter must be a JSON object');
    /** @type {((item: any) => boolean)[]} */
    const tests = [];
    for (const [k, v] of Object.entries(parsed)) {
      const make = known[k];
      if (!make) throw invalid(`search_filter key ${k} is not supported by the emulator (supported: ${Object.keys(known).join(', ')})`);
      tests.push(make(String(v)));
    }
    return { key: JSON.stringify(parsed), test: (/** @type {any} */ item) => tests.every((t) => t(item)) };
  }
  /** Name matches are case-insensitive substrings (CML's exact matching rule is not known). @param {string} v */
  const nameLike = (v) => (/** @type {{ name: string }} */ item) => item.name.toLowerCase().includes(v.toLowerCase());

  /** @param {Project[]} list by created_at, then id */
  const sorted = (list) => [...list].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));

  /**
   * @param {CmlWorkspace} ws @param {ApiKey} user @param {string[]} parts path after /api/v2 @param {URLSearchParams} q
   * @returns {any}
   */
  function route(ws, user, parts, q) {
    const scope = (/** @type {string} */ what, /** @type {string} */ filter) => `${ws.crn}|${user.username}|${what}|${filter}`;
    const canSee = (/** @type {Project} */ p) => user.admin || p.owner === user.username || p.visibility === 'public';
    if (parts[0] !== 'projects') throw notFound('Not Found');
    if (parts.length === 1) {
      const includePublic = (q.get('include_public_projects') ?? q.get('includePublicProjects')) === 'true';
      const f = filterOf(q, {
        name: nameLike,
        'owner.username': (v) => (p) => p.owner === v,
        'creator.username': (v) => (p) => p.owner === v,
      });
      const visible = sorted(ws.projects).filter((p) => (user.admin || p.owner === user.username || (includePublic && p.visibility === 'public')) && f.test(p));
      const { slice, next } = page(visible, q, scope(`projects|${includePublic}`, f.key));
      return { projects: slice.map(projectView), next_page_token: next };
    }
    const p = ws.projects.find((x) => x.id === parts[1]);
    if (!p || !canSee(p)) throw notFound('project not found');
    if (parts.length === 2) return projectView(p);
    const base = { project_id: p.id, creator: person(p.owner), description: '' };
    /** @template T @param {string} field @param {T[]} items @param {(x: T) => any} view */
    const list = (field, items, view) => {
      const f = filterOf(q, { name: nameLike });
      const { slice, next } = page(
        items.filter((x) => f.test(x)),
        q,
        scope(`${p.id}/${parts.slice(2).join('/')}`, f.key),
      );
      return { [field]: slice.map(view), next_page_token: next };
    };
    if (parts.length === 3 && parts[2] === 'jobs') {
      return list('jobs', p.jobs, (j) => ({
        ...base,
        id: j.id,
        name: j.name,
        script: 'main.py',
        kernel: 'python3',
        schedule: j.schedule,
        type: j.schedule ? 'cron' : 'manual',
        paused: false,
        created_at: j.createdAt,
        updated_at: j.createdAt,
      }));
    }
    if (parts.length === 3 && parts[2] === 'applications') {
      return list('applications', p.applications, (a) => ({
        ...base,
        id: a.id,
        name: a.name,
        subdomain: `${a.name}-${a.id.slice(0, 4)}`,
        script: 'app.py',
        kernel: 'python3',
        status: a.running ? APPLICATION_STATUS.running : APPLICATION_STATUS.stopped,
        bypass_authentication: false,
        created_at: a.createdAt,
        updated_at: a.createdAt,
      }));
    }
    if (parts[2] !== 'models') throw notFound('Not Found');
    if (parts.length === 3) {
      return list('models', p.models, (m) => ({ ...base, id: m.id, name: m.name, auth_enabled: true, created_at: m.createdAt, updated_at: m.createdAt }));
    }
    const m = p.models.find((x) => x.id === parts[3]);
    if (!m) throw notFound('model not found');
    const deployment = {
      id: m.deploymentId,
      model_id: m.id,
      build_id: m.buildId,
      project_id: p.id,
      status: m.running ? DEPLOYMENT_STATUS.deployed : DEPLOYMENT_STATUS.stopped,
      created_at: m.createdAt,
      updated_at: m.createdAt,
    };
    if (parts.length === 5 && parts[4] === 'builds') {
      return list('model_builds', [m], () => ({ id: m.buildId, model_id: m.id, project_id: p.id, status: 'built', created_at: m.createdAt }));
    }
    // .../models/{id}/deployments (all builds) and .../models/{id}/builds/{build_id}/deployments
    if ((parts.length === 5 && parts[4] === 'deployments') || (parts.length === 7 && parts[4] === 'builds' && parts[6] === 'deployments')) {
      if (parts.length === 7 && parts[5] !== m.buildId) throw notFound('model build not found');
      return list('model_deployments', [deployment], (d) => d);
    }
    throw notFound('Not Found');
  }

  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      handle(req, res).catch((err) => {
        if (!res.headersSent) send(res, 500, new ApiError(500, 13, String(err?.message ?? err)).body());
      });
    });
  });
  /** @param {http.ServerResponse} res @param {number} status @param {any} body */
  function send(res, status, body) {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
  async function handle(req, res) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const segments = url.pathname.split('/').filter(Boolean);
    const [subdomain, ...rest] = segments;
    /** @type {CmlRequest} */
    const rec = {
      method: req.method ?? 'GET',
      path: `/${rest.join('/')}`,
      query: Object.fromEntries(url.searchParams),
      subdomain,
      workspaceCrn: undefined,
      username: undefined,
      status: 0,
      at: Date.now(),
    };
    deps.record(rec);
    /** @param {number} status @param {any} body */
    const reply = (status, body) => {
      rec.status = status;
      send(res, status, body);
    };
    /** @param {ApiError} e */
    const fail = (e) => reply(e.status, e.body());
    const target = subdomain ? deps.resolve(subdomain) : undefined;
    if (!target) return fail(notFound(`no workbench at /${subdomain ?? ''}`));
    rec.workspaceCrn = target.ws.crn;
    if (rest[0] !== 'api' || rest[1] !== 'v2') return fail(notFound('Not Found'));
    if (req.method !== 'GET') return fail(new ApiError(405, 12, `Method Not Allowed: the emulator serves GET only, not ${req.method}`));
    const delay = deps.takeDelay();
    if (delay) await new Promise((r) => setTimeout(r, delay.ms));
    const err = deps.takeError();
    if (err) return fail(new ApiError(err.status, err.status === 429 ? 8 : err.status === 503 ? 14 : 13, 'The service is temporarily unavailable'));
    if (!target.ready) return fail(new ApiError(503, 14, `the workbench is not ready (instanceStatus ${target.status})`));
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const user = m ? target.ws.apiKeys.find((k) => k.key === m[1]) : undefined;
    if (!user) return fail(new ApiError(401, 16, 'Unauthorized: invalid API key'));
    rec.username = user.username;
    try {
      return reply(200, route(target.ws, user, rest.slice(2), url.searchParams));
    } catch (e) {
      if (e instanceof ApiError) return fail(e);
      throw e;
    }
  }

  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(() => r(undefined)));
    },
  };
}
