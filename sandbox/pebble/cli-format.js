// @ts-check
// What the pebble CLI's text output is made of, as Go writes it: text/tabwriter with pebble's
// settings (minwidth 5, padding 2, spaces), os.FileMode.String(), x-go's quantity.FormatAmount,
// timeutil.Human ("today at 15:04 UTC"; the container has no /etc/localtime, so UTC), the log
// time format, and cli.fill (error messages wrapped at 72 columns, continuation lines indented 7).
// No imports: /charm/bin/pebble loads this file inside the container.

/** tabwriter.NewWriter(w, 5, 3, 2, ' ', 0) over tab-separated lines (the last cell is not padded). @param {string[][]} rows */
export function tabwrite(rows) {
  /** @type {number[]} */
  const widths = [];
  for (const row of rows) row.slice(0, -1).forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 5, [...cell].length + 2)));
  return rows.map((row) => row.map((cell, i) => (i < row.length - 1 ? cell + ' '.repeat(widths[i] - [...cell].length) : cell)).join('') + '\n').join('');
}

/** os.FileMode(type bits | perm).String() for pebble's file types. @param {string} type @param {number} perm */
export function modeString(type, perm) {
  const t = { file: '-', directory: 'd', symlink: 'L', socket: 'S', 'named-pipe': 'p', device: 'D' }[type] ?? '?';
  const rwx = 'rwxrwxrwx';
  let s = '';
  for (let i = 0; i < 9; i++) s += perm & (1 << (8 - i)) ? rwx[i] : '-';
  return t + s;
}

/** quantity.FormatAmount(amount, width). @param {number} amount @param {number} width */
export function formatAmount(amount, width) {
  if (width < 0) width = 5;
  let max = 5000;
  let maxFloat = 999.5;
  if (width < 4) {
    width = 3;
    max = 999;
    maxFloat = 99.5;
  }
  if (amount <= max) {
    const pad = width > 5 ? ' ' : '';
    return String(amount).padStart(width - pad.length) + pad;
  }
  let prefix = '';
  let r = amount;
  for (const p of 'kMGTPEZY') {
    prefix = p;
    r /= 1000;
    if (r < maxFloat) break;
  }
  width--;
  let digits = 3;
  if (r < 99.5) {
    digits--;
    if (r < 9.5) {
      digits--;
      if (r < 0.95) digits--;
    }
  }
  const precision = width - digits > 1 ? width - digits - 1 : 0;
  const s = (r.toFixed(precision) + prefix).padStart(width + 1);
  return r < 0.95 ? s.slice(1) : s;
}

const pad2 = (/** @type {number} */ n) => String(n).padStart(2, '0');

/** RFC 3339 in UTC, seconds: "2025-06-10T12:00:00Z". @param {Date} t */
export const rfc3339 = (t) => t.toISOString().replace(/\.\d+Z$/, 'Z');

/** timeutil.Human in UTC. @param {Date} then @param {Date} [now] */
export function human(then, now = new Date()) {
  const day = (/** @type {Date} */ d) => Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) / 86_400_000;
  const d = day(then) - day(now);
  const hm = `${pad2(then.getUTCHours())}:${pad2(then.getUTCMinutes())} UTC`;
  if (d < -1 && d >= -60) return `${-d} days ago, at ${hm}`;
  if (d === -1) return `yesterday at ${hm}`;
  if (d === 0) return `today at ${hm}`;
  if (d === 1) return `tomorrow at ${hm}`;
  if (d > 1 && d <= 60) return `in ${d} days, at ${hm}`;
  return then.toISOString().slice(0, 10);
}

/** "2006-01-02T15:04:05.000Z07:00" of a UTC time. @param {Date} t */
export const logTime = (t) => t.toISOString();

/** cli.fill(msg, len("error: ")) for a terminal-less stdout (80 columns). @param {string} msg */
export function fill(msg) {
  const width = 79 - 7;
  const out = [];
  for (const para of msg.split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out.join('\n       ').trim();
}
