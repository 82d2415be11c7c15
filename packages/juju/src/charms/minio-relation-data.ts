import { ActionError, registerSecret } from '@ml-backup-actions/core';

/**
 * What minio publishes to kfp-ui on the object-storage relation: serialized-data-interface's
 * "nested" mode puts a YAML string under the application-data key `data` (yaml.safe_dump of
 * { access-key, namespace, port, secret-key, secure, service }, keys sorted).
 */
export interface ObjectStorageData {
  accessKey: string;
  secretKey: string;
  /** Hints for reaching MinIO: its port, service name and namespace, when published. */
  port?: number;
  service?: string;
  namespace?: string;
}

/**
 * Reads the relation's `data` payload. The secret-key is masked the moment it is parsed; no error
 * quotes the payload (it holds the secret), only line numbers and key names.
 */
export function parseObjectStorageData(text: string): ObjectStorageData {
  const fields = parseFlatYaml(text);
  const secretKey = fields['secret-key'] ?? '';
  registerSecret(secretKey);
  const accessKey = fields['access-key'] ?? '';
  const missing = [!accessKey && 'access-key', !secretKey && 'secret-key'].filter(Boolean);
  if (missing.length)
    throw new ActionError(`the object-storage relation data has no ${missing.join(' and ')} (keys present: ${Object.keys(fields).join(', ') || 'none'})`);
  const port = fields.port !== undefined && /^\d{1,5}$/.test(fields.port) ? Number(fields.port) : undefined;
  return {
    accessKey,
    secretKey,
    ...(port ? { port } : {}),
    ...(fields.service ? { service: fields.service } : {}),
    ...(fields.namespace ? { namespace: fields.namespace } : {}),
  };
}

/**
 * A YAML mapping of scalars, as PyYAML's safe_dump writes one: block style (`key: value` lines,
 * long values folded onto indented lines) or, from PyYAML before 5.1, one flow mapping
 * (`{key: value, ...}`). Values are plain, 'single-quoted' or "double-quoted" (with escapes).
 * Returns each value's text: plain scalars are not typed (port 9000 is "9000").
 */
export function parseFlatYaml(text: string): Record<string, string> {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const body = lines.filter((l) => !/^\s*(#.*)?$/.test(l) && !/^(---|\.\.\.)\s*$/.test(l));
  if (body.length && body[0].trimStart().startsWith('{')) return parseFlowMapping(body.map((l) => l.trim()).join(' '));
  const fields: Record<string, string> = {};
  let key: string | undefined;
  let value: string[] = [];
  let startLine = 0;
  const flush = () => {
    if (key !== undefined) fields[key] = scalar(value, startLine);
  };
  lines.forEach((line, i) => {
    if (/^(---|\.\.\.)\s*$/.test(line) || line.startsWith('#') || (key === undefined && !line.trim())) return;
    if (/^\s/.test(line) || line === '') {
      if (key === undefined) throw new ActionError(`the relation data's YAML is not a mapping of scalars (line ${i + 1} is indented where a key belongs)`);
      value.push(line);
      return;
    }
    const m = /^([A-Za-z0-9_][A-Za-z0-9_.-]*):(?:[ \t]+(.*))?$/.exec(line);
    if (!m) throw new ActionError(`the relation data's YAML is not a mapping of scalars (line ${i + 1} is not "key: value")`);
    flush();
    [key, value, startLine] = [m[1], [m[2] ?? ''], i + 1];
  });
  flush();
  return fields;
}

/** A scalar written over one or more lines: the first line's text after the key, then its continuation lines. */
function scalar(lines: string[], line: number): string {
  while (lines.length > 1 && !lines[lines.length - 1].trim()) lines.pop();
  const first = lines[0].trimStart();
  const bad = (why: string) => new ActionError(`the relation data's YAML value on line ${line} ${why}`);
  if (/^[|>]/.test(first)) throw bad('is a block scalar, which minio does not write');
  if (/^[!&*[{]/.test(first)) throw bad('uses YAML tags, anchors or collections, which minio does not write');
  if (first.startsWith("'") || first.startsWith('"')) {
    const raw = [first, ...lines.slice(1)].join('\n');
    const { value, rest } = quoted(raw, line);
    if (rest.trim() && !/^\s+#/.test(rest)) throw bad('has text after its closing quote');
    return value;
  }
  const plain = lines.map((l, i) => (i === 0 ? l.trim() : l)).map((l) => l.replace(/\s+#.*$/, ''));
  // ": " cannot be inside a plain scalar: an indented "key: value" here is a nested mapping
  if (plain.some((l) => /:(\s|$)/.test(l))) throw bad('holds a nested mapping or a ": ", which minio does not write');
  return fold(plain, false).trim();
}

/** Folds line breaks as YAML does: one break becomes a space, each further (empty) line a newline. */
function fold(lines: string[], keepTrailing: boolean): string {
  let out = '';
  let breaks = 0;
  lines.forEach((l, i) => {
    const text = i === 0 ? (keepTrailing ? l : l.trimEnd()) : l.trim();
    if (i > 0 && !text) {
      breaks++;
      return;
    }
    if (i > 0) out = out.trimEnd() + (breaks ? '\n'.repeat(breaks) : ' ');
    breaks = 0;
    out += text;
  });
  return out;
}

const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
};

/** A quoted scalar at the start of raw; returns its value and what follows the closing quote. */
function quoted(raw: string, line: number): { value: string; rest: string } {
  const q = raw[0];
  let i = 1;
  const segments: string[] = [];
  let current = '';
  for (;;) {
    if (i >= raw.length) throw new ActionError(`the relation data's YAML value on line ${line} has no closing quote`);
    const c = raw[i];
    if (c === q) {
      if (q === "'" && raw[i + 1] === "'") {
        current += "'";
        i += 2;
        continue;
      }
      segments.push(current);
      break;
    }
    if (c === '\n') {
      segments.push(current);
      current = '';
      i++;
      continue;
    }
    if (q === '"' && c === '\\') {
      const e = raw[i + 1];
      if (e === '\n') {
        // an escaped line break joins the lines with nothing between
        i += 2;
        while (raw[i] === ' ' || raw[i] === '\t') i++;
        continue;
      }
      const width = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
      if (width) {
        const hex = raw.slice(i + 2, i + 2 + width);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== width)
          throw new ActionError(`the relation data's YAML value on line ${line} has a bad \\${e} escape`);
        current += String.fromCodePoint(parseInt(hex, 16));
        i += 2 + width;
        continue;
      }
      if (!(e in ESCAPES)) throw new ActionError(`the relation data's YAML value on line ${line} has an unknown escape \\${e}`);
      current += ESCAPES[e];
      i += 2;
      continue;
    }
    current += c;
    i++;
  }
  return { value: foldQuoted(segments), rest: raw.slice(i + 1) };
}

/** Line folding inside quotes: edges of inner lines trimmed, one break a space, empty lines newlines. */
function foldQuoted(segments: string[]): string {
  if (segments.length === 1) return segments[0];
  let out = segments[0].replace(/[ \t]+$/, '');
  let breaks = 0;
  for (let k = 1; k < segments.length; k++) {
    const last = k === segments.length - 1;
    const text = last ? segments[k].replace(/^[ \t]+/, '') : segments[k].trim();
    if (!text && !last) {
      breaks++;
      continue;
    }
    out += breaks ? '\n'.repeat(breaks) : ' ';
    breaks = 0;
    out += text;
  }
  return out;
}

/** `{key: value, key: 'v', ...}` on one (joined) line. */
function parseFlowMapping(text: string): Record<string, string> {
  const bad = (why: string) => new ActionError(`the relation data's YAML flow mapping ${why}`);
  const t = text.trim();
  if (!t.endsWith('}')) throw bad('does not end with "}"');
  let rest = t.slice(1, -1).trim();
  const fields: Record<string, string> = {};
  while (rest) {
    const km = /^([A-Za-z0-9_][A-Za-z0-9_.-]*):\s*/.exec(rest);
    if (!km) throw bad('has an entry that is not "key: value"');
    rest = rest.slice(km[0].length);
    let value: string;
    if (rest.startsWith("'") || rest.startsWith('"')) {
      const q = quoted(rest, 1);
      value = q.value;
      rest = q.rest.trim();
    } else {
      const end = rest.indexOf(',');
      value = (end < 0 ? rest : rest.slice(0, end)).trim();
      rest = end < 0 ? '' : rest.slice(end);
      if (/^[!&*[{]/.test(value)) throw bad('uses YAML tags, anchors or collections');
    }
    fields[km[1]] = value;
    if (rest.startsWith(',')) rest = rest.slice(1).trim();
    else if (rest) throw bad('has text between entries');
  }
  return fields;
}
