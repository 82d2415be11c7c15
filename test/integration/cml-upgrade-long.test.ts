// A 10-hour backup and a 10-hour restore on GitHub-hosted runners, whose jobs stop at 6 hours: each
// job follows for hand-over-minutes (330), hands over with still-running true, and the next job of
// the chain follows on by CRN. Job limits run in model time here (a job minute is 40 ms).
import { afterEach, describe, expect, jest, test } from '@jest/globals';
import { cdpCalls, explain, logOf, upgradeSandbox } from '../support/cml-upgrade.js';

jest.setTimeout(400_000);
const stops: (() => unknown)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

describe('cml-upgrade workflow: longer than a job', () => {
  test('a 10-hour backup and 10-hour restores each cross a 6-hour job boundary and finish', async () => {
    const sb = await upgradeSandbox(stops, { cloud: 'aws', scaledJobs: true, cdp: { timeScale: 1500, backupSeconds: 10 * 3600, restoreSeconds: 10 * 3600 } });
    // 240 of the job's 350 minutes: a real second is 25 model minutes here, and after the hand-over
    // the job's last steps (the action's exit, the record's artifact) take a few real seconds on a
    // loaded machine (300 left 2 s, which a CI run overran). Three jobs of 240 minutes still hold 10 hours.
    const run = await sb.upgrade({ inputs: { 'progress-interval-minutes': 0.02, 'hand-over-minutes': sb.realMinutes(240) } });
    explain(run);
    expect(run.result).toBe('success');
    // Each chain: its first job hands over, every job that ran succeeded, the last one saw the end.
    for (const chain of ['backup', 'restore-interim', 'restore-final']) {
      const ran = [chain, `${chain}-2`, `${chain}-3`].filter((id) => run.jobs[id].result !== 'skipped');
      expect(ran.length).toBeGreaterThanOrEqual(2);
      expect(ran.map((id) => run.jobs[id].result)).toEqual(ran.map(() => 'success'));
      expect(ran.map((id) => run.jobs[id].outputs['still-running'])).toEqual([...ran.slice(1).map(() => 'true'), 'false']);
    }
    expect(logOf(run, 'backup')).toMatch(/hand-over-minutes \([\d.]+\) passed with the backup running .*: handing over/);
    expect(logOf(run, 'backup-2')).toMatch(/attaching to backup crn:cdp:ml:/);
    expect(logOf(run, 'restore-interim-2')).toMatch(/attaching to the restore of crn:cdp:ml:/);
    // No job reached GitHub's limit: none was cancelled.
    expect(
      Object.values(run.jobs)
        .flatMap((j) => j.notes)
        .filter((n) => /maximum execution time/.test(n)),
    ).toEqual([]);
    expect(cdpCalls(sb.cdp)).toEqual({ backups: 1, restores: 2, deletes: 2 });
    expect(sb.cdp.workspace('ml-prod')?.instanceUrl).toBe(sb.original.instanceUrl);
  });
});
