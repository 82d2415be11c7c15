// The cml-upgrade workflow cancelled in each phase and then "Re-run failed jobs": it goes on where
// it stopped and completes with one backup, two restores and two deletes in the CDP emulator's log.
import { afterEach, describe, expect, jest, test } from '@jest/globals';
import type { CancelWhen } from '../harness/index.js';
import { cdpCalls, explain, jobResults, summaryOf, upgradeSandbox } from '../support/cml-upgrade.js';

jest.setTimeout(300_000);
const stops: (() => unknown)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

// Where each cancel lands: a line the phase's action prints once its work is under way.
const PHASES: [string, CancelWhen][] = [
  ['preflight', { job: 'preflight', step: 'backup', line: /dry run: the backup would be/ }],
  ['backup', { job: 'backup', step: 'follow', line: /still waiting for backup/ }],
  ['restore-interim', { job: 'restore-interim', step: 'follow', line: /still waiting for the restore of ml-interim/ }],
  ['validate-interim', { job: 'validate-interim', step: 'validate', line: /CML API v2/ }],
  ['delete-original', { job: 'delete-original', step: 'delete', line: /delete of ml-prod sent/ }],
  ['restore-final', { job: 'restore-final', step: 'follow', line: /still waiting for the restore of ml-prod/ }],
  ['validate-final', { job: 'validate-final', step: 'validate', line: /CML API v2/ }],
  ['delete-interim', { job: 'delete-interim', step: 'delete', line: /delete of ml-interim sent/ }],
];

describe('cml-upgrade workflow: cancelled, then re-run failed jobs', () => {
  test.each(PHASES)('cancelled during %s: the re-run completes with 1 backup, 2 restores, 2 deletes', async (phase, cancelWhen) => {
    const sb = await upgradeSandbox(stops, { cloud: 'aws', cdp: { timeScale: 10_000 } });
    const run = await sb.upgrade({ cancelWhen });
    expect(run.result).toBe('cancelled');
    expect(run.jobs[phase].result).toBe('cancelled');
    expect(run.jobs.report.result).toBe('success');
    expect(summaryOf(run, 'report')).toMatch(/The run was cancelled during .*Re-run failed jobs continues where it stopped/);
    const before = cdpCalls(sb.cdp);

    const again = await sb.upgrade({ rerunFailedOf: run, attempt: 2 });
    explain(again);
    expect(again.result).toBe('success');
    expect(jobResults(again)[phase]).toBe('success');
    expect(cdpCalls(sb.cdp)).toEqual({ backups: 1, restores: 2, deletes: 2 });
    // What the first attempt started was followed, not started again.
    expect(before.backups).toBeLessThanOrEqual(1);
    const final = sb.cdp.workspace('ml-prod');
    expect(final?.instanceUrl).toBe(sb.original.instanceUrl);
    expect(final?.crn).not.toBe(sb.original.crn);
    expect(sb.cdp.workspace('ml-interim')).toBeUndefined();
  });
});
