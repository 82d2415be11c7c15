// Where a cml-upgrade run stands, from its jobs as `needs` gives them: each stage's state, the
// sentence of what to do next, the diagram; and cml-upgrade-status's inputs.
import { describe, expect, test } from '@jest/globals';
import { standing, upgradeDiagram, type JobState } from '../../packages/cml/src/index.js';
import { readConfig } from '../../actions/cml-upgrade-status/src/main.js';
import { inputEnv, problemsOf } from '../support/inputs.js';

const names = { workspace: 'ml-prod', interim: 'ml-interim', final: 'ml-prod' };
const ok = (outputs: Record<string, string> = {}): JobState => ({ result: 'success', outputs });
const skipped: JobState = { result: 'skipped', outputs: {} };
const upToValidate = {
  preflight: ok(),
  backup: ok({ 'still-running': 'false' }),
  'backup-2': skipped,
  'backup-3': skipped,
  'restore-interim': ok({ 'still-running': 'false' }),
  'restore-interim-2': skipped,
  'restore-interim-3': skipped,
};

describe('standing', () => {
  test('after the interim validation: the next stage is the gate, and what the reviewer is to check', () => {
    const s = standing({ ...upToValidate, 'validate-interim': ok({ validated: 'true' }) }, names);
    expect(s.at?.id).toBe('delete-original');
    expect(s.states).toMatchObject({ backup: 'done', 'restore-interim': 'done', 'validate-interim': 'done', 'delete-original': 'not yet' });
    expect(s.next).toBe(
      'Next: 3 delete original waits for a reviewer of environment cml-upgrade-delete-original. The validation of ml-interim above is what to check; delete-cml proves it again right before it deletes.',
    );
  });

  test('a rejected approval (the gate job failed before its first step): the original untouched, the interim kept, both ways on', () => {
    const s = standing({ ...upToValidate, 'validate-interim': ok({ validated: 'true' }), 'delete-original': { result: 'failure', outputs: {} } }, names);
    expect(s.states['delete-original']).toBe('rejected');
    expect(s.next).toMatch(/^The approval to delete the original was not given .*: ml-prod is untouched and the interim ml-interim is kept\. /);
    expect(s.next).toMatch(/re-run failed jobs and approve in cml-upgrade-delete-original/);
    // The same job failing after its first step is a failure, not a rejection.
    const failed = standing({ ...upToValidate, 'validate-interim': ok(), 'delete-original': { result: 'failure', outputs: { reached: 'true' } } }, names);
    expect(failed.states['delete-original']).toBe('failed');
  });

  test('a failed validation: no delete attempted, no approval asked', () => {
    const s = standing({ ...upToValidate, 'validate-interim': { result: 'failure', outputs: { validated: 'false' } } }, names);
    expect(s.at?.id).toBe('validate-interim');
    expect(s.next).toMatch(
      /^validate-cml found ml-interim not like the record .*: no delete was attempted and no approval is asked\. The original ml-prod is untouched\./,
    );
  });

  test('a backup handed over to the next job, a cancelled restore, and stages a job does not need', () => {
    expect(standing({ preflight: ok(), backup: ok({ 'still-running': 'true' }) }, names).states.backup).toBe('handed over');
    expect(standing({ preflight: ok(), backup: ok({ 'still-running': 'true' }), 'backup-2': ok({ 'still-running': 'false' }) }, names).states.backup).toBe(
      'done',
    );
    const cancelled = standing({ ...upToValidate, 'restore-interim': { result: 'cancelled', outputs: {} } }, names);
    expect(cancelled.next).toMatch(
      /^The run was cancelled during 2 restore interim; what CDP was doing runs on\. The original ml-prod is untouched\. Re-run failed jobs/,
    );
    // delete-interim's job needs only some jobs: the stages before one that ran were done.
    const end = standing({ preflight: ok(), 'restore-interim': ok(), 'restore-final': ok(), 'validate-final': ok(), 'delete-interim': ok() }, names);
    expect(end.at).toBeUndefined();
    expect(Object.values(end.states)).toEqual(Array(8).fill('done'));
    expect(end.next).toMatch(/^The upgrade is done: ml-prod has the original's URL/);
  });

  test('the diagram: every stage in order, the gates locked, where it stands', () => {
    const d = upgradeDiagram(standing({ ...upToValidate, 'validate-interim': ok() }, names));
    expect(d.split('\n').slice(0, 4)).toEqual([
      '```mermaid',
      'flowchart LR',
      '  preflight["pre-flight<br/>done"]:::ok',
      '  preflight --> backup["1 back up<br/>done"]:::ok',
    ]);
    expect(d).toContain('validate_interim --> delete_original["🔒 3 delete original<br/>not yet ◀ here"]:::wait');
    expect(d).toContain('"🔒 5 delete interim<br/>not yet"');
  });
});

describe('cml-upgrade-status inputs', () => {
  const good = { job: 'backup', 'workspace-name': 'ml-prod', 'interim-workspace-name': 'ml-interim', 'final-workspace-name': 'ml-prod' };
  test('needs must be the toJSON(needs) object; job a job of the workflow', () => {
    expect(readConfig(inputEnv({ ...good, needs: JSON.stringify({ preflight: ok() }) })).needs).toEqual({ preflight: ok() });
    const message = problemsOf(readConfig)({ ...good, job: 'deploy', needs: '[1]' });
    expect(message).toMatch(/Input 'job' .*a job of cml-upgrade\.yml \(preflight, backup, /);
    expect(message).toMatch(/Input 'needs' must be the workflow's \$\{\{ toJSON\(needs\) \}\}/);
  });
});
