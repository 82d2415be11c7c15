// backup-cml end to end against the CDP emulator (signatures verified, bodies checked against
// ml.yaml, backups over scaled time), its AWS Backup and EC2 endpoints and the Azure emulator: in-process
// through its main, with the real SDK clients pointed at the emulators; and as its dist bundle, run as
// the runner runs it, where only a process shows it (the bundled SDK chunks reaching the emulators
// through AWS_ENDPOINT_URL_BACKUP and _EC2 and NODE_EXTRA_CA_CERTS, the OIDC token, SIGTERM, bad input).
import { afterEach, describe, expect, test } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { runActionBundle, startAzure, startAzureForCml, startCdp } from '../../sandbox/index.js';
import { backupCmlAction } from '../../actions/backup-cml/src/main.js';
import { backupCmlClients } from '../../actions/backup-cml/src/clients.js';
import { runInProcess, type InProcessChild } from '../support/in-process.js';
import { must } from '../support/must.js';

type Cdp = Awaited<ReturnType<typeof startCdp>>;
const started: Cdp[] = [];
const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((c) => c.stop()));
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

/** 10 model hours of backup take about 1.8 s. */
async function sandbox(options: Parameters<typeof startCdp>[0] = {}): Promise<Cdp> {
  const cdp = await startCdp({ timeScale: 20_000, ...options });
  started.push(cdp);
  return cdp;
}

async function azureSide(cdp: Cdp) {
  const side = await startAzureForCml(must(cdp.workspace('ml-azure'), "cdp.workspace('ml-azure')").crn);
  stops.push(() => side.stop());
  return side;
}

/** In-process, with the SDK clients pointed at the emulators (or the bundle, with bundle: true). */
function backup(
  cdp: Cdp,
  inputs: Record<string, string>,
  onLine?: (line: string, child: ChildProcess | InProcessChild) => void,
  extraEnv: Record<string, string> = {},
  bundle = false,
) {
  const all = {
    'cdp-access-key-id': cdp.keys.ed25519.accessKeyId,
    'cdp-private-key': cdp.keys.ed25519.privateKey,
    'cdp-endpoint-url': cdp.endpoint,
    'progress-interval-minutes': '0.01',
    ...inputs,
  };
  const options = { env: { ...cdp.awsEnv, HOME: '/nonexistent', ...extraEnv }, timeoutMs: 60_000, onLine };
  if (bundle) return runActionBundle('backup-cml', all, options);
  const credentials = { accessKeyId: cdp.awsEnv.AWS_ACCESS_KEY_ID, secretAccessKey: cdp.awsEnv.AWS_SECRET_ACCESS_KEY };
  const ca = extraEnv.NODE_EXTRA_CA_CERTS ? readFileSync(extraEnv.NODE_EXTRA_CA_CERTS, 'utf8') : undefined;
  return runInProcess(backupCmlAction, all, {
    ...options,
    clients: (config, context) =>
      backupCmlClients(config, context, {
        backup: { endpoint: cdp.awsEnv.AWS_ENDPOINT_URL_BACKUP, credentials },
        ec2: { endpoint: cdp.awsEnv.AWS_ENDPOINT_URL_EC2, credentials },
        azure: { ca },
      }),
  });
}

const AWS_WS = { 'environment-name': 'cdp-aws-env', 'workspace-name': 'ml-prod' };
const AZURE_WS = { 'environment-name': 'cdp-azure-env', 'workspace-name': 'ml-azure' };
const operations = (cdp: Cdp): string[] => cdp.requests.map((r: { operation?: string }) => r.operation ?? '');

function expectNoKey(cdp: Cdp, run: Awaited<ReturnType<typeof backup>>) {
  // ::add-mask:: hands the secret to the runner, which never prints it: every other line must not hold it.
  const stdout = run.stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
  expect(run.stdout).toContain(`::add-mask::${cdp.keys.ed25519.privateKey}`);
  for (const text of [stdout, run.stderr, run.summary, JSON.stringify(run.outputs)]) expect(text).not.toContain(cdp.keys.ed25519.privateKey);
}

describe('backup-cml on AWS', () => {
  test('backs up, listing the AWS Backup jobs at each progress interval, and reports the outputs', async () => {
    const cdp = await sandbox();
    const run = await backup(cdp, AWS_WS, undefined, {}, true);
    // Node 20 only: the AWS SDK warns that it will need Node 22 (runners use 24).
    const older = Number(process.versions.node.split('.')[0]) < 22;
    expect((older ? run.stderr.replace(/\(node:\d+\) Warning: NodeVersionSupportWarning[\s\S]*$/, '') : run.stderr).trim()).toBe('');
    expect(run.code).toBe(0);
    const [b] = cdp.backups();
    expect(run.outputs).toMatchObject({
      'backup-crn': b.backupCrn,
      'backup-status': cdp.backupStatuses.finished,
      'vault-name': b.vaultName,
      'cloud-platform': 'AWS',
      'workspace-name': 'ml-prod',
      'environment-name': 'cdp-aws-env',
      'existing-nfs': '',
    });
    expect(run.outputs['filesystem-id']).toMatch(/^fs-/);
    expect(b.backupName).toMatch(/^ml-prod-\d{8}T\d{6}Z$/);
    // Progress: the EBS and EFS jobs with state and percent, in both of AWS's PercentDone forms.
    expect(run.stdout).toMatch(/AWS Backup job \S+: EFS \S+ RUNNING \d+\.\d%/);
    expect(run.stdout).toMatch(/AWS Backup job \S+: EBS \S+ (RUNNING|COMPLETED) \d+\.\d%/);
    expect(run.stdout).toContain('AWS Backup job percentages are AWS estimates');
    expect(run.summary).toMatch(/\| AWS Backup job \| resource \| state \| percent \(AWS estimate\) \| transferred \|/);
    expect(operations(cdp).filter((o: string) => o === 'backupWorkspace')).toHaveLength(1);
    expectNoKey(cdp, run);
  });

  test('a backup outliving backup-timeout-minutes fails clearly and, with cancel-on-timeout, stops its AWS jobs', async () => {
    // Model time x 10: CDP's own backupJobTimeoutMinutes (1 min, rounded up) lasts 6 s, ours 3 s.
    const cdp = await sandbox({ timeScale: 10 });
    cdp.faults.hangNextBackup();
    const run = await backup(cdp, { ...AWS_WS, 'backup-timeout-minutes': '0.05', 'cancel-on-timeout': 'true' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/the backup did not finish within backup-timeout-minutes \(0\.05\)/);
    expect(run.stdout).toMatch(/stopped \d+ AWS Backup jobs? of this backup \(cancel-on-timeout\)/);
    const states = cdp.backupJobs(cdp.backups()[0].backupCrn).map((j: { State: string }) => j.State);
    expect(states.some((s: string) => s === 'ABORTING' || s === 'ABORTED')).toBe(true);
    expect(run.outputs['backup-crn']).toBe(cdp.backups()[0].backupCrn);
  });

  test('without cancel-on-timeout the jobs are left running and the error says how to follow the backup', async () => {
    const cdp = await sandbox({ timeScale: 10 });
    cdp.faults.hangNextBackup();
    const run = await backup(cdp, { ...AWS_WS, 'backup-timeout-minutes': '0.03' });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`It keeps running: follow it with backup-crn: ${cdp.backups()[0].backupCrn}`);
    // StopBackupJob is the only POST of the AWS Backup API used here.
    expect(cdp.awsRequests.filter((r: { method?: string }) => r.method === 'POST')).toHaveLength(0);
  });

  test('SIGTERM while waiting stops cleanly, and stops the jobs when asked', async () => {
    const cdp = await sandbox();
    cdp.faults.hangNextBackup();
    let signalled = 0;
    const run = await backup(
      cdp,
      { ...AWS_WS, 'cancel-on-timeout': 'true' },
      (line, child) => {
        if (!signalled && /AWS Backup job \S+: EFS/.test(line)) {
          signalled = Date.now();
          child.kill('SIGTERM');
        }
      },
      {},
      true,
    );
    expect(signalled).toBeGreaterThan(0);
    expect(Date.now() - signalled).toBeLessThan(7500);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/the run was cancelled: stopped \d+ AWS Backup job/);
    expect(run.summary).toMatch(/backup-cml: interrupted/);
  });

  test('attach mode: wait false returns the backup CRN; a second run follows that backup to its end', async () => {
    const cdp = await sandbox({ timeScale: 5000 });
    const first = await backup(cdp, { ...AWS_WS, wait: 'false' });
    expect(first.code).toBe(0);
    expect(first.outputs['backup-status']).toBe('started');
    const crn = must(first.outputs['backup-crn'], 'the backup-crn output');
    const second = await backup(cdp, { ...AWS_WS, 'backup-crn': crn });
    expect(second.code).toBe(0);
    expect(second.outputs).toMatchObject({ 'backup-crn': crn, 'backup-status': cdp.backupStatuses.finished });
    expect(second.stdout).toContain(`attaching to backup ${crn}`);
    expect(operations(cdp).filter((o: string) => o === 'backupWorkspace')).toHaveLength(1);
  });

  test('a rerun with the same backup-name follows the running backup, reuses a finished one, refuses a failed one', async () => {
    const cdp = await sandbox({ timeScale: 10_000 });
    const named = { ...AWS_WS, 'backup-name': 'pre-upgrade' };
    const first = await backup(cdp, { ...named, wait: 'false' });
    expect(first.code).toBe(0);
    const crn = must(first.outputs['backup-crn'], 'the backup-crn output');
    // The lookup is a read: a transient 503 is tried again, not taken for "no such backup".
    cdp.faults.errorNext(1, 503, 'listWorkspaceBackups');
    const followed = await backup(cdp, named);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain(`backup pre-upgrade of this workspace was started before (${crn}, status`);
    expect(followed.outputs).toMatchObject({ 'backup-crn': crn, 'backup-status': cdp.backupStatuses.finished });
    const reused = await backup(cdp, named);
    expect(reused.code).toBe(0);
    expect(reused.stdout).toContain(`backup pre-upgrade of this workspace already finished (${crn}, status ${cdp.backupStatuses.finished}): reused`);
    expect(reused.summary).toMatch(/<th align="left">Earlier run<\/th><td>backup pre-upgrade of this workspace already finished/);
    expect(operations(cdp).filter((o: string) => o === 'backupWorkspace')).toHaveLength(1);

    cdp.faults.failNextBackup(10, 'snapshot quota exceeded');
    const failing = await backup(cdp, { ...AWS_WS, 'backup-name': 'second-try' });
    expect(failing.code).toBe(1);
    const refused = await backup(cdp, { ...AWS_WS, 'backup-name': 'second-try' });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/backup-name second-try is taken: this workspace's backup \S+ of that name ended backup:failed/);
    expect(operations(cdp).filter((o: string) => o === 'backupWorkspace')).toHaveLength(2);
    // Without a backup-name, each run's name is its own (the time), so nothing is looked for.
    const fresh = await backup(cdp, AWS_WS);
    expect(fresh.code).toBe(0);
    expect(operations(cdp).filter((o: string) => o === 'backupWorkspace')).toHaveLength(3);
  });

  test('dry run: the checks, no backup; missing opt-in is refused with the command to fix it', async () => {
    const cdp = await sandbox();
    const dry = await backup(cdp, { ...AWS_WS, 'dry-run': 'true' });
    expect(dry.code).toBe(0);
    expect(operations(cdp)).not.toContain('backupWorkspace');
    cdp.faults.setOptIn('EFS', false);
    const refused = await backup(cdp, AWS_WS);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('AWS Backup in us-east-1 has EFS not opted in');
    expect(refused.stdout).toContain('aws backup update-region-settings --region us-east-1 --resource-type-opt-in-preference EFS=true');
    expect(operations(cdp)).not.toContain('backupWorkspace');
  });

  test('warns of EBS volumes without the cluster tag; tag-disks adds it and keeps their other tags', async () => {
    const cdp = await sandbox();
    const before = cdp.ec2.volumes('ml-prod');
    const cluster = must(
      Object.keys(before[0].tags).find((k) => k.startsWith('kubernetes.io/cluster/liftie-')),
      'a cluster tag',
    );
    const untagged = must(
      before.find((v: { tags: Record<string, string> }) => !(cluster in v.tags)),
      'before.find((v: { tags: Record<string, string> }) => !(clust',
    );
    expect(untagged.tags.team).toBe('ml-platform');

    const warned = await backup(cdp, { ...AWS_WS, 'dry-run': 'true' });
    expect(warned.code).toBe(0);
    expect(warned.stdout).toContain(
      `::warning::1 EBS volume(s) lack kubernetes.io/cluster/liftie-*=owned, so a garbage-collection script may delete them while the workspace's disks are detached: ${untagged.id} (512 GiB)`,
    );
    expect(warned.summary).toMatch(new RegExp(`Workspace disks.*2; without kubernetes.io/cluster/liftie-\\*=owned: ${untagged.id}`));
    const dry = await backup(cdp, { ...AWS_WS, 'dry-run': 'true', 'tag-disks': 'true' });
    expect(dry.stdout).toContain(`dry run: would add ${cluster}=owned to ${untagged.id}`);
    expect(cdp.ec2.volumes('ml-prod')).toEqual(before);
    expect(cdp.ec2.requests.filter((r: { action: string }) => r.action === 'CreateTags')).toHaveLength(0);

    const run = await backup(cdp, { ...AWS_WS, 'tag-disks': 'true' });
    expect(run.code).toBe(0);
    const after = cdp.ec2.volumes('ml-prod');
    expect(after).toEqual(before.map((v: { tags: Record<string, string> }) => ({ ...v, tags: { ...v.tags, [cluster]: 'owned' } })));
    expect(run.summary).toContain(`${untagged.id}`);
    expect(operations(cdp).indexOf('backupWorkspace')).toBeGreaterThan(-1);
  });

  test('tagging the volumes refused by IAM stops the run before the backup, naming the permission', async () => {
    const cdp = await sandbox();
    const untagged = must(
      cdp.ec2.volumes('ml-prod').find((v: { tags: Record<string, string> }) => !Object.keys(v.tags).some((k) => k.startsWith('kubernetes.io/cluster/'))),
      'a volume without the cluster tag',
    );
    cdp.ec2.forbidTagWrite(untagged.id);
    const run = await backup(cdp, { ...AWS_WS, 'tag-disks': 'true' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /EC2 CreateTags kubernetes.io\/cluster\/liftie-\w+=owned on vol-\w+ \(512 GiB\) in us-east-1 failed: You are not authorized.*the role needs ec2:CreateTags on these volumes/,
    );
    expect(operations(cdp)).not.toContain('backupWorkspace');
  });

  test('a role without ec2:DescribeVolumes: a warning without tag-disks, a refusal before the backup with it', async () => {
    const cdp = await sandbox();
    cdp.ec2.refuseDescribe();
    const warned = await backup(cdp, AWS_WS);
    expect(warned.code).toBe(0);
    expect(warned.stdout).toMatch(
      /::warning::EC2 DescribeVolumes in us-east-1 failed: You are not authorized.*the role needs ec2:DescribeVolumes; the garbage-collection tags were not checked/,
    );
    expect(warned.outputs['backup-status']).toBe(cdp.backupStatuses.finished);
    const refused = await backup(cdp, { ...AWS_WS, 'tag-disks': 'true' });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/::error::backup-cml failed: EC2 DescribeVolumes in us-east-1 failed: .*the role needs ec2:DescribeVolumes$/m);
    expect(operations(cdp).filter((o: string) => o === 'backupWorkspace')).toHaveLength(1);
  });

  test('a malformed input fails before any CDP call', async () => {
    const cdp = await sandbox();
    const run = await backup(cdp, { 'workspace-crn': 'crn:cdp:ml:us-west-1:x:environment:y' }, undefined, {}, true);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("Input 'workspace-crn' must be a CML workspace CRN");
    expect(cdp.requests).toHaveLength(0);
  });
});

describe('backup-cml on Azure', () => {
  test('suspends first, backs up, leaves the workspace suspended, and reports the NFS it does not back up', async () => {
    const cdp = await sandbox();
    const run = await backup(cdp, AZURE_WS);
    expect(run.code).toBe(0);
    // progress-interval-minutes 0.01: a line every 0.6 s while the backup (about 1.8 s) runs, not more often
    // (read off the lines' own elapsed times, which output batching on a loaded machine cannot bunch up).
    const progressAt = [...run.stdout.matchAll(/still waiting for backup \S+ after ([\d.]+)s/g)].map((m) => Number(m[1]));
    expect(progressAt.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < progressAt.length; i++) expect(progressAt[i] - progressAt[i - 1]).toBeGreaterThan(0.45); // 0.6 s, printed to 0.1 s
    const ops = operations(cdp);
    expect(ops.indexOf('suspendWorkspace')).toBeLessThan(ops.indexOf('backupWorkspace'));
    expect(run.outputs).toMatchObject({
      'cloud-platform': 'AZURE',
      'existing-nfs': 'cmlnfs.file.core.windows.net:/cmlnfs/ml-azure',
      'nfs-version': '4.1',
      'backup-status': cdp.backupStatuses.finished,
    });
    expect(run.summary).toMatch(/NFS \(not backed up\)/);
    expect(JSON.stringify(cdp.workspace('ml-azure'))).toContain('suspend:finished');
    expectNoKey(cdp, run);
  });

  const NODE_RG = 'MC_cml-env-rg_liftie-x7k2p9_eastus';
  const gcTagged = (azure: Awaited<ReturnType<typeof startAzure>>) =>
    Object.fromEntries(
      azure.disks(NODE_RG).map((d: { name: string; tags: Record<string, string> }) => [d.tags['kubernetes.io-created-for-pvc-name'] ?? d.name, d.tags]),
    );

  test('with Azure credentials: checks the snapshot resource group and warns of disks a GC script could delete', async () => {
    const cdp = await sandbox();
    const side = await azureSide(cdp);
    const before = gcTagged(side.azure);
    const run = await backup(cdp, { ...AZURE_WS, ...side.inputs }, undefined, side.env, true);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/snapshot resource group cml-snapshots-eastus exists/);
    expect(run.stdout).toMatch(/::warning::2 workspace disk\(s\) lack k8s-azure-created-by=kubernetes-azure-dd/);
    expect(run.summary).toMatch(/Snapshot resource group.*cml-snapshots-eastus/);
    expect(run.summary).toMatch(/Workspace disks.*4; without k8s-azure-created-by=kubernetes-azure-dd/);
    expect(gcTagged(side.azure)).toEqual(before); // warned, not touched
    expect(operations(cdp)).toContain('backupWorkspace');
    expectNoKey(cdp, run);
  });

  test('tag-disks adds the GC tag where missing, merged into the tags each disk has', async () => {
    const cdp = await sandbox();
    const side = await azureSide(cdp);
    const before = gcTagged(side.azure);
    expect(before['grafana-storage']['k8s-azure-created-by']).toBeUndefined();
    const dry = await backup(cdp, { ...AZURE_WS, ...side.inputs, 'tag-disks': 'true', 'dry-run': 'true' }, undefined, side.env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/dry run: would add k8s-azure-created-by=kubernetes-azure-dd to pvc-/);
    expect(gcTagged(side.azure)).toEqual(before);

    const run = await backup(cdp, { ...AZURE_WS, ...side.inputs, 'tag-disks': 'true' }, undefined, side.env);
    expect(run.code).toBe(0);
    const after = gcTagged(side.azure);
    for (const [pvc, tags] of Object.entries(before)) {
      const pvDisk = 'kubernetes.io-created-for-pvc-name' in tags;
      expect(after[pvc]).toEqual(pvDisk ? { ...tags, 'k8s-azure-created-by': 'kubernetes-azure-dd' } : tags);
    }
    expect(after['grafana-storage'].team).toBe('observability');
    expect(run.summary).toMatch(/k8s-azure-created-by=kubernetes-azure-dd added to pvc-.*, pvc-/);
  });

  test('a GC tag with another value is reported and left as it is, also with tag-disks', async () => {
    const cdp = await sandbox();
    const side = await azureSide(cdp);
    const disk = must(
      side.azure.disks(NODE_RG).find((d: { tags: Record<string, string> }) => d.tags['kubernetes.io-created-for-pvc-name'] === 'data-db-0'),
      'the data-db-0 disk',
    );
    side.azure.setDiskTags(NODE_RG, disk.name, { ...disk.tags, 'k8s-azure-created-by': 'team-cleanup' });
    const run = await backup(cdp, { ...AZURE_WS, ...side.inputs, 'tag-disks': 'true' }, undefined, side.env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `::warning::1 workspace disk(s) carry k8s-azure-created-by with another value than kubernetes-azure-dd, so a garbage-collection script may not spare them; not changed: ${disk.name} (k8s-azure-created-by=team-cleanup)`,
    );
    expect(must(side.azure.disk(NODE_RG, disk.name), 'side.azure.disk(NODE_RG, disk.name)').tags['k8s-azure-created-by']).toBe('team-cleanup');
    expect(run.summary).toContain(`another value, left as is: ${disk.name}`);
    expect(run.summary).not.toContain('all carry');
  });

  test('a missing snapshot resource group stops the run before the workspace is suspended', async () => {
    const cdp = await sandbox();
    const side = await azureSide(cdp);
    const run = await backup(cdp, { ...AZURE_WS, ...side.inputs, 'azure-snapshot-resource-group': 'cml-snapshots-westus2' }, undefined, side.env);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /resource group 'cml-snapshots-westus2' does not exist in subscription '[0-9a-f-]+' \(needed for the backup's disk snapshots; if the environment uses its own resource group, name it in azure-snapshot-resource-group\)/,
    );
    expect(operations(cdp)).not.toContain('suspendWorkspace');
    expect(operations(cdp)).not.toContain('backupWorkspace');
  });

  test('tag-disks without Azure credentials is refused before the workspace is touched', async () => {
    const cdp = await sandbox();
    const run = await backup(cdp, { ...AZURE_WS, 'tag-disks': 'true' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/tag-disks is true, but azure-subscription-id is empty/);
    expect(operations(cdp)).toEqual(['describeWorkspace']);
  });

  test('a rerun with the same backup-name while the workspace is suspended for that backup follows it', async () => {
    const cdp = await sandbox({ timeScale: 10_000 });
    const named = { ...AZURE_WS, 'backup-name': 'pre-upgrade' };
    const first = await backup(cdp, { ...named, wait: 'false' });
    expect(first.code).toBe(0);
    expect(JSON.stringify(cdp.workspace('ml-azure'))).toContain('suspend:finished');
    const second = await backup(cdp, named);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('backup pre-upgrade of this workspace was started before');
    expect(second.outputs['backup-crn']).toBe(first.outputs['backup-crn']);
    expect(operations(cdp).filter((o: string) => o === 'backupWorkspace')).toHaveLength(1);
  });

  test('a failed backup resumes the workspace it suspended', async () => {
    const cdp = await sandbox();
    cdp.faults.failNextBackup(30, 'snapshot quota exceeded');
    const run = await backup(cdp, AZURE_WS);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/the backup ended backup:failed/);
    expect(operations(cdp)).toContain('resumeWorkspace');
    expect(run.summary).toMatch(/resumed/);
  });
});
