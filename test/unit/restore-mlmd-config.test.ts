// restore-mlmd's inputs: every malformed one is named with the form it takes, before any pod, juju
// or S3 call, and a secret is never echoed; action.yml declares exactly the inputs config.ts reads.
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { readConfig, safetyNames } from '../../actions/restore-mlmd/src/config.js';
import { repoRoot } from '../../sandbox/index.js';
import { inputEnv, problemsOf } from '../support/inputs.js';

const GOOD = { 'object-url': 's3://ckf-backups/mlmd/mlmd-20261122T013045Z.dump.gz', 's3-bucket': 'ckf-backups' };
const MANIFEST = { manifest: 'manifests/20261122T013045Z.json', 's3-bucket': 'ckf-backups' };
const SECRET = 's3cr3t-Value-9f1';
const problems = problemsOf(readConfig);

describe('restore-mlmd inputs', () => {
  test('defaults: mlmd-0 in kubeflow, the container detected, /data/mlmd.db, kfp-metadata-writer', () => {
    const config = readConfig(inputEnv(GOOD), new Date('2026-12-04T18:30:00Z'));
    expect(config).toMatchObject({
      objectKey: 'mlmd/mlmd-20261122T013045Z.dump.gz',
      manifest: undefined,
      namespace: 'kubeflow',
      pod: 'mlmd-0',
      container: '',
      dbPath: '/data/mlmd.db',
      jujuModel: 'kubeflow',
      writerApplication: 'kfp-metadata-writer',
      restoreId: '20261204T183000Z',
      s3: { bucket: 'ckf-backups', prefix: 'mlmd' },
      timeoutMinutes: 60,
      progressIntervalSeconds: 20,
      dryRun: false,
    });
    expect(safetyNames(config)).toEqual({
      object: 'mlmd/pre-restore/20261204T183000Z/mlmd-20261204T183000Z.sqlite.gz',
      sidecar: 'mlmd/pre-restore/20261204T183000Z/mlmd-20261204T183000Z.sqlite.gz.json',
    });
  });

  test('a manifest key or URL; an object key without s3://', () => {
    expect(readConfig(inputEnv(MANIFEST)).manifest).toBe('manifests/20261122T013045Z.json');
    expect(readConfig(inputEnv({ ...MANIFEST, manifest: 's3://ckf-backups/manifests/a.json' })).manifest).toBe('manifests/a.json');
    expect(readConfig(inputEnv({ ...GOOD, 'object-url': 'mlmd/pre-restore/r1/mlmd-r1.sqlite.gz' })).objectKey).toBe('mlmd/pre-restore/r1/mlmd-r1.sqlite.gz');
  });

  test('action.yml declares exactly what config.ts reads, passes each as INPUT_*, and its defaults are accepted', () => {
    const yml = parse(readFileSync(path.join(repoRoot, 'actions/restore-mlmd/action.yml'), 'utf8')) as {
      inputs: Record<string, { default?: string }>;
      runs: { steps: { env?: Record<string, string> }[] };
    };
    const declared = Object.keys(yml.inputs).sort();
    const passed = yml.runs.steps
      .flatMap((s) => Object.keys(s.env ?? {}))
      .filter((k) => k.startsWith('INPUT_'))
      .map((k) => k.slice('INPUT_'.length).toLowerCase())
      .sort();
    expect(passed).toEqual(declared);
    const env: Record<string, string> = {};
    for (const [name, input] of Object.entries(yml.inputs)) env[name] = input.default ?? '';
    const read = new Set<string>();
    const proxy = new Proxy(inputEnv({ ...env, ...GOOD }), {
      get(target, key: string) {
        if (key.startsWith('INPUT_')) read.add(key.slice('INPUT_'.length).toLowerCase());
        return target[key];
      },
    });
    expect(() => readConfig(proxy)).not.toThrow();
    expect([...read].sort()).toEqual(declared);
  });

  test.each([
    ['neither manifest nor object-url', { 's3-bucket': 'ckf-backups' }, /Input 'manifest' or object-url is required/],
    ['both manifest and object-url', { ...GOOD, manifest: MANIFEST.manifest }, /Input 'object-url' and manifest are both given: give one/],
    ['object-url without the bucket', { 'object-url': 'mlmd/mlmd-a.dump.gz' }, /Input 's3-bucket' is required/],
    [
      'object-url of another format',
      { ...GOOD, 'object-url': 'mlmd/mlmd-a.tar.gz' },
      /Input 'object-url' must be a backup-mlmd object: .*ending \.dump\.gz or \.sqlite\.gz/,
    ],
    [
      'object-url of another bucket',
      { ...GOOD, 'object-url': 's3://other-bucket/mlmd/mlmd-a.dump.gz' },
      /Input 'object-url' .*it names bucket other-bucket, but s3-bucket is ckf-backups/,
    ],
    ['object-url over https', { ...GOOD, 'object-url': 'https://s3.example.com/ckf-backups/mlmd/a.dump.gz' }, /Input 'object-url' must be/],
    ['object-url with a leading slash', { ...GOOD, 'object-url': '/mlmd/mlmd-a.dump.gz' }, /Input 'object-url' must be/],
    ['object-url with a space', { ...GOOD, 'object-url': 'mlmd/mlmd a.dump.gz' }, /Input 'object-url' must be/],
    ['manifest not a .json key', { ...MANIFEST, manifest: 'manifests/a' }, /Input 'manifest' must be the backup set's manifest/],
    ['manifest with a double slash', { ...MANIFEST, manifest: 'manifests//a.json' }, /Input 'manifest' must be/],
    ['namespace upper case', { ...GOOD, namespace: 'KubeFlow' }, /Input 'namespace'/],
    ['pod with a slash', { ...GOOD, pod: 'mlmd/0' }, /Input 'pod'/],
    ['container with a space', { ...GOOD, container: 'mlmd grpc' }, /Input 'container'/],
    ['db-path relative', { ...GOOD, 'db-path': 'data/mlmd.db' }, /Input 'db-path'/],
    ['db-path a directory', { ...GOOD, 'db-path': '/data/' }, /Input 'db-path'/],
    ['juju-model with a space', { ...GOOD, 'juju-model': 'kube flow' }, /Input 'juju-model'/],
    ['writer-application upper case', { ...GOOD, 'writer-application': 'KFP_Writer' }, /Input 'writer-application'/],
    ['restore-id with a slash', { ...GOOD, 'restore-id': 'a/b' }, /Input 'restore-id'/],
    ['timeout-minutes zero', { ...GOOD, 'timeout-minutes': '0' }, /Input 'timeout-minutes'/],
    ['timeout-minutes words', { ...GOOD, 'timeout-minutes': 'an hour' }, /Input 'timeout-minutes'/],
    ['progress-interval-seconds too long', { ...GOOD, 'progress-interval-seconds': '60' }, /Input 'progress-interval-seconds'/],
    ['progress-interval-seconds a fraction', { ...GOOD, 'progress-interval-seconds': '0.5' }, /Input 'progress-interval-seconds'/],
    ['dry-run yes', { ...GOOD, 'dry-run': 'yes' }, /Input 'dry-run'/],
    ['s3-bucket upper case', { ...GOOD, 's3-bucket': 'CKF_Backups' }, /Input 's3-bucket' must be an S3 bucket name/],
    ['s3-prefix with a leading slash', { ...GOOD, 's3-prefix': '/mlmd' }, /Input 's3-prefix'/],
    ['s3-endpoint with credentials', { ...GOOD, 's3-endpoint': `https://key:${SECRET}@s3.example.com` }, /Input 's3-endpoint'/],
    ['only one S3 key', { ...GOOD, 's3-secret-access-key': SECRET }, /Input 's3-access-key-id' must be given together with the other S3 key/],
    [
      's3-secret-access-key on two lines',
      { ...GOOD, 's3-access-key-id': 'AKIAEXAMPLE0000001', 's3-secret-access-key': `${SECRET}\nmore` },
      /Input 's3-secret-access-key' must be a single line \(the value is not shown\)/,
    ],
    ['s3-server-side-encryption unknown', { ...GOOD, 's3-server-side-encryption': 'rot13' }, /Input 's3-server-side-encryption'/],
    ['s3-region with a space', { ...GOOD, 's3-region': 'us east 1' }, /Input 's3-region'/],
  ])('%s', (_name, inputs, want) => {
    const message = problems(inputs);
    expect(message).toMatch(want);
    expect(message).not.toContain(SECRET);
  });

  test('every bad input is named at once', () => {
    const message = problems({ ...GOOD, namespace: 'A', pod: '/', 'dry-run': 'maybe' });
    for (const name of ['namespace', 'pod', 'dry-run']) expect(message).toContain(`Input '${name}'`);
  });
});
