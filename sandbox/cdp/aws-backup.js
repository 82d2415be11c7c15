// @ts-check
// AWS Backup at its wire protocol (REST-JSON, SigV4), the part the backup-cml action uses:
// ListBackupJobs, DescribeBackupJob, StopBackupJob, DescribeRegionSettings. The real
// @aws-sdk/client-backup works against it (endpoint override, static credentials, region).
// Signatures are recomputed with the SDK's own signer (@smithy/signature-v4), as sandbox/s3-server.js does.
import http from 'node:http';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';

/**
 * Splits a raw query string without turning '+' into a space.
 * @param {string} raw
 */
export function parseQuery(raw) {
  /** @type {Record<string, string>} */
  const query = {};
  if (!raw) return query;
  for (const part of raw.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    query[decodeURIComponent(eq < 0 ? part : part.slice(0, eq))] = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
  }
  return query;
}

/** @param {string | undefined} s */
function parseAmzDate(s) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s ?? '');
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : undefined;
}

/**
 * Verifies a request's SigV4 header signature. Returns [status, errorType, message] or undefined.
 * @param {http.IncomingMessage} req @param {string} body
 * @param {{ accessKeyId: string, secretAccessKey: string, region: string, maxSkewSeconds: number, service?: string }} cfg
 * @returns {Promise<[number, string, string] | undefined>}
 */
export async function verifySigV4(req, body, cfg) {
  const expectedService = cfg.service ?? 'backup';
  const header = req.headers.authorization;
  if (!header) return [403, 'MissingAuthenticationTokenException', 'Missing Authentication Token'];
  const m = /^AWS4-HMAC-SHA256 Credential=([^,]+),\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]+)$/.exec(header);
  if (!m) return [403, 'IncompleteSignatureException', 'Authorization header requires Credential, SignedHeaders and Signature'];
  const [accessKeyId, day, region, service] = m[1].split('/');
  if (accessKeyId !== cfg.accessKeyId) return [403, 'UnrecognizedClientException', 'The security token included in the request is invalid.'];
  if (service !== expectedService) return [403, 'InvalidSignatureException', `Credential should be scoped to correct service: '${expectedService}'.`];
  if (region !== cfg.region) return [403, 'InvalidSignatureException', `Credential should be scoped to a valid region, not '${region}'.`];
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate || !amzDate.startsWith(day)) return [403, 'IncompleteSignatureException', 'Missing or malformed X-Amz-Date'];
  if (Math.abs(Date.now() - signingDate.getTime()) > cfg.maxSkewSeconds * 1000) {
    return [403, 'InvalidSignatureException', 'Signature expired: the request time is too far from the current time.'];
  }
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const signed = new Set(m[2].split(';'));
  /** @type {Record<string, string>} */
  const headers = {};
  const unsignable = new Set();
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'authorization') continue;
    headers[name] = Array.isArray(value) ? value.join(',') : String(value);
    if (!signed.has(name)) unsignable.add(name);
  }
  const signer = new SignatureV4({ credentials: { accessKeyId, secretAccessKey: cfg.secretAccessKey }, region, service, sha256: Sha256 });
  const request = {
    method: req.method ?? 'GET',
    protocol: 'http:',
    hostname: '127.0.0.1',
    path: decodeURIComponent(q < 0 ? url : url.slice(0, q)),
    query: parseQuery(q < 0 ? '' : url.slice(q + 1)),
    headers,
    body,
  };
  const out = await signer.sign(request, { signingDate, signableHeaders: signed, unsignableHeaders: unsignable });
  const expected = /Signature=([0-9a-f]+)$/.exec(String(out.headers.authorization))?.[1] ?? '';
  const given = m[3];
  if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
    return [
      403,
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    ];
  }
  return undefined;
}

/** @typedef {{ method?: string, path: string, query: Record<string, string>, status: number }} AwsRequest */
/** @typedef {(status: number, body?: any, errorType?: string) => void} Reply */
/** @typedef {(status: number, type: string, message: string) => void} Fail */

const isoOrEpoch = (/** @type {string} */ s) => (/^\d+(\.\d+)?$/.test(s) ? Number(s) * 1000 : Date.parse(s));
const epoch = (/** @type {number | undefined} */ ms) => (ms === undefined ? undefined : Math.round(ms) / 1000);

/**
 * Starts the AWS Backup endpoint.
 * @param {{ accessKeyId: string, secretAccessKey: string, region: string, accountId: string, maxSkewSeconds?: number,
 *   jobs: () => any[], jobById: (id: string) => any, stopJob: (id: string) => string | undefined,
 *   optIn: Record<string, boolean>, management: Record<string, boolean>,
 *   takeFault: (kind: string) => { status: number, type: string } | undefined, record: (r: AwsRequest) => void }} cfg
 *   jobs(): the jobs as AWS would show them now (BackupJob shapes with epoch ms dates, see index.js)
 */
export async function startAwsBackup(cfg) {
  const maxSkewSeconds = cfg.maxSkewSeconds ?? 300;
  /** @param {http.ServerResponse} res @param {number} status @param {any} [body] @param {string} [errorType] */
  const send = (res, status, body, errorType) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    /** @type {Record<string, string | number>} */
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': randomUUID() };
    if (errorType) headers['x-amzn-errortype'] = errorType;
    res.writeHead(status, headers);
    res.end(text);
  };
  /** @param {http.ServerResponse} res @param {number} status @param {string} type @param {string} message */
  const fail = (res, status, type, message) => send(res, status, { Code: type, Message: message, Type: status >= 500 ? 'Server' : 'User', Context: '' }, type);

  const server = http.createServer((req, res) => {
    /** @type {Buffer[]} */
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const p = (q < 0 ? url : url.slice(0, q)).replace(/\/+$/, '');
      const query = parseQuery(q < 0 ? '' : url.slice(q + 1));
      /** @type {AwsRequest} */
      const rec = { method: req.method, path: p, query, status: 0 };
      cfg.record(rec);
      /** @type {Reply} */
      const reply = (status, b, type) => ((rec.status = status), send(res, status, b, type));
      /** @type {Fail} */
      const error = (status, type, message) => ((rec.status = status), fail(res, status, type, message));
      try {
        const problem = await verifySigV4(req, body, { ...cfg, maxSkewSeconds });
        if (problem) return error(problem[0], problem[1], problem[2]);
        const fault = cfg.takeFault('aws');
        if (fault) return error(fault.status, fault.type, 'Rate exceeded');
        if (req.method === 'GET' && p === '/account-settings') {
          return reply(200, { ResourceTypeOptInPreference: { ...cfg.optIn }, ResourceTypeManagementPreference: { ...cfg.management } });
        }
        if (req.method === 'GET' && p === '/backup-jobs') return listJobs(query, reply, error);
        const jm = /^\/backup-jobs\/([^/]+)$/.exec(p);
        if (jm) {
          const id = decodeURIComponent(jm[1]);
          if (req.method === 'GET') {
            const job = cfg.jobById(id);
            if (!job) return error(400, 'ResourceNotFoundException', `Cannot find backup job with id ${id}`);
            return reply(200, { ...wire(job), NumberOfChildJobs: 0, ChildJobsInState: {} });
          }
          if (req.method === 'POST') {
            const problemText = cfg.stopJob(id);
            if (problemText === 'not-found') return error(400, 'ResourceNotFoundException', `Cannot find backup job with id ${id}`);
            if (problemText) return error(400, 'InvalidRequestException', problemText);
            return reply(200);
          }
        }
        return error(404, 'UnknownOperationException', `No operation at ${req.method} ${p}`);
      } catch (err) {
        return error(500, 'ServiceUnavailableException', String(/** @type {Error} */ (err).message));
      }
    });
  });

  /** @param {Record<string, string>} query @param {Reply} reply @param {Fail} error */
  function listJobs(query, reply, error) {
    const max = query.maxResults === undefined ? 1000 : Number(query.maxResults);
    if (!Number.isInteger(max) || max < 1 || max > 1000) {
      return error(400, 'InvalidParameterValueException', 'MaxResults must be between 1 and 1000');
    }
    if (query.backupVaultName !== undefined && !/^[a-zA-Z0-9\-_]{2,50}$/.test(query.backupVaultName)) {
      return error(400, 'InvalidParameterValueException', `Invalid backup vault name ${query.backupVaultName}`);
    }
    const after = query.createdAfter !== undefined ? isoOrEpoch(query.createdAfter) : undefined;
    const before = query.createdBefore !== undefined ? isoOrEpoch(query.createdBefore) : undefined;
    if (Number.isNaN(after) || Number.isNaN(before)) return error(400, 'InvalidParameterValueException', 'Invalid date');
    const now = Date.now();
    const jobs = cfg
      .jobs()
      .filter((j) => j.CreationDate >= now - 30 * 86400_000 || j.CreationDate > now)
      .filter((j) => query.backupVaultName === undefined || j.BackupVaultName === query.backupVaultName)
      .filter((j) => after === undefined || j.CreationDate > after)
      .filter((j) => before === undefined || j.CreationDate < before)
      .filter((j) => query.state === undefined || j.State === query.state)
      .filter((j) => query.resourceType === undefined || j.ResourceType === query.resourceType)
      .filter((j) => query.resourceArn === undefined || j.ResourceArn === query.resourceArn)
      .filter((j) => query.accountId === undefined || j.AccountId === query.accountId)
      .sort((a, b) => b.CreationDate - a.CreationDate || (a.BackupJobId < b.BackupJobId ? -1 : 1));
    let start = 0;
    if (query.nextToken !== undefined) {
      const decoded = /^o:(\d+)$/.exec(Buffer.from(query.nextToken, 'base64url').toString());
      if (!decoded) return error(400, 'InvalidParameterValueException', 'Invalid NextToken');
      start = Number(decoded[1]);
    }
    const page = jobs.slice(start, start + max);
    const next = start + max < jobs.length ? Buffer.from(`o:${start + max}`).toString('base64url') : undefined;
    return reply(200, { BackupJobs: page.map(wire), ...(next ? { NextToken: next } : {}) });
  }

  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${address.port}`,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve(undefined));
      }),
  };
}

/**
 * A job's wire form: dates as epoch seconds (REST-JSON's default), undefined fields dropped.
 * @param {Record<string, any>} job
 */
function wire(job) {
  /** @type {Record<string, any>} */
  const out = {};
  for (const [k, v] of Object.entries(job)) {
    if (v === undefined) continue;
    out[k] = ['CreationDate', 'CompletionDate', 'ExpectedCompletionDate', 'StartBy', 'InitiationDate'].includes(k) ? epoch(v) : v;
  }
  return out;
}
