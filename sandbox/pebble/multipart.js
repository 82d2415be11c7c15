// @ts-check
// multipart/form-data as Go's mime/multipart writes it (what pebble's client and daemon exchange
// for push and pull), and a streaming reader: part bodies are handed on in pieces as they arrive,
// with the handlers' promises awaited, so a 1 GiB file is never held in memory.
// No imports but node's own: /charm/bin/pebble loads this file inside the container too.
import { randomBytes } from 'node:crypto';

/** Go's Writer.randomBoundary: 30 random bytes, hex. */
export const newBoundary = () => randomBytes(30).toString('hex');

/** Go's quoteEscaper, for filename="..." and name="...". @param {string} s */
export const escapeQuotes = (s) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

/**
 * The bytes that open a part (Go's CreatePart: headers sorted by name).
 * @param {string} boundary @param {Record<string, string>} headers @param {boolean} first
 */
export function partStart(boundary, headers, first) {
  const lines = Object.keys(headers)
    .sort()
    .map((k) => `${k}: ${headers[k]}\r\n`)
    .join('');
  return `${first ? '' : '\r\n'}--${boundary}\r\n${lines}\r\n`;
}

/** The bytes that close the body (Go's Writer.Close). @param {string} boundary */
export const closing = (boundary) => `\r\n--${boundary}--\r\n`;

/**
 * Parameters of a Content-Disposition or Content-Type value: 'form-data; name="files"; filename="/a"'.
 * @param {string} value @returns {{ type: string, params: Record<string, string> }}
 */
export function parseHeaderValue(value) {
  const [type, ...rest] = splitUnquoted(value);
  /** @type {Record<string, string>} */
  const params = {};
  for (const p of rest) {
    const at = p.indexOf('=');
    if (at < 0) continue;
    let v = p.slice(at + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    params[p.slice(0, at).trim().toLowerCase()] = v;
  }
  return { type: (type ?? '').trim().toLowerCase(), params };
}

/** Splits on ';' outside double quotes. @param {string} s */
function splitUnquoted(s) {
  /** @type {string[]} */
  const out = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && quoted) {
      cur += c + (s[++i] ?? '');
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ';' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/**
 * Reads a multipart body from an async iterable of Buffers. For each part: part(headers, name,
 * filename), then data(chunk) for each piece of its body, then done(). Throws on a malformed body,
 * and with 'unexpected EOF' (as Go's reader says it) when the body ends inside a part.
 * @param {AsyncIterable<Buffer>} source @param {string} boundary
 * @param {{ part: (headers: Record<string, string>, name: string, filename: string) => unknown,
 *   data: (chunk: Buffer) => unknown, done: () => unknown }} on
 */
export async function readMultipart(source, boundary, on) {
  const dash = Buffer.from(`--${boundary}`);
  const delim = Buffer.from(`\r\n--${boundary}`);
  /** @type {Buffer} */
  let buf = Buffer.alloc(0);
  /** @type {{ at: 'preamble' | 'after-boundary' | 'headers' | 'body' | 'end' }} */
  const st = { at: 'preamble' };
  const step = async () => {
    for (;;) {
      if (st.at === 'preamble') {
        const at = buf.indexOf(dash);
        if (at < 0) return;
        buf = buf.subarray(at + dash.length);
        st.at = 'after-boundary';
      } else if (st.at === 'after-boundary') {
        if (buf.length < 2) return;
        if (buf[0] === 0x2d && buf[1] === 0x2d) {
          st.at = 'end';
          return;
        }
        const eol = buf.indexOf('\r\n');
        if (eol < 0) return;
        if (buf.subarray(0, eol).toString('latin1').trim() !== '')
          throw new Error('multipart: expecting a new Part; got line ' + JSON.stringify(buf.subarray(0, eol).toString()));
        buf = buf.subarray(eol + 2);
        st.at = 'headers';
      } else if (st.at === 'headers') {
        const end = buf.indexOf('\r\n\r\n');
        const blank = buf.subarray(0, 2).toString() === '\r\n';
        if (end < 0 && !blank) return;
        const raw = blank ? '' : buf.subarray(0, end).toString('utf8');
        buf = buf.subarray(blank ? 2 : end + 4);
        /** @type {Record<string, string>} */
        const headers = {};
        for (const line of raw.split('\r\n').filter(Boolean)) {
          const colon = line.indexOf(':');
          if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        const { params } = parseHeaderValue(headers['content-disposition'] ?? '');
        await on.part(headers, params.name ?? '', params.filename ?? '');
        st.at = 'body';
      } else if (st.at === 'body') {
        const at = buf.indexOf(delim);
        if (at < 0) {
          const keep = Math.min(buf.length, delim.length - 1);
          if (buf.length > keep) {
            const piece = buf.subarray(0, buf.length - keep);
            buf = buf.subarray(buf.length - keep);
            await on.data(piece);
          }
          return;
        }
        if (at > 0) await on.data(buf.subarray(0, at));
        buf = buf.subarray(at + delim.length);
        await on.done();
        st.at = 'after-boundary';
      } else return;
    }
  };
  for await (const chunk of source) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    await step();
    if (st.at === 'end') return;
  }
  if (st.at !== 'end') throw new Error('unexpected EOF');
}
