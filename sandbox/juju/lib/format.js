// @ts-check
// Output formats of the emulated juju: YAML as go-yaml writes it, JSON as encoding/json writes it
// (one line), and Juju's time formats.

/** `juju ... --format json`: cmd.FormatJson is json.Marshal plus a newline, so one line. @param {unknown} value */
export function toJson(value) {
  return `${JSON.stringify(value)}\n`;
}

/**
 * `--format yaml`: block style, list items at the parent key's indentation, multi-line strings as
 * literal blocks, and quotes only where a plain scalar would read back as something else.
 * @param {unknown} value
 */
export function toYaml(value) {
  if (!isCollection(value) || isEmpty(value)) return `${scalar(value)}\n`;
  return `${block(value, 0).join('\n')}\n`;
}

/** @param {unknown} v @returns {v is object} */
function isCollection(v) {
  return v !== null && typeof v === 'object';
}

/** @param {object} v */
function isEmpty(v) {
  return Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0;
}

/** @param {object} value @param {number} indent @returns {string[]} */
function block(value, indent) {
  const pad = ' '.repeat(indent);
  const lines = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isCollection(item) && !isEmpty(item)) {
        const inner = block(item, indent + 2);
        lines.push(`${pad}- ${inner[0].slice(indent + 2)}`, ...inner.slice(1));
      } else {
        lines.push(...entry(`${pad}-`, item, indent + 2));
      }
    }
    return lines;
  }
  for (const [k, v] of Object.entries(value)) {
    const key = `${pad}${scalar(k)}:`;
    if (Array.isArray(v) && v.length) lines.push(key, ...block(v, indent));
    else if (isCollection(v) && !isEmpty(v)) lines.push(key, ...block(v, indent + 2));
    else lines.push(...entry(key, v, indent + 2));
  }
  return lines;
}

/**
 * One `key: value` (or `- value`) whose value is a scalar, an empty collection or a text block.
 * @param {string} prefix @param {unknown} v @param {number} indent
 */
function entry(prefix, v, indent) {
  if (typeof v === 'string' && v.includes('\n') && !/[\r\t]|^\s/.test(v) && !/\n\s*\n$/.test(v)) {
    const chomp = v.endsWith('\n') ? '' : '-';
    const body = (chomp ? v : v.slice(0, -1)).split('\n');
    return [`${prefix} |${chomp}`, ...body.map((l) => (l ? ' '.repeat(indent) + l : ''))];
  }
  return [`${prefix} ${scalar(v)}`];
}

const YAML11_SPECIAL = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~)$/;
const NUMBERISH = /^[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|0x[0-9a-fA-F_]+|0o?[0-7_]+|\.inf|\.Inf|\.nan|\.NaN)$/;
const SAFE_PLAIN = /^[A-Za-z0-9_./(][^\n\t]*$/;

/** @param {unknown} v */
function scalar(v) {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (Array.isArray(v)) return '[]';
  if (typeof v === 'object') return '{}';
  const s = String(v);
  if (s === '' || YAML11_SPECIAL.test(s) || NUMBERISH.test(s) || !SAFE_PLAIN.test(s) || /:\s|:$|\s#|\s$/.test(s) || /^\d{4}-\d{2}-\d{2}/.test(s)) {
    return JSON.stringify(s);
  }
  return s;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** @param {number} n */
const two = (n) => String(n).padStart(2, '0');

/** @param {number} ms @param {boolean} utc */
function parts(ms, utc) {
  const d = new Date(ms);
  const offsetMin = utc ? 0 : -d.getTimezoneOffset();
  const local = new Date(ms + offsetMin * 60_000);
  const zone = offsetMin === 0 ? 'Z' : `${offsetMin > 0 ? '+' : '-'}${two(Math.floor(Math.abs(offsetMin) / 60))}:${two(Math.abs(offsetMin) % 60)}`;
  return { d: local, zone };
}

/** A status `since`, as Juju prints it: "24 Feb 2025 12:03:17+13:00" (Go "02 Jan 2006 15:04:05Z07:00"). @param {number} ms */
export function formatSince(ms, utc = false) {
  const { d, zone } = parts(ms, utc);
  return `${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}${zone}`;
}

/** The controller timestamp at the end of a status: "12:04:55+13:00". @param {number} ms */
export function formatClock(ms, utc = false) {
  const { d, zone } = parts(ms, utc);
  return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}${zone}`;
}

/** Left-aligned columns separated by two spaces, as Juju's tabular writer prints them. @param {unknown[][]} rows */
export function table(rows) {
  /** @type {number[]} */
  const widths = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, String(cell).length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? String(cell) : String(cell).padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Map keys sorted at every level, as Go's encoding/json and go-yaml print maps. @param {unknown} value @returns {unknown} */
export function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const map = /** @type {Record<string, unknown>} */ (value);
  return Object.fromEntries(
    Object.keys(map)
      .sort()
      .map((k) => [k, sortKeys(map[k])]),
  );
}

/**
 * Go's time.Time.String() for a whole-second time: "2015-02-14 08:17:00 +0000 UTC" with --utc,
 * else local time with the zone's abbreviation ("+1300 NZDT"), or "+13" where it has none.
 * @param {number} ms
 */
export function goTime(ms, utc = false) {
  const d = new Date(Math.floor(ms / 1000) * 1000);
  const offsetMin = utc ? 0 : -d.getTimezoneOffset();
  const local = new Date(d.getTime() + offsetMin * 60_000);
  const date = `${local.getUTCFullYear()}-${two(local.getUTCMonth() + 1)}-${two(local.getUTCDate())}`;
  const time = `${two(local.getUTCHours())}:${two(local.getUTCMinutes())}:${two(local.getUTCSeconds())}`;
  const sign = offsetMin < 0 ? '-' : '+';
  const hh = two(Math.floor(Math.abs(offsetMin) / 60));
  const mm = two(Math.abs(offsetMin) % 60);
  let abbr = 'UTC';
  if (offsetMin !== 0 || (!utc && process.env.TZ && !/^(UTC|Etc\/UTC|GMT|)$/.test(process.env.TZ))) {
    const name = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? '';
    abbr = /^[A-Z]{2,5}$/.test(name) && !name.startsWith('GMT') ? name : `${sign}${hh}${mm === '00' ? '' : mm}`;
  }
  return `${date} ${time} ${sign}${hh}${mm} ${abbr}`;
}
