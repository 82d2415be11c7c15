// @ts-check
// The pebble CLI's command lines as go-flags parses them: flags anywhere, -m644 and -m 644,
// --uid=5 and --uid 5, "--", and go-flags' wording of what is wrong ("unknown flag `x'",
// "the required argument `<path>` was not provided"). Node's modules only (runs in the container).

/**
 * Parses argv for one command.
 * @param {string[]} argv
 * @param {{ flags: Record<string, { short?: string, value?: 'string' | 'int', choices?: string[] }>, positional: string[], required: number, rest?: boolean }} spec
 *   flags: long name (or the short letter when there is no long one) -> how it parses
 */
export function parseArgs(argv, spec) {
  /** @type {Record<string, string | number | boolean>} */
  const opts = {};
  /** @type {string[]} */
  const args = [];
  const byShort = new Map(Object.entries(spec.flags).map(([name, f]) => [f.short ?? (name.length === 1 ? name : ''), name]));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    /** @type {[string, string, string | undefined][]} */
    const found = [];
    if (a.startsWith('--') && a.length > 2) {
      const [name, inline] = a.slice(2).split(/=(.*)/s);
      if (!spec.flags[name] || name.length === 1) throw new Error(`unknown flag \`${name}'`);
      found.push([name, `--${name}`, inline]);
    } else if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const name = byShort.get(a[j]);
        if (!name) throw new Error(`unknown flag \`${a[j]}'`);
        if (spec.flags[name].value) {
          found.push([name, `-${a[j]}`, a.slice(j + 1) || undefined]);
          break;
        }
        found.push([name, `-${a[j]}`, undefined]);
      }
    } else {
      args.push(a);
      continue;
    }
    for (const [name, shown, inline] of found) {
      const f = spec.flags[name];
      if (!f.value) {
        opts[name] = true;
        continue;
      }
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`expected argument for flag \`${shown}'`);
      if (f.choices && !f.choices.includes(v)) {
        const allowed = f.choices.length > 1 ? `${f.choices.slice(0, -1).join(', ')} or ${f.choices.at(-1)}` : f.choices[0];
        throw new Error(`Invalid value \`${v}' for option \`${shown}'. Allowed values are: ${allowed}`);
      }
      if (f.value === 'int') {
        if (!/^[+-]?\d+$/.test(v))
          throw new Error(`invalid argument for flag \`${shown}' (expected *int): strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
        opts[name] = Number(v);
      } else opts[name] = v;
    }
  }
  if (args.length < spec.required) {
    const names = spec.positional.slice(args.length, spec.required).map((n) => `\`${n}\``);
    throw new Error(
      names.length === 1
        ? `the required argument ${names[0]} was not provided`
        : `the required arguments ${names.slice(0, -1).join(', ')} and ${names.at(-1)} were not provided`,
    );
  }
  if (!spec.rest && args.length > spec.positional.length) throw new Error('too many arguments for command');
  return { opts, args };
}
