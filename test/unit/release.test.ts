// scripts/release.sh against a real git origin (a bare repository) and a stand-in `gh` that records
// its arguments: the tags it pushes, the major tag it moves, and what it refuses.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../sandbox/index.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'release-test-'));
const origin = path.join(root, 'origin.git');
const clone = path.join(root, 'clone');
const bin = path.join(root, 'bin');
const ghLog = path.join(root, 'gh.log');
const gitEnv = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...gitEnv } });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

function release(version: string) {
  const r = spawnSync('bash', [path.join(repoRoot, 'scripts', 'release.sh')], {
    cwd: clone,
    encoding: 'utf8',
    env: { PATH: `${bin}:${process.env.PATH}`, HOME: root, VERSION: version, SKIP_DIST_CHECK: 'true', ...gitEnv },
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

const originTag = (tag: string) => git(origin, 'rev-parse', `refs/tags/${tag}^{commit}`);
const commit = (message: string) => {
  writeFileSync(path.join(clone, 'file.txt'), message);
  git(clone, 'add', 'file.txt');
  git(clone, 'commit', '-qm', message);
  git(clone, 'push', '-q', 'origin', 'HEAD:main');
  return git(clone, 'rev-parse', 'HEAD');
};

beforeAll(() => {
  git(root, 'init', '-q', '--bare', origin);
  git(root, 'clone', '-q', origin, clone);
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'gh'), `#!/bin/sh\necho "$@" >> ${ghLog}\n`);
  chmodSync(path.join(bin, 'gh'), 0o755);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('scripts/release.sh', () => {
  test('publishes vX.Y.Z at the commit, moves vX along, and refuses what would move a release or go backwards', () => {
    const first = commit('one');
    const one = release('1.0.0');
    expect(one).toMatchObject({ code: 0 });
    expect([originTag('v1.0.0'), originTag('v1')]).toEqual([first, first]);
    expect(readFileSync(ghLog, 'utf8').trim().split('\n')).toEqual(['release create v1.0.0 --verify-tag --generate-notes --title v1.0.0']);

    const second = commit('two');
    expect(release('1.1.0')).toMatchObject({ code: 0 });
    expect([originTag('v1.0.0'), originTag('v1.1.0'), originTag('v1')]).toEqual([first, second, second]);

    expect(release('1.1.0').out).toContain('::error::v1.1.0 exists already');
    expect(release('1.0.9').out).toContain('::error::v1.0.9 is not newer than v1.1.0, the newest release of v1');
    for (const bad of ['v1.2.0', '1.2', '01.2.0', ''])
      expect(release(bad)).toMatchObject({ code: 1, out: expect.stringContaining('::error::version must be X.Y.Z') });
    expect(originTag('v1')).toBe(second);

    // A new major starts its own tag; the old one stays where it was.
    const third = commit('three');
    expect(release('2.0.0')).toMatchObject({ code: 0 });
    expect([originTag('v2'), originTag('v1')]).toEqual([third, second]);
    expect(readFileSync(ghLog, 'utf8').trim().split('\n')).toHaveLength(3);
  });
});
