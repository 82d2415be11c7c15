// Where the CDP access key and the endpoint come from: inputs, CDP_ACCESS_KEY_ID/CDP_PRIVATE_KEY
// (the key itself or a file), and ~/.cdp profiles in a temporary HOME; precedence and errors.
import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Inputs, containsSecret } from '@ml-backup-actions/core';
import { connectCdp, readCdpConnection, resolveCredentials, resolveEndpoint } from '../../packages/cdp/src/index.js';

const VECTORS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../vectors/cdp-signing.json');
const keys = JSON.parse(readFileSync(VECTORS, 'utf8')).keys;
const ED = keys.ed25519.privateKey as string;
const RSA = keys.rsa.privateKeyPem as string;

const homes: string[] = [];
afterAll(() => {
  for (const dir of homes) rmSync(dir, { recursive: true, force: true });
});

/** A temporary HOME with ~/.cdp/credentials (and config) as given (removed after the file's tests). */
function home(credentials?: string, config?: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cdp-home-'));
  homes.push(dir);
  mkdirSync(path.join(dir, '.cdp'));
  if (credentials !== undefined) writeFileSync(path.join(dir, '.cdp', 'credentials'), credentials);
  if (config !== undefined) writeFileSync(path.join(dir, '.cdp', 'config'), config);
  return dir;
}

const PROFILES = [
  '[default]',
  'cdp_access_key_id = id-default',
  `cdp_private_key = ${ED}`,
  '',
  '# an RSA key on one line, as cdp configure writes it',
  '[rsa]',
  'cdp_access_key_id=id-rsa',
  `cdp_private_key=${keys.rsa.credentialsFileValue}`,
  '',
  '[multi]',
  'cdp_access_key_id: id-multi',
  'cdp_private_key:',
  ...RSA.trim()
    .split('\n')
    .map((l) => `    ${l}`),
  '',
  '[halfway]',
  'cdp_access_key_id = id-half',
].join('\n');

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('resolveCredentials', () => {
  test('inputs come first, before the environment and the profile', () => {
    const env = { HOME: home(PROFILES), CDP_ACCESS_KEY_ID: 'id-env', CDP_PRIVATE_KEY: ED };
    expect(resolveCredentials({ accessKeyId: 'id-input', privateKey: RSA, env })).toEqual({ accessKeyId: 'id-input', privateKey: RSA, source: 'inputs' });
    expect(containsSecret(RSA.split('\n')[5])).toBe(true);
  });

  test('then CDP_ACCESS_KEY_ID and CDP_PRIVATE_KEY, the key itself or a file it names', () => {
    const dir = home(PROFILES);
    expect(resolveCredentials({ env: { HOME: dir, CDP_ACCESS_KEY_ID: 'id-env', CDP_PRIVATE_KEY: ED } })).toMatchObject({
      accessKeyId: 'id-env',
      privateKey: ED,
      source: 'CDP_ACCESS_KEY_ID and CDP_PRIVATE_KEY',
    });
    const file = path.join(dir, 'key.pem');
    writeFileSync(file, RSA);
    const fromFile = resolveCredentials({ env: { HOME: dir, CDP_ACCESS_KEY_ID: 'id-env', CDP_PRIVATE_KEY: file } });
    expect(fromFile.privateKey).toBe(RSA); // verbatim, as cdpcli reads it
    expect(fromFile.source).toContain(file);
  });

  test('then the profile: CDP_DEFAULT_PROFILE, CDP_PROFILE, or default', () => {
    const HOME = home(PROFILES);
    expect(resolveCredentials({ env: { HOME } })).toMatchObject({ accessKeyId: 'id-default', privateKey: ED });
    expect(resolveCredentials({ env: { HOME, CDP_PROFILE: 'rsa' } })).toMatchObject({ accessKeyId: 'id-rsa', privateKey: RSA.trim() });
    expect(resolveCredentials({ env: { HOME, CDP_PROFILE: 'rsa', CDP_DEFAULT_PROFILE: 'default' } })).toMatchObject({ accessKeyId: 'id-default' });
    expect(resolveCredentials({ env: { HOME, CDP_PROFILE: 'multi' } })).toMatchObject({ accessKeyId: 'id-multi', privateKey: RSA.trim() });
    const other = path.join(home(), 'creds');
    writeFileSync(other, '[default]\ncdp_access_key_id = id-other\ncdp_private_key = ' + ED + '\n');
    expect(resolveCredentials({ env: { HOME, CDP_SHARED_CREDENTIALS_FILE: other } })).toMatchObject({
      accessKeyId: 'id-other',
      source: `profile "default" in ${other}`,
    });
  });

  test('a profile named by the caller skips the environment, as --profile does', () => {
    const env = { HOME: home(PROFILES), CDP_ACCESS_KEY_ID: 'id-env', CDP_PRIVATE_KEY: ED };
    expect(resolveCredentials({ profile: 'rsa', env })).toMatchObject({ accessKeyId: 'id-rsa' });
  });

  test('errors name where they looked and never the key', () => {
    const HOME = home();
    const none = message(() => resolveCredentials({ env: { HOME } }));
    expect(none).toContain('No CDP credentials found');
    expect(none).toContain('CDP_ACCESS_KEY_ID and CDP_PRIVATE_KEY are not set');
    expect(none).toContain(`${path.join(HOME, '.cdp', 'credentials')} does not exist (profile "default")`);

    const withFile = home(PROFILES);
    expect(message(() => resolveCredentials({ env: { HOME: withFile, CDP_PROFILE: 'nope' } }))).toContain(
      `${path.join(withFile, '.cdp', 'credentials')} has no profile [nope]`,
    );
    expect(message(() => resolveCredentials({ env: { HOME: withFile, CDP_PROFILE: 'halfway' } }))).toMatch(/Profile \[halfway\] in .* has no cdp_private_key/);

    const partialEnv = message(() => resolveCredentials({ env: { HOME, CDP_PRIVATE_KEY: ED } }));
    expect(partialEnv).toMatch(/CDP_ACCESS_KEY_ID is not set while CDP_PRIVATE_KEY is/);
    expect(message(() => resolveCredentials({ env: { HOME, CDP_ACCESS_KEY_ID: 'id' } }))).toMatch(/CDP_PRIVATE_KEY is not set/);
    expect(message(() => resolveCredentials({ accessKeyId: 'id', env: { HOME } }))).toMatch(/the private key is missing/);
    const partialInput = message(() => resolveCredentials({ privateKey: RSA, env: { HOME } }));
    expect(partialInput).toMatch(/the access key id is missing/);

    const notAKey = 'definitely/not/a/file/nor/key';
    const bad = message(() => resolveCredentials({ env: { HOME, CDP_ACCESS_KEY_ID: 'id', CDP_PRIVATE_KEY: notAKey } }));
    expect(bad).toMatch(/neither an existing file nor a 44-character Ed25519 key/);
    for (const m of [none, partialEnv, partialInput, bad]) {
      expect(m).not.toContain(ED);
      expect(m).not.toContain(notAKey);
      for (const line of RSA.split('\n').slice(1, -2)) expect(m).not.toContain(line);
    }
  });
});

describe('resolveEndpoint', () => {
  test('region hosts, usg-1 on clouderagovt.com, us-west-1 by default', () => {
    const HOME = home();
    expect(resolveEndpoint({ env: { HOME } })).toEqual({ baseUrl: 'https://api.us-west-1.cdp.cloudera.com', region: 'us-west-1', source: 'region us-west-1' });
    expect(resolveEndpoint({ region: 'eu-1', env: { HOME } }).baseUrl).toBe('https://api.eu-1.cdp.cloudera.com');
    expect(resolveEndpoint({ region: 'usg-1', env: { HOME } }).baseUrl).toBe('https://api.usg-1.cdp.clouderagovt.com');
    expect(resolveEndpoint({ region: 'default', env: { HOME, CDP_REGION: 'ap-1' } }).baseUrl).toBe('https://api.ap-1.cdp.cloudera.com');
    expect(resolveEndpoint({ env: { HOME: home(undefined, '[default]\ncdp_region = eu-1\n') } }).region).toBe('eu-1');
    expect(message(() => resolveEndpoint({ region: 'mars-1', env: { HOME } }))).toMatch(
      /"mars-1", which is not a CDP region; use one of us-west-1, eu-1, ap-1, usg-1/,
    );
  });

  test('an explicit URL, then CDP_ENDPOINT_URL, then the profile config; "%s" becomes api', () => {
    const HOME = home(undefined, '[profile emu]\ncdp_endpoint_url = http://127.0.0.1:9/\n');
    const env = { HOME, CDP_ENDPOINT_URL: 'http://127.0.0.1:8080/' };
    expect(resolveEndpoint({ endpointUrl: 'https://%s.example.test:8443', env })).toMatchObject({
      baseUrl: 'https://api.example.test:8443',
      source: 'the endpoint URL given',
    });
    expect(resolveEndpoint({ env })).toMatchObject({ baseUrl: 'http://127.0.0.1:8080', source: 'CDP_ENDPOINT_URL' });
    expect(resolveEndpoint({ env: { HOME, CDP_PROFILE: 'emu' } }).baseUrl).toBe('http://127.0.0.1:9');
    expect(message(() => resolveEndpoint({ endpointUrl: 'ftp://x', env }))).toMatch(/must be an http:\/\/ or https:\/\/ URL/);
    expect(message(() => resolveEndpoint({ endpointUrl: 'not a url', env }))).toMatch(/not a URL/);
  });
});

describe('readCdpConnection and connectCdp', () => {
  test('reads the action inputs, masks the key, and builds a client for the resolved endpoint', () => {
    const HOME = home();
    const inputs = new Inputs({ 'INPUT_CDP-ACCESS-KEY-ID': 'id-input', 'INPUT_CDP-PRIVATE-KEY': keys.ecdsa.privateKeyPem, 'INPUT_CDP-REGION': 'usg-1' });
    const config = readCdpConnection(inputs);
    inputs.done();
    for (const line of (keys.ecdsa.privateKeyPem as string).split('\n').slice(1, -2)) expect(containsSecret(line)).toBe(true);
    const lines: string[] = [];
    const log = {
      info: (m: string) => lines.push(m),
      notice: () => {},
      warning: () => {},
      error: () => {},
      debug: () => {},
      group: <T>(_n: string, fn: () => Promise<T>) => fn(),
    };
    const conn = connectCdp(config, { env: { HOME }, log });
    expect(conn.client.baseUrl).toBe('https://api.usg-1.cdp.clouderagovt.com');
    expect(conn.client.authMethod).toBe('ecdsav1');
    expect(lines).toEqual(['CDP: https://api.usg-1.cdp.clouderagovt.com (region usg-1), access key id-input from inputs, signing ecdsav1']);
  });

  test('one key input without the other, and a bad region, are input problems', () => {
    const inputs = new Inputs({ 'INPUT_CDP-ACCESS-KEY-ID': 'id-input', 'INPUT_CDP-REGION': 'mars-1' });
    readCdpConnection(inputs);
    expect(() => inputs.done()).toThrow(/2 inputs are invalid:[\s\S]*'cdp-region' must be one of us-west-1[\s\S]*'cdp-private-key' must be given together/);
  });
});
