import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { ActionError, registerSecret } from '@ml-backup-actions/core';

/** The CDP V1 request-signing methods, as cdpcli names them in the x-altus-auth parameters. */
export type AuthMethod = 'ed25519v1' | 'rsav1' | 'ecdsav1';

/** A parsed private key and the method it signs with. Holds no printable form of the key. */
export interface SigningKey {
  readonly method: AuthMethod;
  readonly key: KeyObject;
}

export const CONTENT_TYPE = 'application/json';

// PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows (RFC 8410).
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * Parses a CDP private key and picks its signing method the way cdpcli does (client.py
 * `_get_client_args`): exactly 44 characters is an Ed25519 seed in standard base64; otherwise a
 * PKCS#8 PEM that holds an EC key is ecdsav1, and any other PKCS#8 PEM is rsav1.
 * The key is registered as a secret (whole, and each line of a PEM) before anything else happens.
 *
 * Differences from cdpcli, all of them accepting more: surrounding whitespace is ignored (cdpcli
 * fails on a key file with a trailing newline); a one-line PEM with literal "\n" is unfolded; an
 * EC key without curve parameters inside the PKCS#8 is accepted (cdpcli falls through to rsav1).
 */
export function loadSigningKey(privateKey: string): SigningKey {
  registerSecret(privateKey);
  const text = privateKey.trim();
  if (text.length === 44 && !text.includes('-----')) return { method: 'ed25519v1', key: ed25519Key(text) };
  const pem = text.includes('\\n') && !text.includes('\n') ? text.replace(/\\n/g, '\n') : text;
  registerSecret(pem);
  if (!pem.startsWith('-----BEGIN')) {
    throw new ActionError(
      'The CDP private key is neither a 44-character Ed25519 key nor a PEM key (the value is not shown). ' +
        'Use the private key exactly as the CDP console gave it when the access key was generated.',
    );
  }
  if (!/^-----BEGIN PRIVATE KEY-----/.test(pem)) {
    const kind = /^-----BEGIN ([A-Z ]+)-----/.exec(pem)?.[1] ?? 'unknown';
    throw new ActionError(
      `The CDP private key is a "${kind}" PEM; CDP (like cdpcli) takes PKCS#8 ("BEGIN PRIVATE KEY"). ` +
        'Convert it with: openssl pkcs8 -topk8 -nocrypt -in old.pem -out key.pem',
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new ActionError(
      'The CDP private key PEM could not be parsed (the value is not shown); check that it was copied whole, with its BEGIN and END lines.',
    );
  }
  if (key.asymmetricKeyType === 'ec') return { method: 'ecdsav1', key };
  if (key.asymmetricKeyType === 'rsa') return { method: 'rsav1', key };
  throw new ActionError(`The CDP private key is a ${key.asymmetricKeyType ?? 'unknown'} key; CDP signs with Ed25519, RSA or ECDSA keys only.`);
}

/** The signing method cdpcli would pick for this key (and the key parsed, as a check). */
export function detectAuthMethod(privateKey: string): AuthMethod {
  return loadSigningKey(privateKey).method;
}

function ed25519Key(seedBase64: string): KeyObject {
  const seed = /^[A-Za-z0-9+/]{43}=$/.test(seedBase64) ? Buffer.from(seedBase64, 'base64') : Buffer.alloc(0);
  if (seed.length !== 32) {
    throw new ActionError(
      'The 44-character CDP private key is not the base64 of a 32-byte Ed25519 key (the value is not shown); copy it again from the CDP console.',
    );
  }
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** The public half, in SPKI PEM: what CDP holds for the access key. For checks and tests. */
export function publicKeyPem(key: SigningKey): string {
  return createPublicKey(key.key).export({ type: 'spki', format: 'pem' }).toString();
}

/** METHOD\ncontent-type\nx-altus-date\npath\nauth-method, with no trailing newline (auth.py `_canonical_string`). */
export function stringToSign(method: string, contentType: string, date: string, path: string, authMethod: AuthMethod): string {
  return `${method.toUpperCase()}\n${contentType.trim()}\n${date.trim()}\n${path}\n${authMethod}`;
}

/** Python's json.dumps of the ordered {access_key_id, auth_method}: ", " and ": " separators. */
export function authParamsJson(accessKeyId: string, authMethod: AuthMethod): string {
  return `{${JSON.stringify('access_key_id')}: ${pyJsonString(accessKeyId)}, ${JSON.stringify('auth_method')}: ${pyJsonString(authMethod)}}`;
}

/** Python json.dumps (ensure_ascii=True) of a string. */
function pyJsonString(s: string): string {
  return JSON.stringify(s).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Python's urlsafe_b64encode: "-" and "_", with "=" padding kept. */
export function base64UrlPadded(data: Buffer | string): string {
  return Buffer.from(data).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** The raw signature of the string to sign, per method (Ed25519; RSA PKCS#1 v1.5 SHA-256; ECDSA SHA-512 DER). */
export function signString(key: SigningKey, data: string): Buffer {
  const bytes = Buffer.from(data, 'utf8');
  switch (key.method) {
    case 'ed25519v1':
      return sign(null, bytes, key.key);
    case 'rsav1':
      return sign('sha256', bytes, key.key);
    case 'ecdsav1':
      return sign('sha512', bytes, { key: key.key, dsaEncoding: 'der' });
  }
}

/** RFC 1123 date as email.utils.formatdate(usegmt=True) writes it: "Fri, 20 Nov 2026 10:00:00 GMT". */
export function altusDate(date: Date = new Date()): string {
  return date.toUTCString();
}

export interface SignRequestOptions {
  accessKeyId: string;
  key: SigningKey;
  /** The URL path only: no scheme, host, port or query (urlsplit(url).path). */
  path: string;
  method?: string;
  contentType?: string;
  /** The x-altus-date value, or the time to format; now by default. */
  date?: Date | string;
}

export interface SignedHeaders {
  'x-altus-date': string;
  'x-altus-auth': string;
}

/** The two headers cdpcli's V1Signer adds to a request. */
export function signRequest(options: SignRequestOptions): SignedHeaders {
  const date = typeof options.date === 'string' ? options.date : altusDate(options.date);
  const toSign = stringToSign(options.method ?? 'POST', options.contentType ?? CONTENT_TYPE, date, options.path, options.key.method);
  const params = base64UrlPadded(authParamsJson(options.accessKeyId, options.key.method));
  return { 'x-altus-date': date, 'x-altus-auth': `${params}.${base64UrlPadded(signString(options.key, toSign))}` };
}
