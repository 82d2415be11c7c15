// backup-cml's upgrade record: written before anything changes (the Azure workspace is suspended
// next), with the original's describeWorkspace and, with cml-api-key, its projects through the CML
// API v2 (GET only); valid against its schema; never a secret in it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { startAzureForCml, startCdp } from '../../sandbox/index.js';
import { backupCmlAction } from '../../actions/backup-cml/src/main.js';
import { backupCmlClients } from '../../actions/backup-cml/src/clients.js';
import type { UpgradeRecord } from '../../packages/cml/src/index.js';
import { runInProcess } from '../support/in-process.js';
import { must } from '../support/must.js';

type Cdp = Awaited<ReturnType<typeof startCdp>>;
const stops: (() => unknown)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});
const ajv = new Ajv2020({ allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const schema = ajv.compile(JSON.parse(readFileSync(path.join(process.cwd(), 'schemas', 'cml-upgrade-record.v1.json'), 'utf8')));

async function sandbox(): Promise<{ cdp: Cdp; dir: string }> {
  const cdp = await startCdp({ timeScale: 20_000 });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cml-record-it-'));
  stops.push(
    () => cdp.stop(),
    () => rmSync(dir, { recursive: true, force: true }),
  );
  return { cdp, dir };
}

async function backup(cdp: Cdp, inputs: Record<string, string>) {
  const credentials = { accessKeyId: cdp.awsEnv.AWS_ACCESS_KEY_ID, secretAccessKey: cdp.awsEnv.AWS_SECRET_ACCESS_KEY };
  let env: Record<string, string> = { ...cdp.awsEnv, HOME: '/nonexistent' };
  if (inputs['workspace-name'] === 'ml-azure') {
    const side = await startAzureForCml(must(cdp.workspace('ml-azure'), 'ml-azure').crn);
    stops.push(() => side.stop());
    env = { ...env, ...side.env };
    inputs = { ...side.inputs, ...inputs };
  }
  return runInProcess(
    backupCmlAction,
    {
      'cdp-access-key-id': cdp.keys.ed25519.accessKeyId,
      'cdp-private-key': cdp.keys.ed25519.privateKey,
      'cdp-endpoint-url': cdp.endpoint,
      'progress-interval-minutes': '0.01',
      ...inputs,
    },
    {
      env,
      timeoutMs: 60_000,
      clients: (config, context) =>
        backupCmlClients(config, context, {
          backup: { endpoint: cdp.awsEnv.AWS_ENDPOINT_URL_BACKUP, credentials },
          ec2: { endpoint: cdp.awsEnv.AWS_ENDPOINT_URL_EC2, credentials },
          azure: { ca: env.NODE_EXTRA_CA_CERTS ? readFileSync(env.NODE_EXTRA_CA_CERTS, 'utf8') : undefined },
        }),
    },
  );
}

describe('the upgrade record', () => {
  test.each([
    ['AWS', 'cdp-aws-env', 'ml-prod'],
    ['Azure', 'cdp-azure-env', 'ml-azure'],
  ])('%s: the original and its projects, read before the backup, valid, without a key in it', async (_cloud, environment, name) => {
    const { cdp, dir } = await sandbox();
    const file = path.join(dir, 'record.json');
    const apiKey = cdp.cmlApiKey(name);
    const run = await backup(cdp, { 'environment-name': environment, 'workspace-name': name, 'cml-api-key': apiKey, 'record-file': file });
    expect(run.stdout).not.toMatch(/::error::/);
    expect(run.code).toBe(0);
    expect(run.outputs['record-file']).toBe(file);
    const text = readFileSync(file, 'utf8');
    const record = JSON.parse(text) as UpgradeRecord;
    expect(schema(record)).toBe(true);
    const original = must(
      cdp.workspaces().find((w: { instanceName: string }) => w.instanceName === name),
      name,
    );
    expect(record.original).toMatchObject({
      crn: original.crn,
      instanceUrl: original.instanceUrl,
      version: original.version,
      filesystemId: original.filesystemID,
    });
    expect(record.describeWorkspace.crn).toBe(original.crn);
    expect(record.backup?.crn).toBe(cdp.backups()[0].backupCrn);
    // Every project with its counts, as the workspace's API lists them to its admin.
    expect(record.inventory?.projects.length).toBe(12);
    expect(record.inventory?.projects.every((p) => p.id && p.name && p.owner)).toBe(true);
    expect(record.inventory?.projects.some((p) => p.scheduledJobs.length > 0)).toBe(true);
    // Read only, and all answered: on Azure before the suspend (a suspended workspace's API is down).
    const calls = cdp.cmlRequests as { method: string; status: number }[];
    expect(calls.length).toBeGreaterThan(12);
    expect(calls.every((c) => c.method === 'GET' && c.status === 200)).toBe(true);
    for (const secret of [apiKey, cdp.keys.ed25519.privateKey]) {
      expect(text).not.toContain(secret);
      expect(
        run.stdout
          .split('\n')
          .filter((l) => !l.startsWith('::add-mask::'))
          .join('\n'),
      ).not.toContain(secret);
      expect(run.summary + JSON.stringify(run.outputs)).not.toContain(secret);
    }
  });

  test('without cml-api-key the record says why it has no projects, and the run warns', async () => {
    const { cdp, dir } = await sandbox();
    const file = path.join(dir, 'record.json');
    const run = await backup(cdp, { 'environment-name': 'cdp-aws-env', 'workspace-name': 'ml-prod', 'record-file': file });
    expect(run.code).toBe(0);
    const record = JSON.parse(readFileSync(file, 'utf8')) as UpgradeRecord;
    expect(record.inventory).toBeUndefined();
    expect(record.inventoryMissing).toMatch(/no cml-api-key/);
    expect(run.stdout).toMatch(/::warning::no cml-api-key was given/);
  });

  test('a key the workspace refuses stops the run before the backup starts', async () => {
    const { cdp, dir } = await sandbox();
    const run = await backup(cdp, {
      'environment-name': 'cdp-aws-env',
      'workspace-name': 'ml-prod',
      'cml-api-key': 'not-a-key-of-this-workspace',
      'record-file': path.join(dir, 'r.json'),
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::.*CML API v2 GET \/projects failed with HTTP 401.*create one in the workspace/);
    expect(cdp.requests.some((r: { operation?: string }) => r.operation === 'backupWorkspace')).toBe(false);
  });
});
