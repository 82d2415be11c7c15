// A URL input set with credentials in it (https://key:secret@host, e.g. a repository variable) is
// refused naming the input, and neither the error nor anything else echoes the password: every
// URL input of every action, and the CDP endpoint from the environment or a profile.
import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError, type ActionDefinition, type Report } from '@ml-backup-actions/core';
import { resolveEndpoint } from '@ml-backup-actions/cdp';
import { backupCmlAction } from '../../actions/backup-cml/src/main.js';
import { backupMlmdAction } from '../../actions/backup-mlmd/src/main.js';
import { backupSetAction } from '../../actions/backup-set/src/main.js';
import { syncMinioAction } from '../../actions/sync-minio/src/main.js';
import { redact } from '../../packages/core/src/secrets.js';

const PASSWORD = 'pw-Zx81-very-secret';
const URLS = [`https://AKIAEXAMPLE:${PASSWORD}@s3.example.com:9000`, `http://minio:${encodeURIComponent(PASSWORD + '/+')}@10.0.0.5:9000/`];

const cases: [string, ActionDefinition<unknown, unknown, Report>, Record<string, string>][] = [
  ['s3-endpoint', backupMlmdAction as never, {}],
  ['s3-endpoint', backupSetAction as never, { mode: 'verify' }],
  ['s3-endpoint', syncMinioAction as never, {}],
  ['minio-endpoint', syncMinioAction as never, {}],
  ['cdp-endpoint-url', backupCmlAction as never, {}],
  ['azure-endpoint-url', backupCmlAction as never, { 'azure-subscription-id': '00000000-0000-0000-0000-000000000000' }],
];

function inputError(action: ActionDefinition<unknown, unknown, Report>, inputs: Record<string, string>): InputError {
  const env = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]));
  try {
    action.config(env, new Date());
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('config() accepted the inputs');
}

describe('URL inputs with a user name or password', () => {
  test.each(cases.flatMap(([input, action, extra]) => URLS.map((url) => [input, action.name, action, extra, url] as const)))(
    '%s of %s is refused without echoing the password',
    (input, _name, action, extra, url) => {
      const err = inputError(action, { ...extra, [input]: url });
      const about = err.message.split('\n').filter((l) => l.includes(`'${input}'`));
      expect(about).toHaveLength(1);
      expect(about[0]).toMatch(/must not have a user name or password in it \("https?:\/\/\*\*\*@/);
      expect(err.message).not.toContain(PASSWORD);
      expect(err.message).not.toContain(encodeURIComponent(PASSWORD + '/+'));
      // and masked, should it be printed anywhere else
      expect(redact(`value: ${url}`)).not.toContain(PASSWORD.slice(0, 10));
    },
  );

  test('the same URL without credentials is accepted by each', () => {
    for (const [input, action, extra] of cases) {
      const env = Object.fromEntries(Object.entries({ ...extra, [input]: 'https://s3.example.com:9000' }).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]));
      let message = '';
      try {
        action.config(env, new Date());
      } catch (err) {
        message = err instanceof Error ? err.message : String(err);
      }
      expect(message.split('\n').filter((l) => l.includes(`'${input}'`))).toEqual([]);
    }
  });

  test('the CDP endpoint from CDP_ENDPOINT_URL or a profile is refused too, without the password', () => {
    expect(() => resolveEndpoint({ env: { CDP_ENDPOINT_URL: URLS[0] } })).toThrow(
      /CDP_ENDPOINT_URL.*has a user name or password in it \(https:\/\/\*\*\*@s3\.example\.com:9000\)/,
    );
    const home = mkdtempSync(path.join(os.tmpdir(), 'cdp-home-'));
    let message = '';
    try {
      mkdirSync(path.join(home, '.cdp'));
      writeFileSync(path.join(home, '.cdp', 'config'), `[default]\ncdp_endpoint_url = ${URLS[0]}\n`);
      try {
        resolveEndpoint({ env: { HOME: home } });
      } catch (err) {
        message = String(err);
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
    expect(message).toMatch(/has a user name or password in it/);
    expect(message).not.toContain(PASSWORD);
  });
});
