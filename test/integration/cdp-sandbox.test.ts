// The CDP control-plane emulator (sandbox/cdp): request signing checked as CDP checks it,
// bodies validated against ml.yaml, backups progressing over scaled model time, and the AWS Backup
// jobs of a CML backup on AWS through the real @aws-sdk/client-backup.
// The signer below is written from reference/cdp.md and checked against test/vectors/cdp-signing.json;
// it does not use packages/cdp.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  BackupClient,
  DescribeBackupJobCommand,
  DescribeRegionSettingsCommand,
  ListBackupJobsCommand,
  StopBackupJobCommand,
  paginateListBackupJobs,
  type BackupJob,
} from '@aws-sdk/client-backup';
import { knownKey, startCdp, verifyRequest } from '../../sandbox/cdp/index.js';
import { must } from '../support/must.js';

type Cdp = Awaited<ReturnType<typeof startCdp>>;
type Method = 'ed25519v1' | 'rsav1';

const vectors = JSON.parse(readFileSync(path.join(process.cwd(), 'test/vectors/cdp-signing.json'), 'utf8'));

// Simulated: 10 h backup in ~2.5 s of real time.
const TIME_SCALE = 14_400;
let cdp: Cdp;
let aws: BackupClient;

function privateKeyOf(key: string, method: Method): KeyObject {
  if (method === 'ed25519v1') {
    // The 44-character base64 seed, wrapped as PKCS#8 DER (reference cdp.md 1.3).
    const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(key, 'base64')]);
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  }
  return createPrivateKey(key);
}

/** The x-altus-auth value cdpcli would send (Python json.dumps spacing, base64url with padding). */
function altusAuth(opts: { accessKeyId: string; key: string; method: Method; path: string; date: string; contentType?: string; httpMethod?: string }): string {
  const params = `{"access_key_id": "${opts.accessKeyId}", "auth_method": "${opts.method}"}`;
  const toSign = `${opts.httpMethod ?? 'POST'}\n${opts.contentType ?? 'application/json'}\n${opts.date}\n${opts.path}\n${opts.method}`;
  const sig = sign(opts.method === 'ed25519v1' ? null : 'sha256', Buffer.from(toSign), privateKeyOf(opts.key, opts.method));
  const b64 = (b: Buffer) => b.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
  return `${b64(Buffer.from(params))}.${b64(sig)}`;
}

interface CallOptions {
  key?: 'ed25519' | 'rsa';
  accessKeyId?: string;
  privateKey?: string;
  date?: string;
  signedPath?: string;
  headers?: Record<string, string>;
  rawBody?: string;
}

async function call(operation: string, body: unknown, o: CallOptions = {}): Promise<{ status: number; json: any; requestId: string | null }> {
  const which = o.key ?? 'ed25519';
  const k = cdp.keys[which];
  const method: Method = which === 'ed25519' ? 'ed25519v1' : 'rsav1';
  const urlPath = `/api/v1/ml/${operation}`;
  const date = o.date ?? new Date().toUTCString();
  const auth = altusAuth({ accessKeyId: o.accessKeyId ?? k.accessKeyId, key: o.privateKey ?? k.privateKey, method, path: o.signedPath ?? urlPath, date });
  const res = await fetch(cdp.endpoint + urlPath, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-altus-date': date, 'x-altus-auth': auth, ...o.headers },
    body: o.rawBody ?? JSON.stringify(body),
  });
  return { status: res.status, json: await res.json(), requestId: res.headers.get('x-altus-request-id') };
}

async function ok(operation: string, body: unknown): Promise<any> {
  const r = await call(operation, body);
  if (r.status !== 200) throw new Error(`${operation}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

async function allJobs(vaultName: string, after: Date): Promise<BackupJob[]> {
  const out: BackupJob[] = [];
  for await (const page of paginateListBackupJobs({ client: aws, pageSize: 1 }, { ByBackupVaultName: vaultName, ByCreatedAfter: after })) {
    out.push(...(page.BackupJobs ?? []));
  }
  return out;
}

beforeAll(async () => {
  cdp = await startCdp({ timeScale: TIME_SCALE });
  aws = new BackupClient({ endpoint: cdp.awsBackup.endpoint, region: cdp.awsBackup.region, credentials: cdp.awsBackup.credentials, maxAttempts: 1 });
});
afterAll(async () => {
  aws?.destroy();
  await cdp?.stop();
});

describe('request signing', () => {
  test('the test signer reproduces the golden vectors (ed25519v1 and rsav1)', () => {
    for (const v of vectors.vectors.filter((x: any) => !x.verifyOnly)) {
      const key = v.key === 'ed25519' ? vectors.keys.ed25519.privateKey : vectors.keys.rsa.privateKeyPem;
      const got = altusAuth({ accessKeyId: v.input.accessKeyId, key, method: v.authMethod, path: v.input.path, date: v.input.date });
      expect(got).toBe(v.expectedHeaders['x-altus-auth']);
    }
  });

  test('the verifier accepts every golden vector (ed25519v1, rsav1, ecdsav1) and the cdpcurl upstream vector', () => {
    const id = 'test-access-key-id';
    const byKey: Record<string, any> = {
      ed25519: knownKey(id, 'ed25519v1', vectors.keys.ed25519.publicKeyRawBase64),
      rsa: knownKey(id, 'rsav1', vectors.keys.rsa.publicKeyPem),
      ecdsa: knownKey(id, 'ecdsav1', vectors.keys.ecdsa.publicKeyPem),
    };
    for (const v of vectors.vectors) {
      const req = { method: v.input.method, path: v.input.path, headers: { 'content-type': v.input.contentType, ...v.expectedHeaders } };
      const at = Date.parse(v.input.date);
      expect(verifyRequest(req, new Map([[id, byKey[v.key]]]), 300, at)).toEqual({ accessKeyId: id, method: v.authMethod });
      expect(verifyRequest({ ...req, path: '/api/v1/ml/deleteWorkspace' }, new Map([[id, byKey[v.key]]]), 300, at)).toHaveProperty('reason');
      expect(verifyRequest(req, new Map([[id, byKey[v.key]]]), 300, at + 3600_000)).toHaveProperty('reason');
    }
    const u = vectors.upstreamVector;
    const seed = Buffer.from(u.input.privateKey, 'base64');
    const pub = createPublicKey(privateKeyOf(seed.toString('base64'), 'ed25519v1'));
    const keys = new Map([['ABC', { accessKeyId: 'ABC', method: 'ed25519v1' as const, publicKey: pub }]]);
    const req = { method: 'GET', path: u.input.signedPath, headers: { 'content-type': u.input.contentType, ...u.expectedHeaders } };
    expect(verifyRequest(req, keys, 300, 0)).toEqual({ accessKeyId: 'ABC', method: 'ed25519v1' });
  });

  test('correctly signed requests are accepted, with ed25519v1 and rsav1', async () => {
    for (const key of ['ed25519', 'rsa'] as const) {
      const r = await call('listWorkspaces', {}, { key });
      expect(r.status).toBe(200);
      expect(r.requestId).toBeTruthy();
      expect(r.json.workspaces.map((w: any) => w.cloudPlatform).sort()).toEqual(['AWS', 'AZURE']);
    }
    expect(cdp.requests.at(-1)).toMatchObject({ operation: 'listWorkspaces', accessKeyId: cdp.keys.rsa.accessKeyId, status: 200 });
  });

  test('unknown key id, wrong private key, stale date, tampered path, date or content-type: 403 in CDP error shape', async () => {
    const cases: [string, CallOptions | (() => Promise<any>)][] = [
      ['unknown access key id', { accessKeyId: 'not-a-key' }],
      ['wrong private key', { privateKey: vectors.keys.ed25519.privateKey }],
      ['stale date', { date: new Date(Date.now() - 3600_000).toUTCString() }],
      ['future date', { date: new Date(Date.now() + 3600_000).toUTCString() }],
      ['signature for another operation', { signedPath: '/api/v1/ml/describeWorkspace' }],
      ['date changed after signing', { headers: { 'x-altus-date': new Date(Date.now() - 2000).toUTCString() } }],
      ['content-type changed after signing', { headers: { 'content-type': 'application/json; charset=utf-8' } }],
      ['garbage auth header', { headers: { 'x-altus-auth': 'abc' } }],
    ];
    for (const [what, o] of cases) {
      const r = await call('listWorkspaces', {}, o as CallOptions);
      expect({ what, status: r.status }).toEqual({ what, status: 403 });
      expect(typeof r.json.code).toBe('string');
      expect(typeof r.json.message).toBe('string');
    }
    // The RSA key cannot sign as ed25519v1's key id and vice versa.
    const crossed = await call('listWorkspaces', {}, { key: 'rsa', accessKeyId: cdp.keys.ed25519.accessKeyId });
    expect(crossed.status).toBe(403);
  });

  test('the body is not signed (spec): a changed body with a valid signature is accepted', async () => {
    const ws = (await ok('listWorkspaces', {})).workspaces[0];
    const r = await call('describeWorkspace', {}, { rawBody: JSON.stringify({ workspaceCrn: ws.crn }) });
    expect(r.status).toBe(200);
  });
});

describe('body validation against ml.yaml', () => {
  test('missing required field: 400 naming it', async () => {
    const r = await call('backupWorkspace', { backupName: 'b' });
    expect(r.status).toBe(400);
    expect(r.json.code).toBe('INVALID_ARGUMENT');
    expect(r.json.message).toContain('workspaceCrn');
    const nested = await call('restoreWorkspace', { backupCrn: 'x', newWorkspaceParameters: { environmentName: 'e' } });
    expect(nested.status).toBe(400);
    expect(nested.json.message).toContain('newWorkspaceParameters.workspaceName');
    const force = await call('deleteWorkspace', { workspaceCrn: 'x' });
    expect(force.status).toBe(400);
    expect(force.json.message).toContain('force');
  });

  test('unknown field and wrong type: 400 naming it', async () => {
    const r = await call('backupWorkspace', { workspaceCrn: 'c', backupName: 'b', backupTimeoutMinutes: 5 });
    expect(r.status).toBe(400);
    expect(r.json.message).toContain('backupTimeoutMinutes');
    const t = await call('backupWorkspace', { workspaceCrn: 'c', backupName: 'b', backupJobTimeoutMinutes: '60' });
    expect(t.status).toBe(400);
    expect(t.json.message).toContain('backupJobTimeoutMinutes');
    const bad = await call('listWorkspaces', null, { rawBody: '{not json' });
    expect(bad.status).toBe(400);
  });

  test('429 and 503 fault answers for N calls, then normal service', async () => {
    cdp.faults.errorNext(2, 429, 'listWorkspaces');
    const a = await call('listWorkspaces', {});
    const b = await call('listWorkspaces', {});
    const c = await call('listWorkspaces', {});
    expect([a.status, b.status, c.status]).toEqual([429, 429, 200]);
    expect(a.json.code).toBe('RESOURCE_EXHAUSTED');
    cdp.faults.errorNext(1, 503);
    expect((await call('listWorkspaces', {})).status).toBe(503);
    expect((await call('listWorkspaces', {})).status).toBe(200);
    cdp.faults.slow(400, 1, 'listWorkspaces');
    const t0 = Date.now();
    expect((await call('listWorkspaces', {})).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
  });
});

describe('a CML backup on AWS', () => {
  let wsCrn: string;
  let backupCrn: string;
  let vaultName: string;
  let startedAt: Date;

  test('progresses to a final status over scaled time', async () => {
    const ws = (await ok('listWorkspaces', {})).workspaces.find((w: any) => w.cloudPlatform === 'AWS');
    wsCrn = ws.crn;
    startedAt = new Date(Date.now() - 1000);
    const t0 = Date.now();
    const b = await ok('backupWorkspace', { workspaceCrn: wsCrn, backupName: 'pre-upgrade', backupJobTimeoutMinutes: 720 });
    backupCrn = b.backupCrn;
    vaultName = b.vaultName;
    expect(vaultName).toMatch(/^[a-zA-Z0-9\-_]{2,50}$/);
    const described = (await ok('describeWorkspace', { workspaceCrn: wsCrn })).workspace;
    expect(described.backupMetadata.backupVaultName).toBe(vaultName);

    const seen = new Set<string>();
    let status = '';
    while (Date.now() - t0 < 10_000) {
      status = (await ok('describeWorkspaceBackup', { backupCrn })).backupStatus;
      seen.add(status);
      if (status !== cdp.backupStatuses.started) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(cdp.backupStatuses.finished);
    expect([...seen]).toEqual([cdp.backupStatuses.started, cdp.backupStatuses.finished]);
    const listed = (await ok('listWorkspaceBackups', { workspaceCrn: wsCrn })).backups;
    expect(listed).toEqual([expect.objectContaining({ backupCrn, backupName: 'pre-upgrade', backupStatus: cdp.backupStatuses.finished })]);
    const meta = (await ok('describeWorkspace', { workspaceCrn: wsCrn })).workspace.backupMetadata;
    expect(meta).toMatchObject({ isSuccessfulBackupAvailable: true, lastBackupStatus: cdp.backupStatuses.finished, numberOfAvailableBackups: 1 });
  });

  test('the real @aws-sdk/client-backup lists (paginated) and describes its jobs', async () => {
    const before = cdp.awsRequests.length;
    const jobs = await allJobs(vaultName, startedAt);
    const pages = cdp.awsRequests.slice(before);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(pages[0].query).toMatchObject({ backupVaultName: vaultName, maxResults: '1', createdAfter: startedAt.toISOString() });
    expect(pages[1].query.nextToken).toBeTruthy();
    expect(jobs.map((j) => j.ResourceType).sort()).toEqual(['EBS', 'EBS', 'EFS']);
    for (const j of jobs) {
      expect(j.State).toBe('COMPLETED');
      expect(j.CreationDate).toBeInstanceOf(Date);
      expect(must(j.CompletionDate, 'j.CompletionDate').getTime()).toBeGreaterThanOrEqual(must(j.CreationDate, 'j.CreationDate').getTime());
      expect(j.BytesTransferred).toBeGreaterThan(0);
      const d = await aws.send(new DescribeBackupJobCommand({ BackupJobId: j.BackupJobId }));
      expect(d).toMatchObject({ BackupJobId: j.BackupJobId, BackupVaultName: vaultName, State: 'COMPLETED', ResourceArn: j.ResourceArn });
    }
    const efs = must(
      jobs.find((j) => j.ResourceType === 'EFS'),
      'the EFS job',
    );
    expect(efs.ResourceArn).toMatch(/:file-system\/fs-/);
    // Nothing newer than now, nothing in another vault.
    expect((await aws.send(new ListBackupJobsCommand({ ByBackupVaultName: vaultName, ByCreatedAfter: new Date(Date.now() + 60_000) }))).BackupJobs).toEqual([]);
    expect((await aws.send(new ListBackupJobsCommand({ ByBackupVaultName: 'other-vault' }))).BackupJobs).toEqual([]);
    const settings = await aws.send(new DescribeRegionSettingsCommand({}));
    expect(settings.ResourceTypeOptInPreference).toMatchObject({ EBS: true, EFS: true });
  });

  test('PercentDone in both formats, and StopBackupJob: ABORTING then ABORTED, backup failed', async () => {
    cdp.clock.pause();
    try {
      const b = await ok('backupWorkspace', { workspaceCrn: wsCrn, backupName: 'second' });
      cdp.clock.advance(3600 * 1.5); // EBS jobs (a tenth of 10 h) done, EFS job about 14 %
      const jobs = await allJobs(b.vaultName, new Date(Date.now() - 2000));
      const mine = jobs.filter((j) =>
        must(
          cdp.backups().find((x) => x.backupCrn === b.backupCrn),
          'cdp.backups().find((x) => x.backupCrn === b.backupCrn)',
        ).jobIds.includes(must(j.BackupJobId, 'j.BackupJobId')),
      );
      expect(mine).toHaveLength(3);
      const pct = mine.map((j) => must(j.PercentDone, 'PercentDone'));
      expect(pct.some((p) => /^\d+\.\d{2}%$/.test(p))).toBe(true);
      expect(pct.some((p) => /^\d+\.\d$/.test(p))).toBe(true);
      const efs = must(
        mine.find((j) => j.ResourceType === 'EFS'),
        'the EFS job',
      );
      expect(efs.State).toBe('RUNNING');
      expect(parseFloat(must(efs.PercentDone, 'efs.PercentDone'))).toBeGreaterThan(5);
      expect(parseFloat(must(efs.PercentDone, 'efs.PercentDone'))).toBeLessThan(100);

      await aws.send(new StopBackupJobCommand({ BackupJobId: efs.BackupJobId }));
      expect((await aws.send(new DescribeBackupJobCommand({ BackupJobId: efs.BackupJobId }))).State).toBe('ABORTING');
      cdp.clock.advance(600);
      const after = await aws.send(new DescribeBackupJobCommand({ BackupJobId: efs.BackupJobId }));
      expect(after.State).toBe('ABORTED');
      expect(after.CompletionDate).toBeInstanceOf(Date);
      expect((await ok('describeWorkspaceBackup', { backupCrn: b.backupCrn })).backupStatus).toBe(cdp.backupStatuses.failed);
      // Stopping a finished job is refused with a 400 error the SDK maps to its exception class.
      const done = must(
        mine.find((j) => j.ResourceType === 'EBS'),
        'the EBS job',
      );
      await expect(aws.send(new StopBackupJobCommand({ BackupJobId: done.BackupJobId }))).rejects.toMatchObject({ name: 'InvalidRequestException' });
      await expect(aws.send(new DescribeBackupJobCommand({ BackupJobId: 'no-such-job' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    } finally {
      cdp.clock.resume();
    }
  });

  test('AWS requests with a wrong secret are refused (SigV4 verified)', async () => {
    const bad = new BackupClient({
      endpoint: cdp.awsBackup.endpoint,
      region: cdp.awsBackup.region,
      credentials: { ...cdp.awsBackup.credentials, secretAccessKey: 'wrong' },
      maxAttempts: 1,
    });
    await expect(bad.send(new DescribeRegionSettingsCommand({}))).rejects.toMatchObject({
      name: 'InvalidSignatureException',
      $metadata: { httpStatusCode: 403 },
    });
    bad.destroy();
    cdp.faults.awsErrorNext(1, 429);
    await expect(aws.send(new DescribeRegionSettingsCommand({}))).rejects.toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } });
    cdp.faults.setOptIn('EFS', false);
    expect((await aws.send(new DescribeRegionSettingsCommand({}))).ResourceTypeOptInPreference).toMatchObject({ EBS: true, EFS: false });
    cdp.faults.setOptIn('EFS', true);
  });

  test('fault: a backup that fails, one that never finishes (ended by its job timeout)', async () => {
    cdp.clock.pause();
    try {
      cdp.faults.failNextBackup(40);
      const f = await ok('backupWorkspace', { workspaceCrn: wsCrn, backupName: 'will-fail' });
      cdp.clock.advance(5 * 3600);
      expect((await ok('describeWorkspaceBackup', { backupCrn: f.backupCrn })).backupStatus).toBe(cdp.backupStatuses.failed);
      const failed = cdp.backupJobs(f.backupCrn).find((j: any) => j.ResourceType === 'EFS');
      expect(failed).toMatchObject({ State: 'FAILED', PercentDone: '40.0' });

      cdp.faults.hangNextBackup();
      const h = await ok('backupWorkspace', { workspaceCrn: wsCrn, backupName: 'never-ends', backupJobTimeoutMinutes: 24 * 60 });
      cdp.clock.advance(20 * 3600);
      expect((await ok('describeWorkspaceBackup', { backupCrn: h.backupCrn })).backupStatus).toBe(cdp.backupStatuses.started);
      const hung = must(
        cdp.backupJobs(h.backupCrn).find((j: any) => j.ResourceType === 'EFS'),
        'the hung EFS job',
      );
      expect(hung.State).toBe('RUNNING');
      expect(parseFloat(hung.PercentDone)).toBeLessThan(100);
      cdp.clock.advance(5 * 3600);
      expect((await ok('describeWorkspaceBackup', { backupCrn: h.backupCrn })).backupStatus).toBe(cdp.backupStatuses.failed);
    } finally {
      cdp.clock.resume();
    }
  });
});

describe('workspace lifecycle', () => {
  test('Azure: suspend, backup, resume; restore into a new workspace; delete', async () => {
    cdp.clock.pause();
    try {
      const ws = (await ok('listWorkspaces', {})).workspaces.find((w: any) => w.cloudPlatform === 'AZURE');
      expect(ws.filesystemID).toBeTruthy();
      expect(ws.nfsVersion).toBeTruthy();
      await ok('suspendWorkspace', { workspaceCrn: ws.crn });
      expect((await ok('describeWorkspace', { workspaceCrn: ws.crn })).workspace.instanceStatus).toBe('suspend:started');
      cdp.clock.advance(3600);
      expect((await ok('describeWorkspace', { workspaceCrn: ws.crn })).workspace.instanceStatus).toBe('suspend:finished');
      const b = await ok('backupWorkspace', { workspaceCrn: ws.crn, backupName: 'azure-1' });
      expect(b.vaultName).toBeUndefined();
      expect(cdp.backupJobs(b.backupCrn)).toEqual([]);
      cdp.clock.advance(11 * 3600);
      expect((await ok('describeWorkspaceBackup', { backupCrn: b.backupCrn })).backupStatus).toBe(cdp.backupStatuses.finished);
      await ok('resumeWorkspace', { workspaceCrn: ws.crn });
      cdp.clock.advance(3600);
      expect((await ok('describeWorkspace', { workspaceCrn: ws.crn })).workspace.instanceStatus).toBe('resume:finished');

      const clash = await call('restoreWorkspace', {
        backupCrn: b.backupCrn,
        useStaticSubdomain: true,
        newWorkspaceParameters: { environmentName: ws.environmentName, workspaceName: 'ml-azure-2' },
      });
      expect(clash.status).toBe(400);
      const r = await ok('restoreWorkspace', {
        backupCrn: b.backupCrn,
        useStaticSubdomain: false,
        restoreJobTimeoutMinutes: 600,
        newWorkspaceParameters: { environmentName: ws.environmentName, workspaceName: 'ml-azure-interim' },
      });
      expect((await ok('describeWorkspace', { workspaceCrn: r.workspaceCrn })).workspace).toMatchObject({
        instanceStatus: 'provision:started',
        isRestored: true,
      });
      cdp.clock.advance(4 * 3600);
      expect((await ok('describeWorkspace', { workspaceCrn: r.workspaceCrn })).workspace.instanceStatus).toBe('installation:finished');

      await ok('deleteWorkspace', { workspaceCrn: ws.crn, force: false, removeStorage: false });
      expect((await ok('describeWorkspace', { workspaceCrn: ws.crn })).workspace.instanceStatus).toBe('deprovision:started');
      cdp.clock.advance(3600);
      const gone = await call('describeWorkspace', { workspaceCrn: ws.crn });
      expect(gone.status).toBe(404);
      expect(gone.json.code).toBe('NOT_FOUND');
      // Backups outlive their workspace, found by environment and name.
      const byName = await ok('listWorkspaceBackups', { environmentName: ws.environmentName, workspaceName: ws.instanceName });
      expect(byName.backups.map((x: any) => x.backupCrn)).toEqual([b.backupCrn]);
      const del = await ok('deleteBackup', { backupCrn: b.backupCrn });
      expect(typeof del.workflowId).toBe('string');
      expect((await call('describeWorkspaceBackup', { backupCrn: b.backupCrn })).status).toBe(404);
    } finally {
      cdp.clock.resume();
    }
  });
});
