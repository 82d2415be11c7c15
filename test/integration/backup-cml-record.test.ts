// backup-cml's upgrade record: written before anything changes (the Azure workspace is suspended
// next), with the original's describeWorkspace and, with cml-api-key, its projects through the CML
// API v2 (GET only); valid against its schema; never a secret in it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { UpgradeRecord } from '../../packages/cml/src/index.js';
import { CML_WORKSPACES, cmlSandbox, shown } from '../support/cml.js';
import { must } from '../support/must.js';

const stops: (() => unknown)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});
const ajv = new Ajv2020({ allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const schema = ajv.compile(JSON.parse(readFileSync(path.join(process.cwd(), 'schemas', 'cml-upgrade-record.v1.json'), 'utf8')));

describe('the upgrade record', () => {
  test.each([
    ['AWS', 'cdp-aws-env', 'ml-prod'],
    ['Azure', 'cdp-azure-env', 'ml-azure'],
  ])('%s: the original and its projects, read before the backup, valid, without a key in it', async (_cloud, environment, name) => {
    const { cdp, dir, backup } = await cmlSandbox(stops);
    const file = path.join(dir, 'record.json');
    const apiKey = cdp.cmlApiKey(name);
    const run = await backup({ 'environment-name': environment, 'workspace-name': name, 'cml-api-key': apiKey, 'record-file': file });
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
      expect(shown(run)).not.toContain(secret);
    }
  });

  test('without cml-api-key the record says why it has no projects, and the run warns', async () => {
    const { dir, backup } = await cmlSandbox(stops);
    const file = path.join(dir, 'record.json');
    const run = await backup({ 'environment-name': 'cdp-aws-env', 'workspace-name': 'ml-prod', 'record-file': file });
    expect(run.code).toBe(0);
    const record = JSON.parse(readFileSync(file, 'utf8')) as UpgradeRecord;
    expect(record.inventory).toBeUndefined();
    expect(record.inventoryMissing).toMatch(/no cml-api-key/);
    expect(run.stdout).toMatch(/::warning::no cml-api-key was given/);
  });

  test('a key the workspace refuses stops the run before the backup starts', async () => {
    const { cdp, dir, backup } = await cmlSandbox(stops);
    const run = await backup({
      'environment-name': 'cdp-aws-env',
      'workspace-name': 'ml-prod',
      'cml-api-key': 'not-a-key-of-this-workspace',
      'record-file': path.join(dir, 'r.json'),
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::.*CML API v2 GET \/projects failed with HTTP 401.*create one in the workspace/);
    expect(cdp.requests.some((r: { operation?: string }) => r.operation === 'backupWorkspace')).toBe(false);
  });

  test('a job that attaches to the running backup keeps the record written before it started, and adds the backup', async () => {
    const { cdp, dir, backup } = await cmlSandbox(stops);
    const file = path.join(dir, 'record.json');
    const inputs = { ...CML_WORKSPACES.azure, 'cml-api-key': cdp.cmlApiKey('ml-azure'), 'record-file': file };
    const started = await backup({ ...inputs, wait: 'false' });
    expect(started.code).toBe(0);
    const before = JSON.parse(readFileSync(file, 'utf8')) as UpgradeRecord;
    expect(before.inventory?.projects.length).toBe(12);
    // The workspace is suspended now: its API answers 503, and a new inventory would fail.
    const attached = await backup({ ...inputs, 'backup-crn': must(started.outputs['backup-crn'], 'backup-crn') });
    expect(attached.stdout).not.toMatch(/::error::/);
    expect(attached.code).toBe(0);
    expect(attached.stdout).toContain(`upgrade record: keeping ${file}, written ${before.writtenAt}`);
    const after = JSON.parse(readFileSync(file, 'utf8')) as UpgradeRecord;
    expect(schema(after)).toBe(true);
    expect(after.inventory).toEqual(before.inventory);
    expect(after.describeWorkspace).toEqual(before.describeWorkspace);
    expect(after.backup?.crn).toBe(started.outputs['backup-crn']);
  });

  test('a job that attaches without an earlier record writes one and warns when the suspended workspace cannot list its projects', async () => {
    const { cdp, dir, backup } = await cmlSandbox(stops);
    const inputs = { ...CML_WORKSPACES.azure, 'cml-api-key': cdp.cmlApiKey('ml-azure') };
    const started = await backup({ ...inputs, wait: 'false', 'record-file': path.join(dir, 'first.json') });
    expect(started.code).toBe(0);
    const file = path.join(dir, 'second.json');
    const attached = await backup({ ...inputs, 'record-file': file, 'backup-crn': must(started.outputs['backup-crn'], 'backup-crn') });
    expect(attached.code).toBe(0);
    expect(attached.stdout).toMatch(/::warning::backup-cml attached to a running backup and could not list the projects: .*503/);
    const record = JSON.parse(readFileSync(file, 'utf8')) as UpgradeRecord;
    expect(schema(record)).toBe(true);
    expect(record.inventory).toBeUndefined();
    expect(record.backup?.crn).toBe(started.outputs['backup-crn']);
  });
});
