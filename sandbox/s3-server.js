// @ts-check
// A real S3 server process for tests and the demo: s3rver on 127.0.0.1 behind a SigV4 check.
// s3rver accepts any V4 signature from a known access key, so a wrong secret would pass unnoticed;
// here every request's signature is recomputed with the AWS SDK's own signer (@smithy/signature-v4)
// and refused as real S3 refuses it.
//
// Configuration comes from the environment (never argv, so secrets stay out of /proc/*/cmdline):
//   S3_SANDBOX_DIR, S3_SANDBOX_ACCESS_KEY, S3_SANDBOX_SECRET_KEY, S3_SANDBOX_BUCKETS (comma list)
// Prints one JSON line {"port": N} on stdout once listening.
import { createRequire } from 'node:module';
import http from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rmdir, unlink, writeFile } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';

/**
 * The parts of s3rver (which has no types) this server uses or wraps: its filesystem store and server.
 * @typedef {Record<string, string>} Metadata
 * @typedef {{ delimiter?: string, startAfter?: string, prefix?: string, maxKeys?: number }} ListOptions
 * @typedef {{ key: string }} S3ObjectModel
 * @typedef {{ bucket: string, key: string, content: Buffer | NodeJS.ReadableStream, metadata: Metadata }} PutObjectModel
 * @typedef {{ size: number, md5: string }} Stored
 * @typedef {{
 *   listObjects: (bucket: string, options?: ListOptions) => Promise<{ objects: S3ObjectModel[], commonPrefixes: string[], isTruncated: boolean }>,
 *   getMetadata: (bucket: string, key: string) => Promise<Metadata>,
 *   existsObject: (bucket: string, key: string) => Promise<boolean>,
 *   getResourcePath: (bucket: string, key: string | undefined, resource: string) => string,
 *   getBucketPath: (bucket: string) => string,
 *   putObject: (object: PutObjectModel) => Promise<Stored>,
 *   putMetadata: (bucket: string, key: string, metadata: Metadata, md5?: string) => Promise<void>,
 *   putPart: (bucket: string, uploadId: string, partNumber: number | string, content: NodeJS.ReadableStream) => Promise<Stored>,
 *   deleteObject: (bucket: string, key: string) => Promise<void>,
 *   putObjectMultipart: (bucket: string, uploadId: string, parts: { number: number, etag: string }[]) => Promise<{ size: number, md5: string }>,
 * }} Store
 * @typedef {(...args: any[]) => Promise<unknown>} StoreMethod the store's writes, as indexStore wraps them whatever their arguments
 * @typedef {new (options: object) => { store: Store, callback(): http.RequestListener, listen(port: number, address: string): Promise<http.Server>,
 *   run(): Promise<import('node:net').AddressInfo> }} S3rverClass
 */

// Not `require`: TypeScript would take require() calls for imports, and s3rver has no types.
const requireCjs = createRequire(import.meta.url);
// s3rver seals ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node 18+) has dropped,
// so every listing of more than 1000 keys failed with a 500. The token is opaque to clients: seal
// it with AES-128-CTR instead (8-byte key and IV, as s3rver passes them, padded to 16).
/** @type {Record<'createCipheriv' | 'createDecipheriv', (algorithm: string, key: Buffer, iv: Buffer, ...rest: unknown[]) => unknown>} */
const nodeCrypto = requireCjs('node:crypto');
for (const name of /** @type {const} */ (['createCipheriv', 'createDecipheriv'])) {
  const original = nodeCrypto[name];
  nodeCrypto[name] = (algorithm, key, iv, ...rest) =>
    algorithm === 'des'
      ? original('aes-128-ctr', Buffer.concat([key, key]), Buffer.concat([iv, Buffer.alloc(8)]), ...rest)
      : original(algorithm, key, iv, ...rest);
}
/** @type {S3rverClass} */
const S3rver = requireCjs('s3rver');
/** @type {{ DUMMY_ACCOUNT: { createKeyPair: (accessKeyId: string, secretAccessKey: string) => void } }} */
const AWSAccount = requireCjs('s3rver/lib/models/account');
/** @type {new (bucket: string, key: string, content: null, metadata: Metadata) => S3ObjectModel} */
const S3Object = requireCjs('s3rver/lib/models/object');

const { S3_SANDBOX_DIR, S3_SANDBOX_ACCESS_KEY, S3_SANDBOX_SECRET_KEY, S3_SANDBOX_BUCKETS = '' } = process.env;
if (!S3_SANDBOX_DIR || !S3_SANDBOX_ACCESS_KEY || !S3_SANDBOX_SECRET_KEY) {
  console.error('s3-server: S3_SANDBOX_DIR, S3_SANDBOX_ACCESS_KEY and S3_SANDBOX_SECRET_KEY are required');
  process.exit(2);
}
// Checked above; the functions below do not see that narrowing, these constants carry it.
const accessKey = S3_SANDBOX_ACCESS_KEY;
const secretKey = S3_SANDBOX_SECRET_KEY;
AWSAccount.DUMMY_ACCOUNT.createKeyPair(accessKey, secretKey);

/** @typedef {string | string[] | undefined} QueryValue a query parameter (repeated: all its values) or a header */

/**
 * Splits a raw query string without turning '+' into a space (AWS clients encode spaces as %20).
 * @param {string} raw
 */
function parseQuery(raw) {
  /** @type {Record<string, string | string[]>} */
  const query = {};
  if (!raw) return query;
  for (const part of raw.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
    if (key in query) query[key] = /** @type {string[]} */ ([]).concat(query[key], value);
    else query[key] = value;
  }
  return query;
}

/** @param {QueryValue} s */
function parseAmzDate(s) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(String(s ?? ''));
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : undefined;
}

/**
 * The signature parts of a request, from the Authorization header or a presigned URL's query.
 * @param {http.IncomingMessage} req @param {Record<string, string | string[]>} query
 * @returns {{ error: [string, string] } | { error?: undefined, credential: QueryValue, signedHeaders: QueryValue, signature: QueryValue,
 *   date: QueryValue, presigned: boolean }}
 */
function authOf(req, query) {
  const header = req.headers.authorization;
  if (header) {
    const m = /^AWS4-HMAC-SHA256 Credential=([^,]+),\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]+)$/.exec(header);
    if (!m) return { error: ['AccessDenied', 'Only AWS4-HMAC-SHA256 header signatures are accepted'] };
    return { credential: m[1], signedHeaders: m[2], signature: m[3], date: req.headers['x-amz-date'], presigned: false };
  }
  if (query['X-Amz-Algorithm'] === 'AWS4-HMAC-SHA256') {
    const expires = Number(query['X-Amz-Expires']);
    const date = parseAmzDate(query['X-Amz-Date']);
    if (date && Number.isFinite(expires) && Date.now() > date.getTime() + expires * 1000) {
      return { error: ['AccessDenied', 'Request has expired'] };
    }
    return {
      credential: query['X-Amz-Credential'],
      signedHeaders: query['X-Amz-SignedHeaders'],
      signature: query['X-Amz-Signature'],
      date: query['X-Amz-Date'],
      presigned: true,
    };
  }
  return { error: ['AccessDenied', 'Anonymous access is forbidden for this sandbox'] };
}

/**
 * Checks a request's SigV4 signature as S3 would.
 * @param {http.IncomingMessage} req
 * @returns {Promise<[code: string, message: string] | undefined>} S3's error code and message, undefined when good
 */
async function verify(req) {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = parseQuery(q < 0 ? '' : url.slice(q + 1));
  const auth = authOf(req, query);
  if (auth.error) return auth.error;
  const [accessKeyId, day, region, service] = String(auth.credential).split('/');
  if (accessKeyId !== accessKey) {
    return ['InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'];
  }
  const signingDate = parseAmzDate(auth.date);
  if (!signingDate || !String(auth.date).startsWith(day)) return ['AccessDenied', 'Missing or malformed X-Amz-Date'];

  const signed = new Set(String(auth.signedHeaders).split(';'));
  /** @type {Record<string, string>} */
  const headers = {};
  const unsignable = new Set();
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name] = Array.isArray(value) ? value.join(',') : String(value);
    if (!signed.has(name)) unsignable.add(name);
  }
  if (auth.presigned && !headers['x-amz-content-sha256']) headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
  for (const name of ['x-amz-date', 'x-amz-content-sha256']) if (!signed.has(name)) unsignable.add(name);
  delete headers.authorization;

  const signer = new SignatureV4({
    credentials: { accessKeyId, secretAccessKey: secretKey },
    region,
    service,
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: true,
  });
  const request = { method: req.method ?? 'GET', protocol: 'http:', hostname: '127.0.0.1', path, query, headers };
  const out = await signer.sign(request, { signingDate, signableHeaders: signed, unsignableHeaders: unsignable });
  const expected = /Signature=([0-9a-f]+)$/.exec(String(out.headers.authorization))?.[1];
  if (!expected) throw new Error('the signer gave no signature');
  const given = String(auth.signature);
  if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
    return ['SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'];
  }
  return undefined;
}

/** @param {http.ServerResponse} res @param {[code: string, message: string]} problem */
function refuse(res, [code, message]) {
  const body = '<?xml version="1.0" encoding="UTF-8"?>\n' + `<Error><Code>${code}</Code><Message>${message}</Message><RequestId>sandbox</RequestId></Error>`;
  res.writeHead(403, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Keeps each bucket's keys and their metadata in memory, in step with every write through this
 * server, so a listing costs what S3's does: s3rver walks the bucket's directory (three stat calls
 * a key) and reads two files a key for every listing page, so listing 2,000 objects took about 5 s.
 * The answers are the same, in S3's order (keys sorted, which s3rver's directory walk is not).
 * @param {Store} store
 */
function indexStore(store) {
  /** @type {Map<string, Promise<Set<string>>>} */
  const keysOf = new Map(); // bucket -> its keys
  /** @type {Map<string, Promise<Metadata>>} */
  const metadata = new Map(); // bucket\0key -> its metadata
  const original = {
    listObjects: store.listObjects.bind(store),
    getMetadata: store.getMetadata.bind(store),
  };
  // the writes wrapped below, whatever their arguments
  const writes = /** @type {Record<string, StoreMethod>} */ (/** @type {unknown} */ (store));
  const id = (/** @type {string} */ bucket, /** @type {string} */ key) => `${bucket}\0${key}`;
  const keys = (/** @type {string} */ bucket) => {
    let known = keysOf.get(bucket);
    if (!known) {
      known = original.listObjects(bucket, {}).then(({ objects }) => new Set(objects.map((o) => o.key)));
      known.catch(() => keysOf.delete(bucket));
      keysOf.set(bucket, known);
    }
    return known;
  };
  /** After a write to bucket/key, whatever it did: the key is listed if its object is there. @param {string} bucket @param {string} key */
  const changed = async (bucket, key) => {
    metadata.delete(id(bucket, key));
    const known = keysOf.get(bucket);
    if (!known) return;
    const set = await known;
    if (await store.existsObject(bucket, key)) set.add(key);
    else set.delete(key);
  };
  /** @param {string} name @param {(...args: any[]) => [bucket: string, key: string]} where the object a call writes */
  const after = (name, where) => {
    const fn = writes[name].bind(store);
    writes[name] = async (...args) => {
      try {
        return await fn(...args);
      } finally {
        const [bucket, key] = where(...args);
        await changed(bucket, key);
      }
    };
  };
  after('putObject', (object) => [object.bucket, object.key]);
  after('copyObject', (_srcBucket, _srcKey, destBucket, destKey) => [destBucket, destKey]);
  after('deleteObject', (bucket, key) => [bucket, key]);
  after('putMetadata', (bucket, key) => [bucket, key]);
  for (const name of ['putBucket', 'deleteBucket']) {
    const fn = writes[name].bind(store);
    writes[name] = async (bucket, ...rest) => {
      try {
        return await fn(bucket, ...rest);
      } finally {
        keysOf.delete(bucket);
        for (const k of metadata.keys()) if (k.startsWith(`${bucket}\0`)) metadata.delete(k);
      }
    };
  }
  store.getMetadata = (bucket, key) => {
    let known = metadata.get(id(bucket, key));
    if (!known) {
      known = original.getMetadata(bucket, key);
      known.catch(() => metadata.delete(id(bucket, key)));
      metadata.set(id(bucket, key), known);
    }
    return known.then((m) => ({ ...m }));
  };
  store.listObjects = async (bucket, { delimiter = '', startAfter = '', prefix = '', maxKeys = Infinity } = {}) => {
    const sorted = [...(await keys(bucket))].sort();
    /** @type {Set<string>} */
    const commonPrefixes = new Set();
    /** @type {string[]} */
    const picked = [];
    let isTruncated = false;
    for (const key of sorted) {
      if (key <= startAfter || !key.startsWith(prefix)) continue;
      if (delimiter) {
        const idx = key.slice(prefix.length).indexOf(delimiter);
        if (idx !== -1) {
          commonPrefixes.add(key.slice(0, prefix.length + idx + 1));
          continue;
        }
      }
      if (picked.length < maxKeys) picked.push(key);
      else {
        isTruncated = true;
        break;
      }
    }
    /** @type {(key: string) => Promise<[string, Metadata | undefined]>} */
    const metadataOf = (key) =>
      store.getMetadata(bucket, key).then(
        (m) => [key, m],
        (err) => (err.code === 'ENOENT' ? [key, undefined] : Promise.reject(err)),
      );
    const found = await Promise.all(picked.map(metadataOf));
    return {
      objects: found.flatMap(([key, m]) => (m === undefined ? [] : [new S3Object(bucket, key, null, m)])),
      commonPrefixes: [...commonPrefixes].sort(),
      isTruncated,
    };
  };
  return { changed };
}

/**
 * S3 answers a PUT once the object is stored, and from then on lists it. s3rver's filesystem store
 * resolves a PUT (and an upload part) when the request body has been read, not when its file has
 * been written: the file's open and writes could still be pending when the answer went out, and
 * the index above, asking right then whether the object exists, dropped it from every later
 * listing while a HEAD or GET found it. Under CPU load that lost one object of a sync from the
 * listings now and then. Here a write ends when its file is closed, and its errors are the request's.
 * s3rver also keeps a directory for each level of a key and removes the ones a delete leaves empty,
 * which races with a write into them (the write's open failed, or the delete, on a directory
 * filled meanwhile): a key has no directories in S3, so neither is an error here.
 * @param {Store} store
 */
function storeWholly(store) {
  const gone = new Set(['ENOENT', 'ENOTEMPTY', 'EEXIST']);
  /** @param {string} file a new file, in directories made for it, even if a delete removes them meanwhile */
  const create = async (file) => {
    for (let attempt = 1; ; attempt++) {
      await mkdir(path.dirname(file), { recursive: true });
      try {
        return await open(file, 'w');
      } catch (err) {
        if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'ENOENT' || attempt === 5) throw err;
      }
    }
  };
  /** @param {string} file @param {Buffer | NodeJS.ReadableStream} content @returns {Promise<Stored>} once file holds all of content */
  const write = async (file, content) => {
    const md5 = createHash('md5');
    let size = 0;
    const count = new Transform({
      transform(chunk, _encoding, done) {
        md5.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const source = Buffer.isBuffer(content) ? [content] : content;
    await pipeline(source, count, createWriteStream('', { fd: await create(file) }));
    return { size, md5: md5.digest('hex') };
  };
  store.putObject = async (object) => {
    const stored = await write(store.getResourcePath(object.bucket, object.key, 'object'), object.content);
    await store.putMetadata(object.bucket, object.key, object.metadata, stored.md5);
    return stored;
  };
  store.putPart = async (bucket, uploadId, partNumber, content) => {
    const part = path.join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId, String(partNumber));
    const stored = await write(part, content);
    await writeFile(`${part}.md5`, stored.md5);
    return stored;
  };
  store.deleteObject = async (bucket, key) => {
    const files = ['object', 'object.md5', 'metadata.json'].map((resource) => store.getResourcePath(bucket, key, resource));
    await Promise.all(
      files.map((file) =>
        unlink(file).catch((err) => {
          if (err.code !== 'ENOENT') throw err;
        }),
      ),
    );
    // rmdir removes only an empty directory: one a write has just filled stays, one a delete beside it removed is gone
    const levels = key.split('/').slice(0, -1);
    for (; levels.length; levels.pop()) {
      try {
        await rmdir(path.join(store.getBucketPath(bucket), ...levels));
      } catch (err) {
        if (gone.has(/** @type {NodeJS.ErrnoException} */ (err).code ?? '')) break;
        throw err;
      }
    }
  };
}

/**
 * Faults a test sets at run time (PUT /_sandbox/faults with a JSON list, GET to read them with
 * their hits; no bucket name starts with '_'). The first rule whose method (or '*') and key match a request applies: after `skip` matching
 * requests have passed, the next `times` (default: all) are delayed by delayMs and, with a status,
 * answered with that error instead of being served.
 * @typedef {{ method: string, match?: string, skip?: number, times?: number, status?: number, code?: string, delayMs?: number, hits?: number }} FaultRule
 */
/** @type {FaultRule[]} */
let faults = [];

/** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
function setFaults(req, res) {
  /** @type {Buffer[]} */
  const body = [];
  req.on('data', (d) => body.push(d));
  req.on('end', () => {
    if (req.method === 'DELETE') faults = [];
    else if (req.method !== 'GET') faults = JSON.parse(Buffer.concat(body).toString() || '[]');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(faults));
  });
}

/** The fault rule this request meets, if any (counting it). @param {http.IncomingMessage} req */
function faultFor(req) {
  const rule = faults.find(
    (r) => (r.method === '*' || r.method === req.method) && (!r.match || decodeURIComponent((req.url ?? '').split('?')[0]).includes(r.match)),
  );
  if (!rule) return undefined;
  rule.hits = (rule.hits ?? 0) + 1;
  if (rule.hits <= (rule.skip ?? 0)) return undefined;
  if (rule.times !== undefined && rule.hits > (rule.skip ?? 0) + rule.times) return undefined;
  return rule;
}

/** @param {http.ServerResponse} res @param {FaultRule} rule */
function failWith(res, rule) {
  const code = rule.code ?? (rule.status === 503 ? 'SlowDown' : 'InternalError');
  const body = '<?xml version="1.0" encoding="UTF-8"?>\n' + `<Error><Code>${code}</Code><Message>sandbox fault</Message><RequestId>sandbox</RequestId></Error>`;
  res.writeHead(rule.status ?? 500, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

class VerifyingS3rver extends S3rver {
  /** @override @param {number} port @param {string} address @returns {Promise<http.Server>} */
  listen(port, address) {
    const handle = this.callback();
    const server = http.createServer(async (req, res) => {
      if ((req.url ?? '').startsWith('/_sandbox/faults')) return setFaults(req, res);
      const fault = faultFor(req);
      if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault?.status) {
        req.resume();
        return failWith(res, fault);
      }
      verify(req).then(
        (problem) => (problem ? refuse(res, problem) : handle(req, res)),
        (err) => refuse(res, ['AccessDenied', `Could not verify the signature: ${err.message}`]),
      );
    });
    server.keepAliveTimeout = 30_000;
    // listen's callback is a 'listening' listener, called with no error
    return new Promise((resolve) => server.listen(port, address, () => resolve(server)));
  }
}

const buckets = S3_SANDBOX_BUCKETS.split(',')
  .filter(Boolean)
  .map((name) => ({ name, configs: [] }));
const s3 = new VerifyingS3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: S3_SANDBOX_DIR,
  configureBuckets: buckets,
});
// s3rver gives a multipart object the MD5 of its whole content as ETag; S3 gives
// md5(concatenated part MD5s)-<parts>, and clients (rclone among them) check that form.
const { store } = s3;
storeWholly(store); // first: the index wraps these writes
const index = indexStore(store);
const completeMultipart = store.putObjectMultipart.bind(store);
/** @type {Store['putObjectMultipart']} */
store.putObjectMultipart = async (bucket, uploadId, parts) => {
  const uploadDir = path.join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId);
  const numbers = parts.map((p) => Number(p.number)).sort((a, b) => a - b);
  const [key, ...partMd5s] = await Promise.all([
    readFile(path.join(uploadDir, 'key'), 'utf8'),
    ...numbers.map((n) => readFile(path.join(uploadDir, `${n}.md5`), 'utf8')),
  ]);
  const result = await completeMultipart(bucket, uploadId, parts);
  const etag =
    createHash('md5')
      .update(Buffer.from(partMd5s.join(''), 'hex'))
      .digest('hex') + `-${numbers.length}`;
  await writeFile(store.getResourcePath(bucket, key, 'object.md5'), etag);
  await index.changed(bucket, key);
  return { ...result, md5: etag };
};
const { port } = await s3.run();
process.stdout.write(JSON.stringify({ port }) + '\n');
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
// S3 does not go down because one request went wrong: say what happened, and go on serving.
for (const event of ['uncaughtException', 'unhandledRejection']) {
  process.on(event, (err) => console.error(`s3-server: ${event}: ${err instanceof Error ? err.stack : String(err)}`));
}
