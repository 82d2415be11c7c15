/**
 * The INI subset cdpcli's files use, read as Python's configparser reads them: "[section]",
 * "key = value" or "key: value", "#" and ";" comment lines, and indented continuation lines (joined
 * with "\n"). Keys are lower-cased; values are trimmed.
 */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  let lastKey: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*([#;].*)?$/.test(line)) continue;
    if (/^\s/.test(line) && current && lastKey !== undefined) {
      const previous = current.get(lastKey) ?? '';
      current.set(lastKey, previous ? `${previous}\n${line.trim()}` : line.trim());
      continue;
    }
    const section = /^\[([^\]]+)\]\s*$/.exec(line);
    if (section) {
      const name = section[1].trim();
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      lastKey = undefined;
      continue;
    }
    const pair = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (pair && current) {
      lastKey = pair[1].trim().toLowerCase();
      current.set(lastKey, pair[2].trim());
    }
  }
  return sections;
}
