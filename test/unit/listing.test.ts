import { describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '@ml-backup-actions/core';
import { compareListings, listObjects, parseListingLine, Rclone } from '@ml-backup-actions/rclone';
import { planMirror } from '../../actions/sync-minio/src/plan.js';

const quiet: Logger = { info() {}, notice() {}, warning() {}, error() {}, debug() {}, group: (_n, fn) => fn() };

describe('listObjects', () => {
  test('parses what the real rclone lsjson prints, awkward names included', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'listing-'));
    try {
      const files: Record<string, number> = {
        'plain.txt': 10,
        'with space, and comma.json': 0,
        'quote"and\\backslash': 3,
        'v2/artifacts/run/ünïcode/模型.bin': 70_000,
        'v2/artifacts/run/{braces}[brackets].log': 5,
      };
      for (const [name, size] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        writeFileSync(path.join(dir, name), Buffer.alloc(size, 1));
      }
      const run = await listObjects(new Rclone({ remotes: [], log: quiet }), dir);
      expect(run.code).toBe(0);
      expect(Object.fromEntries(run.objects)).toEqual(files);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('ignores brackets and log lines; rejects entries without a path or size', () => {
    expect(parseListingLine('[')).toBeUndefined();
    expect(parseListingLine(']')).toBeUndefined();
    expect(parseListingLine('{"Path":"a/b","Name":"b","Size":7,"IsDir":false},')).toEqual({ Path: 'a/b', Size: 7 });
    expect(parseListingLine('{"Path":"a/b","Name":"b","Size":7,"IsDir":false}')).toEqual({ Path: 'a/b', Size: 7 });
    expect(parseListingLine('{"Name":"b","Size":7}')).toBeUndefined();
  });
});

describe('compareListings and planMirror (rclone --size-only semantics)', () => {
  const source = new Map([
    ['same', 5],
    ['grown', 9],
    ['new', 4],
  ]);
  const target = new Map([
    ['same', 5],
    ['grown', 3],
    ['gone', 8],
  ]);

  test('compare: one-way, by size', () => {
    expect(compareListings(source, target)).toEqual({ same: 1, missing: ['new'], different: ['grown'] });
    expect(compareListings(target, target)).toEqual({ same: 3, missing: [], different: [] });
  });

  test('sync archives replaced and deleted objects; copy never deletes', () => {
    expect(planMirror({ source, target }, 'sync')).toEqual({
      copy: 2,
      copyBytes: 13,
      replace: 1,
      remove: 1,
      archiveBytes: 11,
      examples: ['copy: new', 'move: grown', 'delete: gone'],
    });
    expect(planMirror({ source, target }, 'copy')).toMatchObject({ copy: 2, replace: 1, remove: 0, archiveBytes: 3 });
  });

  test('nothing to do when the target holds every source object with its size', () => {
    const plan = planMirror({ source, target: new Map([...source, ['extra', 1]]) }, 'copy');
    expect(plan).toMatchObject({ copy: 0, remove: 0 });
  });
});
