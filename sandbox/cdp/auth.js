// @ts-check
// CDP API request signing V1, verifier side (cdpcli auth.py V1Signer; cdp-dev-docs request_signing.md):
// string to sign = METHOD \n content-type \n x-altus-date \n URL path \n auth method;
// x-altus-auth = base64url(auth params JSON) "." base64url(signature). Written from the reference,
// independently of packages/cdp.
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';

/** Accepted auth methods and the hash each signs with (null: Ed25519, which hashes internally). */
export const AUTH_METHODS = { ed25519v1: null, rsav1: 'sha256', ecdsav1: 'sha512' };

/**
 * @typedef {{ accessKeyId: string, method: 'ed25519v1' | 'rsav1' | 'ecdsav1', publicKey: import('node:crypto').KeyObject }} KnownKey
 */

/** Test key pairs in the forms cdpcli accepts: Ed25519 as the 44-character base64 seed, RSA as PKCS#8 PEM. */
export function generateTestKeys() {
  const ed = generateKeyPairSync('ed25519');
  const seed = ed.privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(16);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    ed25519: {
      accessKeyId: 'cdp-sandbox-ed25519-key',
      authMethod: /** @type {const} */ ('ed25519v1'),
      privateKey: seed.toString('base64'),
      publicKeyPem: String(ed.publicKey.export({ format: 'pem', type: 'spki' })),
      publicKey: ed.publicKey,
    },
    rsa: {
      accessKeyId: 'cdp-sandbox-rsa-key',
      authMethod: /** @type {const} */ ('rsav1'),
      privateKey: String(rsa.privateKey.export({ format: 'pem', type: 'pkcs8' })),
      publicKeyPem: String(rsa.publicKey.export({ format: 'pem', type: 'spki' })),
      publicKey: rsa.publicKey,
    },
  };
}

/** Python's email.utils.formatdate(usegmt=True) and JS toUTCString() agree; Java's RFC_1123 drops the day's zero. */
const RFC1123 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * Decodes URL-safe base64 with or without '=' padding; undefined if it is not base64url.
 * @param {string} s
 */
function b64url(s) {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(s)) return undefined;
  return Buffer.from(s.replace(/=+$/, ''), 'base64url');
}

/**
 * Verifies a request's x-altus-date and x-altus-auth. Returns undefined when good, else the reason.
 * @param {{ method: string, path: string, headers: Record<string, string | string[] | undefined> }} req
 * @param {Map<string, KnownKey>} keys @param {number} maxSkewSeconds @param {number} [now]
 * @returns {{ accessKeyId: string, method: string } | { reason: string }}
 */
export function verifyRequest(req, keys, maxSkewSeconds, now = Date.now()) {
  const header = (/** @type {string} */ name) => {
    const v = req.headers[name];
    return (Array.isArray(v) ? v[0] : (v ?? '')).trim();
  };
  if (req.headers['authorization'] && !req.headers['x-altus-auth']) {
    return { reason: 'Access tokens are not accepted by this sandbox; sign the request (x-altus-auth)' };
  }
  const auth = header('x-altus-auth');
  if (!auth) return { reason: 'Missing x-altus-auth header' };
  const date = header('x-altus-date');
  if (!date) return { reason: 'Missing x-altus-date header' };
  if (!RFC1123.test(date) || Number.isNaN(Date.parse(date))) return { reason: `Malformed x-altus-date: ${date}` };
  if (Math.abs(now - Date.parse(date)) > maxSkewSeconds * 1000) {
    return { reason: `Request date ${date} is too far from the server time` };
  }
  const parts = auth.split('.');
  if (parts.length !== 2) return { reason: 'Malformed x-altus-auth header' };
  const paramsRaw = b64url(parts[0]);
  const signature = b64url(parts[1]);
  if (!paramsRaw || !signature) return { reason: 'Malformed x-altus-auth header' };
  /** @type {any} */
  let params;
  try {
    params = JSON.parse(paramsRaw.toString('utf8'));
  } catch {
    return { reason: 'Malformed x-altus-auth header: auth params are not JSON' };
  }
  const accessKeyId = params?.access_key_id;
  const method = params?.auth_method;
  if (typeof accessKeyId !== 'string' || typeof method !== 'string') return { reason: 'Malformed x-altus-auth header: missing access_key_id or auth_method' };
  if (!(method in AUTH_METHODS)) return { reason: `Unsupported auth method ${method}` };
  const key = keys.get(accessKeyId);
  if (!key) return { reason: `Unknown access key id ${accessKeyId}` };
  if (key.method !== method) return { reason: `Access key ${accessKeyId} does not sign with ${method}` };
  const stringToSign = [req.method.toUpperCase(), header('content-type'), date, req.path, method].join('\n');
  let ok;
  try {
    ok = verify(/** @type {any} */ (AUTH_METHODS)[method], Buffer.from(stringToSign, 'utf8'), key.publicKey, signature);
  } catch {
    ok = false;
  }
  if (!ok) return { reason: 'The request signature does not match' };
  return { accessKeyId, method };
}

/**
 * A KnownKey from a public key in PEM/SPKI form, or a raw 32-byte Ed25519 public key in base64.
 * @param {string} accessKeyId @param {KnownKey['method']} method @param {string | import('node:crypto').KeyObject} publicKey
 * @returns {KnownKey}
 */
export function knownKey(accessKeyId, method, publicKey) {
  let key;
  if (typeof publicKey === 'string' && !publicKey.includes('-----BEGIN')) {
    const raw = Buffer.from(publicKey, 'base64');
    key = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]), format: 'der', type: 'spki' });
  } else {
    key = createPublicKey(publicKey);
  }
  return { accessKeyId, method, publicKey: key };
}
