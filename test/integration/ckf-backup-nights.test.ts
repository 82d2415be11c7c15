// Two nights of the ckf-backup workflow that overlap, with the harness emulating GitHub's
// concurrency groups and the retention environment's required reviewers (a shared Repository).
import { describe, expect, jest, test } from '@jest/globals';
import { writeObject } from '../../sandbox/index.js';
import { Repository } from '../harness/index.js';
import { ALL_SUCCEEDED, BUCKET, jobResults, keys, sandbox, stopSandboxesAfterEach, verifiedSetManifest, workflow, type Ckf } from '../support/ckf-workflow.js';

jest.setTimeout(400_000);
stopSandboxesAfterEach();

describe('ckf-backup workflow across nights: retention waits for a reviewer, backups never do', () => {
  /** A verified complete set of an earlier night: its manifest only. */
  async function seedOldSet(ckf: Ckf, id: string, day: number) {
    const startedAt = new Date(Date.UTC(2026, 10, day, 2, 17)).toISOString();
    const manifest = verifiedSetManifest({ id, startedAt, endpoint: ckf.s3.endpoint, mirrorPrefix: 'mlpipeline' });
    await writeObject(ckf.s3, BUCKET, `manifests/${id}.json`, JSON.stringify(manifest));
  }
  const night = (ckf: Ckf, repository: Repository, runId: string) =>
    workflow(ckf, { repository, github: { repository: 'example/ml-backup-actions', run_id: runId, run_attempt: '1' } });

  test("a retention job waiting for approval does not hold back the next night's backup; each reviewer approves exactly the plan", async () => {
    const ckf = await sandbox();
    for (const [id, day] of [
      ['20261101T021700Z', 1],
      ['20261102T021700Z', 2],
      ['20261103T021700Z', 3],
    ] as const)
      await seedOldSet(ckf, id, day);
    const repository = new Repository({ protectedEnvironments: ['ckf-backup-retention'] });

    // Night 1: backed up and verified; its retention waits for a reviewer, holding only its own group.
    const first = night(ckf, repository, '101');
    await repository.whenWaiting('101', 'ckf-backup-retention');
    // Night 2, while nobody has reviewed night 1: every backup job runs and the set is verified.
    const second = night(ckf, repository, '102');
    await repository.whenWaiting('101', 'ckf-backup-retention');
    const pending = () =>
      repository.events.some((e) => e === 'run 102 job retention: pending on ckf-backup-kubeflow-retention (held by run 101 job retention)');
    for (const end = Date.now() + 180_000; !pending() && Date.now() < end;) await new Promise((r) => setTimeout(r, 100));
    expect(pending()).toBe(true);
    const manifests = (await keys(ckf)).filter((k) => k.startsWith('manifests/'));
    expect(manifests).toHaveLength(5);
    expect(repository.waiting).toEqual([{ run: '101', job: 'retention', environment: 'ckf-backup-retention' }]);

    // The reviewer of night 1 approves what its plan listed: the oldest set, nothing else.
    repository.approve('101', 'ckf-backup-retention');
    const one = await first;
    expect(jobResults(one)).toEqual({ ...ALL_SUCCEEDED, retention: 'success' });
    expect(JSON.parse(one.jobs['retention-plan'].outputs.deleted)).toEqual(['20261101T021700Z']);
    expect(one.jobs['retention-plan'].summary).toMatch(/\| 20261101T021700Z \| complete \| 2026-11-01T02:17:00.000Z \| 1 \|/);
    // Night 2's retention then waits for its own reviewer; its plan was made while night 1's waited.
    await repository.whenWaiting('102', 'ckf-backup-retention');
    repository.approve('102', 'ckf-backup-retention');
    const two = await second;
    expect(jobResults(two)).toEqual({ ...ALL_SUCCEEDED, retention: 'success' });
    expect(JSON.parse(two.jobs['retention-plan'].outputs.deleted)).toEqual(['20261102T021700Z', '20261101T021700Z']);
    const left = (await keys(ckf)).filter((k) => k.startsWith('manifests/'));
    expect(left).toEqual(
      [
        'manifests/20261103T021700Z.json',
        `manifests/${one.jobs.preflight.outputs['backup-id']}.json`,
        `manifests/${two.jobs.preflight.outputs['backup-id']}.json`,
      ].sort(),
    );
    // No job of night 2 but retention ever waited on night 1.
    expect(repository.events.filter((e) => e.startsWith('run 102') && e.includes('pending'))).toEqual([
      'run 102 job retention: pending on ckf-backup-kubeflow-retention (held by run 101 job retention)',
    ]);
  });
});
