// CDP V1 request signing against the golden vectors made with cdpcli's own auth.py (test/vectors/cdp-signing.json).
import { describe, expect, test } from '@jest/globals';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { containsSecret } from '@ml-backup-actions/core';
import {
  altusDate,
  authParamsJson,
  detectAuthMethod,
  loadSigningKey,
  publicKeyPem,
  signRequest,
  stringToSign,
  type AuthMethod,
} from '../../packages/cdp/src/index.js';
import { must } from '../support/must.js';

const VECTORS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../vectors/cdp-signing.json');
const doc = JSON.parse(readFileSync(VECTORS, 'utf8'));

interface Vector {
  name: string;
  key: 'ed25519' | 'rsa' | 'ecdsa';
  verifyOnly?: boolean;
  input: { method: string; path: string; contentType: string; date: string; accessKeyId: string };
  authMethod: AuthMethod;
  stringToSign: string;
  authParamsJson: string;
  expectedHeaders: { 'x-altus-date': string; 'x-altus-auth': string };
}
const vectors = doc.vectors as Vector[];
const privateKeyOf = (k: Vector['key']): string => (k === 'ed25519' ? doc.keys.ed25519.privateKey : doc.keys[k].privateKeyPem);

function b64urlDecode(s: string): Buffer {
  return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

describe('detecting the key type as cdpcli does', () => {
  test('44 characters is ed25519v1, a PKCS#8 EC PEM ecdsav1, a PKCS#8 RSA PEM rsav1', () => {
    expect(detectAuthMethod(doc.keys.ed25519.privateKey)).toBe('ed25519v1');
    expect(detectAuthMethod(doc.keys.rsa.privateKeyPem)).toBe('rsav1');
    expect(detectAuthMethod(doc.keys.ecdsa.privateKeyPem)).toBe('ecdsav1');
    // the credentials-file one-line form, unfolded
    expect(detectAuthMethod(doc.keys.rsa.credentialsFileValue)).toBe('rsav1');
  });

  test('the Ed25519 seed gives the vector public key', () => {
    const spki = createPublicKey(publicKeyPem(loadSigningKey(doc.keys.ed25519.privateKey))).export({ format: 'der', type: 'spki' });
    expect(spki.subarray(-32).toString('base64')).toBe(doc.keys.ed25519.publicKeyRawBase64);
  });

  test('rejects a PKCS#1 RSA key with the conversion command, and never echoes a key', () => {
    const pkcs1 = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    expect(() => loadSigningKey(pkcs1)).toThrow(/RSA PRIVATE KEY.*openssl pkcs8 -topk8/s);
    const bad44 = '!'.repeat(44);
    for (const bad of [pkcs1, bad44, 'not a key at all', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n']) {
      let message = '';
      try {
        loadSigningKey(bad);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).not.toBe('');
      expect(message).not.toContain(bad.trim());
      expect(message).not.toContain(pkcs1.split('\n')[1]);
    }
  });

  test('registers the key as a secret, whole and line by line, the moment it is read', () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(containsSecret(pem.split('\n')[2])).toBe(false);
    loadSigningKey(pem);
    for (const line of pem.split('\n').slice(1, -2)) expect(containsSecret(line)).toBe(true);
    expect(containsSecret(doc.keys.ed25519.privateKey)).toBe(true);
  });
});

describe('the golden vectors', () => {
  test.each(vectors.map((v) => [v.name, v] as const))('%s: string to sign and auth parameters', (_name, v) => {
    expect(stringToSign(v.input.method, v.input.contentType, v.input.date, v.input.path, v.authMethod)).toBe(v.stringToSign);
    expect(authParamsJson(v.input.accessKeyId, v.authMethod)).toBe(v.authParamsJson);
    expect(detectAuthMethod(privateKeyOf(v.key))).toBe(v.authMethod);
  });

  test.each(vectors.filter((v) => !v.verifyOnly).map((v) => [v.name, v] as const))('%s: headers byte for byte', (_name, v) => {
    const headers = signRequest({
      accessKeyId: v.input.accessKeyId,
      key: loadSigningKey(privateKeyOf(v.key)),
      path: v.input.path,
      method: v.input.method,
      date: v.input.date,
    });
    expect(headers).toEqual(v.expectedHeaders);
  });

  test('the Date formatting reproduces the vector date (formatdate(usegmt=True))', () => {
    expect(altusDate(new Date(Date.UTC(2026, 10, 20, 10, 0, 0)))).toBe('Fri, 20 Nov 2026 10:00:00 GMT');
    expect(altusDate(new Date(0))).toBe('Thu, 01 Jan 1970 00:00:00 GMT');
    expect(altusDate(new Date(Date.UTC(2026, 0, 5, 3, 4, 5)))).toBe('Mon, 05 Jan 2026 03:04:05 GMT');
  });

  test('ecdsav1: the vector signature verifies, and so does ours (SHA-512, DER)', () => {
    const v = must(
      vectors.find((x) => x.authMethod === 'ecdsav1'),
      'the ecdsav1 vector',
    );
    const pub = createPublicKey(doc.keys.ecdsa.publicKeyPem);
    const [params, sig] = v.expectedHeaders['x-altus-auth'].split('.');
    expect(verify('sha512', Buffer.from(v.stringToSign), { key: pub, dsaEncoding: 'der' }, b64urlDecode(sig))).toBe(true);

    const key = loadSigningKey(doc.keys.ecdsa.privateKeyPem);
    expect(publicKeyPem(key)).toBe(doc.keys.ecdsa.publicKeyPem);
    const ours = signRequest({ accessKeyId: v.input.accessKeyId, key, path: v.input.path, date: v.input.date });
    expect(ours['x-altus-date']).toBe(v.expectedHeaders['x-altus-date']);
    const [ourParams, ourSig] = ours['x-altus-auth'].split('.');
    expect(ourParams).toBe(params);
    expect(ourSig).toMatch(/^[A-Za-z0-9_-]+=*$/);
    expect(verify('sha512', Buffer.from(v.stringToSign), { key: pub, dsaEncoding: 'der' }, b64urlDecode(ourSig))).toBe(true);
    expect(verify('sha512', Buffer.from(v.stringToSign.replace('backup', 'restore')), { key: pub, dsaEncoding: 'der' }, b64urlDecode(ourSig))).toBe(false);
  });

  test("cdpcurl's upstream vector (signs the path, not the query)", () => {
    const u = doc.upstreamVector;
    const pathOnly = new URL(u.input.url).pathname;
    expect(pathOnly).toBe(u.input.signedPath);
    expect(stringToSign(u.input.method, u.input.contentType, u.input.date, pathOnly, 'ed25519v1')).toBe(u.stringToSign);
    const headers = signRequest({
      accessKeyId: u.input.accessKeyId,
      key: loadSigningKey(u.input.privateKey),
      path: pathOnly,
      method: u.input.method,
      date: u.input.date,
    });
    expect(headers).toEqual(u.expectedHeaders);
  });
});
