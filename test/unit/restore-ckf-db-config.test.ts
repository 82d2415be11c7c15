// restore-ckf-db's inputs: every malformed one is named with the form it takes, before any juju or
// S3 call, and a secret is never echoed.
import { describe, expect, test } from '@jest/globals';
import { readConfig } from '../../actions/restore-ckf-db/src/config.js';
import { inputEnv, problemsOf } from '../support/inputs.js';

const GOOD = { manifest: 'manifests/20261122T013045Z.json', 's3-bucket': 'ckf-backups' };
const IDS = { 'backup-ids': '{"kfp-db":"2026-11-22T01:30:45Z","katib-db":"2026-11-22T01:31:02Z"}' };
const SECRET = 's3cr3t-Value-9f1';
const problems = problemsOf(readConfig);

describe('restore-ckf-db inputs', () => {
  test('defaults: both databases, 120-minute restores, the running-workloads check on', () => {
    expect(readConfig(inputEnv(GOOD))).toMatchObject({
      jujuModel: 'kubeflow',
      applications: ['kfp-db', 'katib-db'],
      manifest: { bucket: 'ckf-backups', key: 'manifests/20261122T013045Z.json' },
      backupIds: {},
      actionTimeoutMinutes: 120,
      scaleTimeoutMinutes: 20,
      ignoreRunningWorkloads: false,
      dryRun: false,
    });
  });

  test('a manifest URL names its bucket; backup-ids need no bucket', () => {
    expect(readConfig(inputEnv({ ...GOOD, manifest: 's3://ckf-backups/manifests/a.json' })).manifest).toEqual({
      bucket: 'ckf-backups',
      key: 'manifests/a.json',
    });
    const ids = readConfig(inputEnv(IDS));
    expect(ids.backupIds).toEqual({ 'kfp-db': '2026-11-22T01:30:45Z', 'katib-db': '2026-11-22T01:31:02Z' });
    expect(ids.s3).toBeUndefined();
  });

  test.each([
    ['neither manifest nor backup-ids', {}, /Input 'manifest' or backup-ids is required: manifest is the backup set's manifest/],
    ['both manifest and backup-ids', { ...GOOD, ...IDS }, /Input 'backup-ids' and manifest are both given: give one/],
    ['manifest without the bucket', { manifest: 'manifests/a.json' }, /Input 's3-bucket' is required/],
    [
      'manifest not a .json key',
      { ...GOOD, manifest: 'manifests/a' },
      /Input 'manifest' must be the backup set's manifest: its key .* or its URL s3:\/\/<bucket>\/<key>/,
    ],
    ['manifest with a leading slash', { ...GOOD, manifest: '/manifests/a.json' }, /Input 'manifest' must be/],
    [
      'manifest URL of another bucket',
      { ...GOOD, manifest: 's3://other-bucket/manifests/a.json' },
      /it names bucket other-bucket, but s3-bucket is ckf-backups/,
    ],
    ['manifest with a space', { ...GOOD, manifest: 'manifests/a b.json' }, /Input 'manifest' must be/],
    [
      'backup-ids not JSON',
      { 'backup-ids': 'kfp-db=2026-11-22T01:30:45Z' },
      /Input 'backup-ids' must be a JSON object of application to the charm's backup-id/,
    ],
    ['backup-ids a list', { 'backup-ids': '["2026-11-22T01:30:45Z"]' }, /Input 'backup-ids' must be a JSON object/],
    ['backup-ids with a bad id', { 'backup-ids': '{"kfp-db":"yesterday","katib-db":"2026-11-22T01:31:02Z"}' }, /not valid: "kfp-db": "yesterday"/],
    ['backup-ids with a bad application', { 'backup-ids': '{"KFP_DB":"2026-11-22T01:30:45Z"}' }, /not valid: "KFP_DB"/],
    [
      'backup-ids missing an application',
      { 'backup-ids': '{"kfp-db":"2026-11-22T01:30:45Z"}' },
      /Input 'backup-ids' must give a backup-id for each of applications \(kfp-db, katib-db\) and no other; none for katib-db/,
    ],
    ['backup-ids naming another application', { ...IDS, applications: 'kfp-db' }, /not in applications: katib-db/],
    [
      'applications with a bad name',
      { ...GOOD, applications: 'kfp-db,Katib DB' },
      /Input 'applications' must be a comma- or newline-separated list .*not valid: "Katib DB"/,
    ],
    ['applications twice', { ...GOOD, applications: 'kfp-db,kfp-db' }, /Input 'applications' .*named twice: kfp-db/],
    ['juju-model with a space', { ...GOOD, 'juju-model': 'kube flow' }, /Input 'juju-model'/],
    ['action-timeout-minutes zero', { ...GOOD, 'action-timeout-minutes': '0' }, /Input 'action-timeout-minutes'/],
    ['action-timeout-minutes words', { ...GOOD, 'action-timeout-minutes': 'two hours' }, /Input 'action-timeout-minutes'/],
    ['scale-timeout-minutes too long', { ...GOOD, 'scale-timeout-minutes': '100000' }, /Input 'scale-timeout-minutes'/],
    ['progress-interval-seconds a fraction', { ...GOOD, 'progress-interval-seconds': '0.5' }, /Input 'progress-interval-seconds'/],
    ['poll-interval-seconds negative', { ...GOOD, 'poll-interval-seconds': '-1' }, /Input 'poll-interval-seconds'/],
    ['ignore-running-workloads yes', { ...GOOD, 'ignore-running-workloads': 'yes' }, /Input 'ignore-running-workloads'/],
    ['dry-run 1', { ...GOOD, 'dry-run': '1' }, /Input 'dry-run'/],
    ['s3-bucket upper case', { ...GOOD, 's3-bucket': 'CKF_Backups' }, /Input 's3-bucket' must be an S3 bucket name/],
    ['s3-endpoint with credentials', { ...GOOD, 's3-endpoint': `https://key:${SECRET}@s3.example.com` }, /Input 's3-endpoint'/],
    ['only one S3 key', { ...GOOD, 's3-secret-access-key': SECRET }, /Input 's3-access-key-id' must be given together with the other S3 key/],
    ['s3-server-side-encryption unknown', { ...GOOD, 's3-server-side-encryption': 'rot13' }, /Input 's3-server-side-encryption'/],
  ])('%s', (_name, inputs, want) => {
    const message = problems(inputs);
    expect(message).toMatch(want);
    expect(message).not.toContain(SECRET);
  });
});
