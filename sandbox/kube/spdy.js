// @ts-check
// SPDY/3.1 framing, the part kubectl's port-forward uses (moby/spdystream under client-go): what
// kubectl >= 1.31 tunnels inside a WebSocket (subprotocol SPDY/3.1+portforward.k8s.io, the raw
// bytes in binary messages), or speaks on a plain `Upgrade: SPDY/3.1` connection as its fallback.
//
// Frames: 8-byte header. Control frames: 0x8003 (control bit, version 3), type (2 bytes),
// flags (1), length (3), payload. Data frames: stream id (4, high bit 0), flags (1), length (3),
// data. Header blocks are name/value pairs (32-bit lengths) in one zlib stream per direction,
// started with the SPDY dictionary. spdystream does no flow control (it ignores WINDOW_UPDATE).
import { constants, inflateSync } from 'node:zlib';

/**
 * @typedef {import('./types.js').SpdyFrame} SpdyFrame
 * @typedef {import('./types.js').SpdyControlFrame} SpdyControlFrame
 */

export const SYN_STREAM = 1;
export const SYN_REPLY = 2;
export const RST_STREAM = 3;
export const SETTINGS = 4;
export const PING = 6;
export const GOAWAY = 7;
export const HEADERS = 8;
export const WINDOW_UPDATE = 9;
export const FLAG_FIN = 0x01;
/** RST_STREAM status codes used here. */
export const RST = { PROTOCOL_ERROR: 1, INVALID_STREAM: 2, REFUSED_STREAM: 3, CANCEL: 5, INTERNAL_ERROR: 6 };

// The SPDY/3 header-compression dictionary (draft 3, section 2.6.10.1): 65 length-prefixed words,
// then a run of plain text. 1423 bytes; the client's zlib header names it by its Adler-32.
const WORDS = [
  'options',
  'head',
  'post',
  'put',
  'delete',
  'trace',
  'accept',
  'accept-charset',
  'accept-encoding',
  'accept-language',
  'accept-ranges',
  'age',
  'allow',
  'authorization',
  'cache-control',
  'connection',
  'content-base',
  'content-encoding',
  'content-language',
  'content-length',
  'content-location',
  'content-md5',
  'content-range',
  'content-type',
  'date',
  'etag',
  'expect',
  'expires',
  'from',
  'host',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'if-range',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'pragma',
  'proxy-authenticate',
  'proxy-authorization',
  'range',
  'referer',
  'retry-after',
  'server',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'vary',
  'via',
  'warning',
  'www-authenticate',
  'method',
  'get',
  'status',
  '200 OK',
  'version',
  'HTTP/1.1',
  'url',
  'public',
  'set-cookie',
  'keep-alive',
  'origin',
];
const TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
  '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized' +
  '403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable' +
  'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
  'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,' +
  'text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

export const DICTIONARY = Buffer.concat([
  ...WORDS.map((w) => {
    const b = Buffer.alloc(4 + w.length);
    b.writeUInt32BE(w.length, 0);
    b.write(w, 4, 'latin1');
    return b;
  }),
  Buffer.from(TAIL, 'latin1'),
]);
if (DICTIONARY.length !== 1423) throw new Error(`spdy: the dictionary has ${DICTIONARY.length} bytes, not 1423`);

/**
 * One side's codec: parses the peer's frames (decompressing its header blocks) and builds ours.
 * Our header blocks are zlib "stored" blocks (no compression), which any inflater reads.
 */
export class SpdyCodec {
  constructor() {
    /** @type {Buffer} */
    this.pending = Buffer.alloc(0);
    /**
     * The peer's compressed header bytes so far: one zlib stream, inflated whole each time.
     * @type {Buffer[]}
     */
    this.compressed = [];
    this.inflatedBytes = 0;
    this.headerStreamStarted = false;
  }

  /**
   * Appends received bytes; returns the complete frames among them, in order.
   * @param {Buffer} chunk
   * @returns {SpdyFrame[]}
   */
  receive(chunk) {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames = [];
    while (this.pending.length >= 8) {
      const length = this.pending.readUIntBE(5, 3);
      if (this.pending.length < 8 + length) break;
      const raw = this.pending.subarray(0, 8 + length);
      this.pending = this.pending.subarray(8 + length);
      frames.push(this.parse(Buffer.from(raw)));
    }
    return frames;
  }

  /** @param {Buffer} raw one whole frame @returns {SpdyFrame} */
  parse(raw) {
    const flags = raw[4];
    const payload = raw.subarray(8);
    if (!(raw[0] & 0x80)) return { control: false, streamId: raw.readUInt32BE(0) & 0x7fffffff, flags, data: payload, raw };
    const version = raw.readUInt16BE(0) & 0x7fff;
    const type = raw.readUInt16BE(2);
    /** @type {SpdyControlFrame} */
    const frame = { control: true, version, type, flags, raw };
    if (type === SYN_STREAM) {
      return {
        ...frame,
        streamId: payload.readUInt32BE(0) & 0x7fffffff,
        associatedStreamId: payload.readUInt32BE(4) & 0x7fffffff,
        priority: payload[8] >> 5,
        headers: this.inflateHeaders(payload.subarray(10)),
      };
    }
    if (type === SYN_REPLY || type === HEADERS)
      return { ...frame, streamId: payload.readUInt32BE(0) & 0x7fffffff, headers: this.inflateHeaders(payload.subarray(4)) };
    if (type === RST_STREAM) return { ...frame, streamId: payload.readUInt32BE(0) & 0x7fffffff, status: payload.readUInt32BE(4) };
    if (type === PING) return { ...frame, id: payload.readUInt32BE(0) };
    if (type === GOAWAY) return { ...frame, lastGoodStreamId: payload.readUInt32BE(0) & 0x7fffffff, status: payload.readUInt32BE(4) };
    if (type === WINDOW_UPDATE) return { ...frame, streamId: payload.readUInt32BE(0) & 0x7fffffff, delta: payload.readUInt32BE(4) & 0x7fffffff };
    return frame;
  }

  /**
   * The peer compresses all its header blocks as one zlib stream (sync-flushed per block). Header
   * blocks are small and few (two per forwarded connection), so the stream is inflated from its
   * start each time, synchronously, and the new output taken.
   * @param {Buffer} block
   * @returns {Record<string, string>} lower-case names; several values joined with NUL, as sent
   */
  inflateHeaders(block) {
    this.compressed.push(Buffer.from(block));
    const all = inflateSync(Buffer.concat(this.compressed), { dictionary: DICTIONARY, finishFlush: constants.Z_SYNC_FLUSH });
    const out = all.subarray(this.inflatedBytes);
    this.inflatedBytes = all.length;
    /** @type {Record<string, string>} */
    const headers = {};
    const count = out.readUInt32BE(0);
    let at = 4;
    for (let i = 0; i < count; i++) {
      const nameLength = out.readUInt32BE(at);
      const name = out.subarray(at + 4, at + 4 + nameLength).toString('utf8');
      at += 4 + nameLength;
      const valueLength = out.readUInt32BE(at);
      headers[name.toLowerCase()] = out.subarray(at + 4, at + 4 + valueLength).toString('utf8');
      at += 4 + valueLength;
    }
    return headers;
  }

  /** @param {Record<string, string>} headers */
  headerBlock(headers) {
    const pairs = Object.entries(headers);
    const parts = [u32(pairs.length)];
    for (const [name, value] of pairs) parts.push(u32(Buffer.byteLength(name)), Buffer.from(name), u32(Buffer.byteLength(value)), Buffer.from(value));
    const raw = Buffer.concat(parts);
    // The zlib header (deflate; no preset dictionary is needed to read stored blocks) once, then a
    // non-final stored block: 0x00, LEN and its one's complement (little-endian), the bytes; then
    // an empty stored block, as a sync flush ends: Go's inflater hands out a block's bytes only
    // once it has read the next block's header.
    const start = this.headerStreamStarted ? [] : [Buffer.from([0x78, 0x01])];
    this.headerStreamStarted = true;
    const stored = Buffer.alloc(5);
    stored.writeUInt16LE(raw.length, 1);
    stored.writeUInt16LE(~raw.length & 0xffff, 3);
    return Buffer.concat([...start, stored, raw, Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff])]);
  }

  /** @param {number} type @param {number} flags @param {Buffer} payload */
  control(type, flags, payload) {
    const header = Buffer.alloc(8);
    header.writeUInt16BE(0x8003, 0);
    header.writeUInt16BE(type, 2);
    header[4] = flags;
    header.writeUIntBE(payload.length, 5, 3);
    return Buffer.concat([header, payload]);
  }

  /** @param {number} streamId @param {Record<string, string>} [headers] @param {boolean} [fin] */
  synReply(streamId, headers = {}, fin = false) {
    return this.control(SYN_REPLY, fin ? FLAG_FIN : 0, Buffer.concat([u32(streamId), this.headerBlock(headers)]));
  }

  /** @param {number} streamId @param {number} status */
  rstStream(streamId, status) {
    return this.control(RST_STREAM, 0, Buffer.concat([u32(streamId), u32(status)]));
  }

  /** @param {number} lastGoodStreamId @param {number} [status] */
  goAway(lastGoodStreamId, status = 0) {
    return this.control(GOAWAY, 0, Buffer.concat([u32(lastGoodStreamId), u32(status)]));
  }

  /** @param {number} streamId @param {Buffer} data @param {boolean} [fin] */
  data(streamId, data, fin = false) {
    const header = Buffer.alloc(8);
    header.writeUInt32BE(streamId & 0x7fffffff, 0);
    header[4] = fin ? FLAG_FIN : 0;
    header.writeUIntBE(data.length, 5, 3);
    return Buffer.concat([header, data]);
  }
}

/** @param {number} n */
function u32(n) {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}
