// packages/cdp against the CDP emulator: the native client's signatures (ed25519v1 and rsav1) are
// accepted by an independent verifier, its bodies pass ml.yaml's validation, and a backup is
// followed to its end with the waiter over scaled time.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { linesLogger } from '../support/lines-log.js';
import { CdpClient, CdpError, MlApi, waitForBackup, waitForWorkspace } from '../../packages/cdp/src/index.js';
import { startCdp } from '../../sandbox/index.js';
import { must } from '../support/must.js';

type Cdp = Awaited<ReturnType<typeof startCdp>>;
let cdp: Cdp;
const { log } = linesLogger();

beforeAll(async () => {
  cdp = await startCdp({ timeScale: 20_000 });
});
afterAll(async () => {
  await cdp?.stop();
});

const ml = (kind: 'ed25519' | 'rsa') =>
  new MlApi(
    new CdpClient({
      credentials: { accessKeyId: cdp.keys[kind].accessKeyId, privateKey: cdp.keys[kind].privateKey, source: 'test' },
      endpoint: cdp.endpoint,
      log,
      attempts: 2,
      baseDelayMs: 10,
    }),
  );

test.each(['ed25519', 'rsa'] as const)('%s: signed requests are accepted; a workspace is described and backed up to the end', async (kind) => {
  const api = ml(kind);
  const { workspaces } = await api.listWorkspaces({});
  const aws = must(
    workspaces?.find((w) => w.cloudPlatform?.toLowerCase() === 'aws'),
    'an AWS workspace',
  );
  const ws = await waitForWorkspace(api, { workspaceCrn: must(aws.crn, 'aws.crn') }, { log, timeoutMs: 10_000, intervalMs: 50, progressEveryMs: 1000 });
  expect(ws.crn).toBe(aws.crn);
  const started = await api.backupWorkspace({ workspaceCrn: must(aws.crn, 'aws.crn'), backupName: `${kind}-backup` });
  expect(started.backupCrn).toMatch(/:workspace_backup:/);
  const done = await waitForBackup(api, must(started.backupCrn, 'started.backupCrn'), {
    log,
    timeoutMs: 20_000,
    intervalMs: 100,
    progressEveryMs: 1000,
    ready: [cdp.backupStatuses.finished],
  });
  expect(done.backupStatus).toBe(cdp.backupStatuses.finished);
});

test('a body ml.yaml refuses comes back as a CdpError naming the field and the operation', async () => {
  const err = await ml('ed25519')
    .backupWorkspace({ workspaceCrn: 'crn:cdp:ml:us-west-1:1:workspace:2' } as never)
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(CdpError);
  expect((err as CdpError).status).toBe(400);
  expect((err as CdpError).message).toMatch(/backupWorkspace/);
  expect((err as CdpError).message).toMatch(/backupName/);
});
