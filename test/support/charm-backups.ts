// The juju emulator's two mysql-k8s databases backing up to a real S3 server: one server for the
// test file, and for each test a fresh model whose charms write under a prefix of their own.
import { afterAll, afterEach, beforeAll, beforeEach } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startS3 } from '../../sandbox/index.js';
import { createJujuModel } from '../../sandbox/juju/index.js';

export type CharmSandbox = ReturnType<typeof createJujuModel>;
export type CharmS3 = Awaited<ReturnType<typeof startS3>>;
export const CHARM_BUCKET = 'charm-backups';

/** Registers the hooks; the fields are the current test's (read them inside tests or hooks). */
export function charmBackups(name: string, options: { settleMs?: number; timeScale?: number } = {}) {
  const at = {} as { s3: CharmS3; sb: CharmSandbox; prefix: string };
  let root = '';
  let n = 0;
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), `${name}-`));
    at.s3 = await startS3({ name: 's3', root, accessKey: 'AKIASANDBOXCKFDB01', secretKey: 'ckfdb-Secret-41b7aa', buckets: [CHARM_BUCKET] });
  });
  afterAll(async () => {
    await at.s3?.stop();
    rmSync(root, { recursive: true, force: true });
  });
  beforeEach(() => {
    at.prefix = `run${++n}`;
    const { s3, prefix } = at;
    at.sb = createJujuModel({
      settleMs: options.settleMs ?? 300,
      timeScale: options.timeScale ?? 0.01,
      s3: {
        endpoint: s3.endpoint,
        accessKey: s3.accessKey,
        secretKey: s3.secretKey,
        bucket: CHARM_BUCKET,
        paths: { 'kfp-db': `${prefix}/kfp-db`, 'katib-db': `${prefix}/katib-db` },
      },
    });
  });
  afterEach(() => at.sb.cleanup());
  return at;
}
