// @ts-check
// Label selectors as the apiserver parses them: a=b, a==b, a!=b, a in (x,y), a notin (x), a, !a.

/**
 * @param {string} text
 * @returns {(labels: Record<string, string> | undefined) => boolean}
 * @throws {Error} with the apiserver's wording for a malformed selector
 */
export function parseLabelSelector(text) {
  /** @type {((labels: Record<string, string>) => boolean)[]} */
  const requirements = [];
  for (const part of splitTopLevel(text ?? '')) {
    const s = part.trim();
    if (!s) continue;
    let m;
    if ((m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(s))) {
      const [, key, op, list] = m;
      const values = new Set(
        list
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean),
      );
      requirements.push(op === 'in' ? (l) => key in l && values.has(l[key]) : (l) => !(key in l) || !values.has(l[key]));
    } else if ((m = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(s))) {
      const [, key, op, value] = m;
      requirements.push(op === '!=' ? (l) => l[key] !== value : (l) => key in l && l[key] === value);
    } else if ((m = /^!\s*([\w./-]+)$/.exec(s))) {
      const key = m[1];
      requirements.push((l) => !(key in l));
    } else if ((m = /^([\w./-]+)$/.exec(s))) {
      const key = m[1];
      requirements.push((l) => key in l);
    } else {
      throw new Error(`unable to parse requirement: found '${s}', expected: identifier`);
    }
  }
  return (labels) => requirements.every((r) => r(labels ?? {}));
}

/** @param {string} text */
function splitTopLevel(text) {
  const parts = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}
