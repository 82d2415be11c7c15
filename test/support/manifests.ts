// The backup-set manifest schema, and manifests of earlier sets that tests seed.
import { expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { repoRoot } from '../../sandbox/index.js';

export const BUCKET = 'ckf-backups';
const ajv = new Ajv2020({ allErrors: true, strict: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const schema = (version: number) => JSON.parse(readFileSync(path.join(repoRoot, 'schemas', `ckf-backup-set-manifest.v${version}.json`), 'utf8'));
/** What the actions write: version 2. */
export const validate = ajv.compile(schema(2));
/** What earlier versions wrote and the actions still read. */
export const validateV1 = ajv.compile(schema(1));

/**
 * A schema-valid manifest of a complete set that verify passed, with no artifacts of its own: what
 * retention tests seed as earlier sets.
 */
export function verifiedSetManifest(a: { id: string; startedAt: string; endpoint: string; mirrorPrefix: string; archivePrefix?: string }) {
  const manifest = {
    manifestVersion: 2,
    kind: 'ckf-backup-set',
    backupId: a.id,
    status: 'complete',
    model: 'kubeflow',
    target: { bucket: BUCKET, endpoint: a.endpoint },
    startedAt: a.startedAt,
    tools: {},
    components: {
      databases: { status: 'complete' },
      mlmd: { status: 'complete' },
      mlpipeline: { status: 'complete', bucket: BUCKET, prefix: a.mirrorPrefix, ...(a.archivePrefix ? { archivePrefix: a.archivePrefix } : {}) },
    },
    verification: { at: a.startedAt, ok: true, checks: [{ what: 'seeded', ok: true, detail: 'seeded' }] },
  };
  expect(validate(manifest) ? [] : validate.errors).toEqual([]);
  return manifest;
}
