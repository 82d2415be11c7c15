// The vectors under test/vectors are verbatim copies of ../shared/vectors (real artifacts nobody
// here wrote), kept in the repository so a clean clone can run every test. SHA256SUMS was taken
// from the originals; the copies are checked against it, and it against the originals when present.
import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const copies = path.resolve(here, '../vectors');
const originals = path.resolve(here, '../../../shared/vectors');

function files(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full, base) : [path.relative(base, full)];
  });
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
/** test/vectors/SHA256SUMS, taken from ../shared/vectors when the copies were made. */
const manifest = new Map(
  readFileSync(path.join(copies, 'SHA256SUMS'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [hash, file] = line.split(/\s+\.\//);
      return [file, hash] as const;
    }),
);

describe('test/vectors', () => {
  test('every copy matches the checksum recorded from the original', () => {
    expect(
      files(copies)
        .filter((f) => f !== 'SHA256SUMS')
        .sort(),
    ).toEqual([...manifest.keys()].sort());
    expect(manifest.size).toBeGreaterThanOrEqual(8);
    for (const [file, hash] of manifest) expect(`${file} ${sha(path.join(copies, file))}`).toBe(`${file} ${hash}`);
  });

  test('the checksums are those of ../shared/vectors, where that checkout is beside this one', () => {
    const present = existsSync(originals) ? files(originals).sort() : [...manifest.keys()].sort();
    expect(present).toEqual([...manifest.keys()].sort());
    if (existsSync(originals)) for (const file of present) expect(`${file} ${sha(path.join(originals, file))}`).toBe(`${file} ${manifest.get(file)}`);
  });
});
