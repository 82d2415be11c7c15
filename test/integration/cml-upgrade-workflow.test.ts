// The cml-upgrade workflow end to end: the harness reads .github/workflows/cml-upgrade.yml and runs
// each job's action bundles as the runner would, against the CDP emulator (and Azure's), with the
// two protected environments, the artifact service and GitHub's job time limit, in scaled time.
import { afterEach, describe, expect, jest, test } from '@jest/globals';
import { CHAIN, cdpCalls, explain, jobResults, logOf, summaryOf, upgradeSandbox } from '../support/cml-upgrade.js';

jest.setTimeout(300_000);
const stops: (() => unknown)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

describe('cml-upgrade workflow', () => {
  test.each(['aws', 'azure'] as const)(
    '%s: the whole upgrade, approved twice: the final workspace has the URL, the projects and a newer version',
    async (cloud) => {
      const sb = await upgradeSandbox(stops, { cloud });
      const projects = sb.cdp.cmlProjects(sb.workspace);
      const run = await sb.upgrade();
      explain(run);
      expect(jobResults(run)).toEqual({
        ...Object.fromEntries(CHAIN.map((j) => [j, 'success'])),
        'backup-2': 'skipped',
        'backup-3': 'skipped',
        'restore-interim-2': 'skipped',
        'restore-interim-3': 'skipped',
        'restore-final-2': 'skipped',
        'restore-final-3': 'skipped',
      });
      expect(cdpCalls(sb.cdp)).toEqual({ backups: 1, restores: 2, deletes: 2 });
      const final = sb.cdp.workspace(sb.workspace);
      expect(final?.crn).toBe(run.jobs['restore-final'].outputs['workspace-crn']);
      expect(final?.instanceUrl).toBe(sb.original.instanceUrl);
      expect(final?.crn).not.toBe(sb.original.crn);
      expect(sb.cdp.workspace('ml-interim')).toBeUndefined();
      expect(
        sb.cdp
          .cmlProjects(sb.workspace)
          .map((p: { name: string }) => p.name)
          .sort(),
      ).toEqual(projects.map((p: { name: string }) => p.name).sort());
      expect(run.jobs['validate-final'].outputs.validated).toBe('true');
      expect(sb.cdp.deletes().map((d: { removeStorage: boolean; force: boolean }) => [d.removeStorage, d.force])).toEqual([
        [false, false],
        [false, false],
      ]);
      // On Azure the final workspace runs on the original's NFS, with every project on it.
      if (cloud === 'azure') expect(final?.filesystemID).toBe(sb.original.filesystemID);
      else expect(final?.filesystemID).not.toBe(sb.original.filesystemID);
      expect(run.jobs['delete-original'].outputs['kept-filesystem-id']).toBe(sb.original.filesystemID);
      expect(summaryOf(run, 'report')).toContain('```mermaid');
      expect(summaryOf(run, 'report')).toContain(`The upgrade is done: ${sb.workspace} has the original's URL`);
      // Each gate's job proves again before it deletes, itself.
      expect(logOf(run, 'delete-original')).toMatch(/proof: ml-interim \(the interim\) passes all/);
      expect(logOf(run, 'delete-interim')).toMatch(new RegExp(`proof: ${sb.workspace} \\(the final workspace\\) passes all`));
      // The record went from the backup job to the others as the cml-upgrade-record artifact.
      expect(Object.keys(sb.store.artifacts('5150'))).toEqual(
        expect.arrayContaining(['cml-upgrade-record', 'cml-upgrade-validation-interim', 'cml-upgrade-validation-final']),
      );
      // Every job's summary shows the chain.
      for (const job of ['preflight', 'backup', 'restore-interim', 'validate-interim', 'delete-original', 'restore-final', 'validate-final', 'delete-interim'])
        expect(summaryOf(run, job)).toContain('```mermaid');
      expect(summaryOf(run, 'validate-interim')).toMatch(/Next: 3 delete original waits for a reviewer of environment cml-upgrade-delete-original/);
    },
  );

  test('the approval to delete the original rejected: the original untouched, the interim kept, the summary says what to do; a re-run approved finishes', async () => {
    const sb = await upgradeSandbox(stops, { cloud: 'aws' });
    const run = await sb.upgrade({ decide: (gate) => (gate === 'cml-upgrade-delete-original' ? 'reject' : 'approve') });
    expect(jobResults(run)).toMatchObject({
      'validate-interim': 'success',
      'delete-original': 'failure',
      'restore-final': 'skipped',
      'validate-final': 'skipped',
      'delete-interim': 'skipped',
      report: 'success',
    });
    expect(run.jobs['delete-original'].notes).toContain('the review of environment cml-upgrade-delete-original was rejected');
    expect(sb.cdp.deletes()).toEqual([]);
    expect(sb.cdp.workspace(sb.workspace)?.instanceStatus).toBe('installation:finished');
    expect(sb.cdp.workspace('ml-interim')?.instanceStatus).toBe('installation:finished');
    expect(summaryOf(run, 'report')).toContain(
      'The approval to delete the original was not given (rejected, or the job never started): ml-prod is untouched and the interim ml-interim is kept.',
    );
    expect(summaryOf(run, 'report')).toContain('delete_original["🔒 3 delete original<br/>rejected ◀ here"]:::bad');

    const again = await sb.upgrade({ rerunFailedOf: run, attempt: 2 });
    explain(again);
    expect(again.result).toBe('success');
    expect(cdpCalls(sb.cdp)).toEqual({ backups: 1, restores: 2, deletes: 2 });
    expect(sb.cdp.workspace(sb.workspace)?.instanceUrl).toBe(sb.original.instanceUrl);
  });

  test('the interim validation fails (a project lost): no delete is attempted and no reviewer is asked', async () => {
    const sb = await upgradeSandbox(stops, { cloud: 'aws' });
    sb.cdp.faults.dropProjectOnRestore('fraud-detection');
    const asked: string[] = [];
    const run = await sb.upgrade({ decide: (gate) => (asked.push(gate), 'approve') });
    expect(jobResults(run)).toMatchObject({
      'restore-interim': 'success',
      'validate-interim': 'failure',
      'delete-original': 'skipped',
      'delete-interim': 'skipped',
      report: 'success',
    });
    expect(asked).toEqual([]);
    expect(sb.repository.events.filter((e) => e.includes('waiting for a review'))).toEqual([]);
    expect(sb.cdp.deletes()).toEqual([]);
    expect(run.jobs['validate-interim'].outputs.validated).toBe('false');
    expect(JSON.parse(run.jobs['validate-interim'].outputs['missing-projects'])).toEqual([expect.objectContaining({ name: 'fraud-detection' })]);
    expect(summaryOf(run, 'validate-interim')).toMatch(/What differs[^]*alice\/fraud-detection/);
    expect(summaryOf(run, 'report')).toContain('validate-cml found ml-interim not like the record');
    expect(summaryOf(run, 'report')).toContain('no delete was attempted and no approval is asked. The original ml-prod is untouched.');
    expect(sb.store.artifacts('5150')['cml-upgrade-validation-interim']).toBeDefined();
  });

  test('one upgrade per workspace at a time: a second run waits, even while the first waits for a reviewer', async () => {
    const sb = await upgradeSandbox(stops, { cloud: 'aws' });
    let decided = false;
    const first = sb.upgrade({ runId: '1', decide: () => (decided ? 'reject' : 'wait') });
    await sb.repository.whenWaiting('1', 'cml-upgrade-delete-original');
    const second = sb.upgrade({ runId: '2', inputs: { 'dry-run': true } });
    const group = 'cml-upgrade-cdp-aws-env-ml-prod';
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sb.repository.events).toContain(`run 2: pending on ${group} (held by run 1)`);
    expect(sb.repository.events.some((e) => e.startsWith('run 2') && e.includes('holds'))).toBe(false);
    decided = true;
    const [a, b] = await Promise.all([first, second]);
    expect(a.jobs['delete-original'].result).toBe('failure');
    // Its pre-flight then meets the interim that the first kept: refused, in minutes, never replaced.
    expect(jobResults(b)).toMatchObject({ preflight: 'failure', backup: 'skipped' });
    expect(logOf(b, 'preflight')).toMatch(
      /a workspace named ml-interim already exists in cdp-aws-env .* and was restored from another backup .*: it is never replaced/,
    );
    const events = sb.repository.events;
    expect(events.indexOf(`run 1: releases ${group}`)).toBeLessThan(events.indexOf(`run 2: holds ${group}`));
    expect(cdpCalls(sb.cdp)).toEqual({ backups: 1, restores: 1, deletes: 0 });
  });
});
