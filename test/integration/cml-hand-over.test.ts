// hand-over-minutes: a backup or a restore longer than one job is followed by a chain of steps,
// each ending successfully before its limit with still-running true, the next attaching by CRN,
// until the last sees it finish: one backup and one restore in CDP's log, however many steps.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import { restoreCmlAction } from '../../actions/restore-cml/src/main.js';
import { restoreCmlClients } from '../../actions/restore-cml/src/clients.js';
import type { UpgradeRecord } from '../../packages/cml/src/index.js';
import { CML_WORKSPACES, cmlSandbox, type Cdp } from '../support/cml.js';
import { runInProcess } from '../support/in-process.js';

const stops: (() => unknown)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

const calls = (cdp: Cdp, operation: string) => cdp.requests.filter((r: { operation?: string }) => r.operation === operation);

/** Runs step(attach) until a step says the work no longer runs; returns every step's run. */
async function chain<R extends { code: number; outputs: Record<string, string> }>(first: () => Promise<R>, next: (last: R) => Promise<R>, most = 20) {
  const runs = [await first()];
  while (runs.at(-1)?.outputs['still-running'] === 'true' && runs.length < most) runs.push(await next(runs.at(-1) as R));
  return runs;
}

describe('hand-over-minutes', () => {
  test('backup-cml: a 10-hour backup followed by steps of 0.5 s each, every one ending 0, one backup made', async () => {
    // 10 model hours take about 2 s: four or more steps.
    const { cdp, dir, backup } = await cmlSandbox(stops, { timeScale: 18_000, backupSeconds: 10 * 3600 });
    const record = path.join(dir, 'record.json');
    const follow = { 'hand-over-minutes': '0.008', 'progress-interval-minutes': '0.01' };
    const runs = await chain(
      () => backup({ ...CML_WORKSPACES.aws, 'record-file': record, ...follow }),
      (last) => backup({ 'backup-crn': last.outputs['backup-crn'], 'record-file': record, ...follow }),
    );
    expect(runs.map((r) => r.code)).toEqual(runs.map(() => 0));
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(runs.slice(0, -1).map((r) => r.outputs['still-running'])).toEqual(runs.slice(0, -1).map(() => 'true'));
    expect(runs.at(-1)?.outputs).toMatchObject({ 'still-running': 'false', 'backup-status': 'backup:finished' });
    expect(runs[0].stdout).toMatch(
      /hand-over-minutes \(0\.008\) passed with the backup running .*: handing over; a next step follows it with backup-crn: crn:cdp:ml:/,
    );
    expect(new Set(runs.map((r) => r.outputs['backup-crn'])).size).toBe(1);
    expect(calls(cdp, 'backupWorkspace')).toHaveLength(1);
    expect((JSON.parse(readFileSync(record, 'utf8')) as UpgradeRecord).backup?.crn).toBe(runs[0].outputs['backup-crn']);
  });

  test('restore-cml: a 10-hour restore followed by steps of 0.5 s each, one restore sent; hand-over without wait is refused', async () => {
    const { cdp, dir, cdpInputs, backup } = await cmlSandbox(stops, { timeScale: 18_000, backupSeconds: 600, restoreSeconds: 10 * 3600 });
    const record = path.join(dir, 'record.json');
    expect((await backup({ ...CML_WORKSPACES.aws, 'record-file': record })).code).toBe(0);
    const restore = (more: Record<string, string>) =>
      runInProcess(
        restoreCmlAction,
        { ...cdpInputs, 'progress-interval-minutes': '0.01', 'hand-over-minutes': '0.008', ...more },
        { env: { HOME: '/nonexistent' }, timeoutMs: 60_000, clients: restoreCmlClients },
      );
    const runs = await chain(
      () => restore({ 'record-file': record, 'workspace-name': 'ml-interim', 'workspace-parameters': '{"usePublicLoadBalancer": false}' }),
      (last) => restore({ 'workspace-crn': last.outputs['workspace-crn'] }),
    );
    expect(runs.map((r) => r.code)).toEqual(runs.map(() => 0));
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(runs[0].stdout).toMatch(/handing over; the restore runs on in CDP: follow it with workspace-crn: crn:cdp:ml:/);
    expect(runs.at(-1)?.outputs).toMatchObject({ 'still-running': 'false', status: 'installation:finished' });
    expect(calls(cdp, 'restoreWorkspace')).toHaveLength(1);

    const refused = await restore({ 'record-file': record, 'workspace-name': 'ml-interim-2', wait: 'false' });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/hand-over-minutes.*with wait: false nothing is followed/);
    expect(calls(cdp, 'restoreWorkspace')).toHaveLength(1);
  });
});
