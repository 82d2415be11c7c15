import { afterAll, describe, expect, test } from '@jest/globals';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '@ml-backup-actions/core';
import { describeExit, diagnose, formatProgress, parseLine, Rclone, remoteEnv } from '@ml-backup-actions/rclone';

// Lines as rclone 1.60.1 printed them against the sandbox (sync with --backup-dir, dry run, check).
const REAL = {
  copiedNew:
    '{"level":"info","msg":"Copied (new)","object":"p1/f2","objectType":"*s3.Object","source":"operations/operations.go:566","time":"2026-11-22T01:29:12.837515+00:00"}',
  serverSide:
    '{"level":"info","msg":"Copied (server-side copy)","object":"p1/f2","objectType":"*s3.Object","source":"operations/operations.go:566","time":"2026-11-22T01:29:36.905443+00:00"}',
  deleted:
    '{"level":"info","msg":"Deleted","object":"p1/f2","objectType":"*s3.Object","source":"operations/operations.go:721","time":"2026-11-22T01:29:36.908022+00:00"}',
  skipped:
    '{"level":"warning","msg":"Skipped move into backup dir as --dry-run is set (size 1000)","object":"p1/f1","objectType":"*s3.Object","size":1000,"skipped":"move into backup dir","source":"operations/operations.go:2404","time":"2026-11-22T01:29:36.759637+00:00"}',
  stats:
    '{"level":"info","msg":"\\nTransferred:   \\t    3.688 KiB / 3.688 KiB, 100%, 0 B/s, ETA -\\n","source":"accounting/stats.go:482","stats":{"bytes":3777,"checks":10,"deletedDirs":0,"deletes":3,"elapsedTime":0.157703998,"errors":0,"eta":null,"fatalError":false,"renames":2,"retryError":false,"speed":0,"totalBytes":3777,"totalChecks":10,"totalTransfers":3,"transferTime":0,"transfers":3},"time":"2026-11-22T01:29:36.933859+00:00"}',
  error:
    '{"level":"error","msg":"sizes differ","object":"p1/f3","objectType":"*s3.Object","source":"operations/check.go:129","time":"2026-11-22T01:29:50.269003+00:00"}',
  plain: '2026/11/22 01:29:50 Failed to check with 2 errors: last error was: 2 differences found',
};

const quiet: Logger = { info() {}, notice() {}, warning() {}, error() {}, debug() {}, group: (_n, fn) => fn() };

describe('parseLine', () => {
  test('turns real rclone JSON log lines into events', () => {
    expect(parseLine(REAL.copiedNew)).toEqual({ type: 'copied', object: 'p1/f2', how: 'new' });
    expect(parseLine(REAL.serverSide)).toEqual({ type: 'copied', object: 'p1/f2', how: 'server-side' });
    expect(parseLine(REAL.deleted)).toEqual({ type: 'deleted', object: 'p1/f2' });
    expect(parseLine(REAL.skipped)).toEqual({ type: 'skipped', action: 'move into backup dir', object: 'p1/f1', size: 1000 });
    expect(parseLine(REAL.error)).toEqual({ type: 'error', object: 'p1/f3', message: 'sizes differ' });
    expect(parseLine(REAL.plain)).toEqual({ type: 'text', line: REAL.plain });
    const stats = parseLine(REAL.stats);
    expect(stats).toMatchObject({ type: 'stats', stats: { bytes: 3777, transfers: 3, renames: 2, eta: null } });
  });

  test('progress lines carry bytes, objects and ETA', () => {
    const s = {
      bytes: 50 * 1048576,
      totalBytes: 200 * 1048576,
      transfers: 10,
      totalTransfers: 40,
      checks: 5,
      totalChecks: 5,
      deletes: 0,
      renames: 0,
      errors: 0,
      eta: 75,
      speed: 4 * 1048576,
      elapsedTime: 12,
      fatalError: false,
      retryError: false,
    };
    expect(formatProgress(s)).toBe('50.0 MiB of 200.0 MiB (25%), 10 of 40 objects, 5 checked, 4.00 MiB/s/s, ETA 1m15s, 12s elapsed'.replace('/s/s', '/s'));
    // A sync's --backup-dir moves are transfers to rclone: named apart, as the outputs count them.
    expect(formatProgress(s, { copied: 8, archived: 2 })).toBe(
      '50.0 MiB of 200.0 MiB (25%), 8 copied and 2 archived of 40 objects, 5 checked, 4.00 MiB/s, ETA 1m15s, 12s elapsed',
    );
  });
});

describe('remotes', () => {
  test('a remote is defined by RCLONE_CONFIG_* variables, with env_auth when no key is given', () => {
    expect(remoteEnv({ name: 'target', label: 't', provider: 'AWS', region: 'eu-central-1', serverSideEncryption: 'AES256' })).toEqual({
      RCLONE_CONFIG_TARGET_TYPE: 's3',
      RCLONE_CONFIG_TARGET_PROVIDER: 'AWS',
      RCLONE_CONFIG_TARGET_ACL: 'private',
      RCLONE_CONFIG_TARGET_ENV_AUTH: 'true',
      RCLONE_CONFIG_TARGET_REGION: 'eu-central-1',
      RCLONE_CONFIG_TARGET_SERVER_SIDE_ENCRYPTION: 'AES256',
    });
    expect(
      remoteEnv({
        name: 'source',
        label: 's',
        provider: 'Minio',
        endpoint: 'http://localhost:9000',
        accessKeyId: 'minio',
        secretAccessKey: 'remote-secret-42',
      }),
    ).toMatchObject({
      RCLONE_CONFIG_SOURCE_ENV_AUTH: 'false',
      RCLONE_CONFIG_SOURCE_ACCESS_KEY_ID: 'minio',
      RCLONE_CONFIG_SOURCE_SECRET_ACCESS_KEY: 'remote-secret-42',
      RCLONE_CONFIG_SOURCE_ENDPOINT: 'http://localhost:9000',
    });
  });
});

describe('Rclone', () => {
  // A stand-in binary that prints the argv and environment it was given.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rclone-args-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fake = path.join(dir, 'rclone');
  writeFileSync(
    fake,
    '#!/bin/sh\nfor a in "$@"; do echo "arg=$a"; done\necho "env-ca=${AWS_CA_BUNDLE:-unset}"\necho "env-secret=${RCLONE_CONFIG_SOURCE_SECRET_ACCESS_KEY:-unset}"\necho "env-stray=${RCLONE_CONFIG_STRAY_TYPE:-unset}"\n',
  );
  chmodSync(fake, 0o755);

  test('AWS_CA_BUNDLE becomes --ca-cert, secrets stay in the environment, stray remotes are dropped', async () => {
    const rclone = new Rclone({
      binary: fake,
      log: quiet,
      env: { PATH: process.env.PATH, AWS_CA_BUNDLE: '/etc/corp-ca.pem', RCLONE_CONFIG_STRAY_TYPE: 'local' },
      remotes: [{ name: 'source', label: 's', provider: 'Minio', accessKeyId: 'minio', secretAccessKey: 'argv-secret-77' }],
    });
    const run = await rclone.run('lsf', ['source:mlpipeline'], { captureStdout: true });
    expect(run.stdout).toContain('env-ca=unset');
    expect(run.stdout).toContain('env-secret=argv-secret-77');
    expect(run.stdout).toContain('env-stray=unset');
    const args = run.stdout.filter((l) => l.startsWith('arg=')).map((l) => l.slice(4));
    expect(args).toEqual(['lsf', '--config', '', '--use-json-log', '-v', '--ca-cert', '/etc/corp-ca.pem', '--stats', '0', 'source:mlpipeline']);
    expect(rclone.caBundle).toBe('/etc/corp-ca.pem');
  });

  test('without AWS_CA_BUNDLE no --ca-cert is passed', async () => {
    const rclone = new Rclone({ binary: fake, log: quiet, env: { PATH: process.env.PATH }, remotes: [] });
    const run = await rclone.run('lsf', ['x:'], { captureStdout: true });
    expect(run.stdout).not.toContain('arg=--ca-cert');
  });

  test('the real rclone 1.60 fails with the bundle in its environment, and works with --ca-cert', async () => {
    const { spawnSync } = await import('node:child_process');
    const bundle = '/etc/ssl/certs/ca-certificates.crt';
    const remote = { name: 'x', label: 'x', provider: 'Other', endpoint: 'http://127.0.0.1:9', accessKeyId: 'a', secretAccessKey: 'b' } as const;
    const env = { ...process.env, AWS_CA_BUNDLE: bundle };
    const bare = spawnSync('rclone', ['lsf', '--config', '', 'x:bucket', '--low-level-retries', '1', '--retries', '1'], {
      env: { ...env, ...remoteEnv(remote) },
      encoding: 'utf8',
    });
    expect(bare.stderr).toContain('LoadCustomCABundleError');
    const ours = await new Rclone({ env, log: quiet, remotes: [remote] }).run('lsf', ['x:bucket', '--low-level-retries', '1', '--retries', '1']);
    expect(ours.errors.join('\n')).not.toContain('LoadCustomCABundleError');
    expect(ours.errors.join('\n')).toContain('connection refused');
  });
});

describe('exit codes and diagnoses', () => {
  test.each([
    [0, 'exit code 0'],
    [3, 'exit code 3: directory or bucket not found'],
    [7, 'exit code 7: fatal error'],
    [null, 'killed by a signal'],
  ])('%s', (code, text) => expect(describeExit(code)).toBe(text));

  test.each([
    ['SignatureDoesNotMatch: The request signature we calculated does not match', 'credentials'],
    ['InvalidAccessKeyId: The AWS Access Key Id you provided does not exist', 'credentials'],
    ['dial tcp 127.0.0.1:1: connect: connection refused', 'unreachable'],
    ['dial tcp: lookup minio.kubeflow: no such host', 'unreachable'],
    ['LoadCustomCABundleError: unable to load custom CA bundle', 'ca-bundle'],
    ['error listing: directory not found', 'bucket-missing'],
    ['something else', 'other'],
  ])('%s', (text, problem) => expect(diagnose(text)).toBe(problem));
});
