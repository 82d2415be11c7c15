// @ts-check
// Command-line parsing the way juju's gnuflag does it: --long and -s options, "=value" or the next
// argument as the value, options anywhere among the arguments, "--" ends them. A bad option is a
// usage error: juju prints "ERROR <message>" and exits 2.
import { JujuError } from './errors.js';

/** @import { FlagSpec, Flags } from './types.js' */

/**
 * Options every model command takes (modelcmd.ModelCommandBase and cmd.Output).
 * @type {FlagSpec[]}
 */
export const MODEL_FLAGS = [{ names: ['m', 'model'], value: true }, { names: ['B', 'no-browser-login'] }];

/** @param {string[]} formats @param {string} dflt @returns {FlagSpec} */
export const FORMAT_FLAG = (formats, dflt) => ({ names: ['format'], value: true, default: dflt, formats });
/** @type {FlagSpec} */
export const OUTPUT_FLAG = { names: ['o', 'output'], value: true };

/**
 * @param {string[]} argv the arguments after the subcommand
 * @param {FlagSpec[]} specs
 * @returns {{ flags: Flags, args: string[] }} flags keyed by their first long name
 */
export function parseArgs(argv, specs) {
  /** @type {Map<string, FlagSpec>} */
  const byName = new Map();
  for (const spec of specs) for (const n of spec.names) byName.set(n, spec);
  /** @param {FlagSpec} spec */
  const key = (spec) => spec.names.find((n) => n.length > 1) ?? spec.names[0];
  /** @type {Flags} */
  const flags = {};
  for (const spec of specs) if (spec.default !== undefined) flags[key(spec)] = spec.default;
  const args = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      args.push(a);
      continue;
    }
    const m = /^(--?)([^=]+)(?:=(.*))?$/s.exec(a);
    const name = m?.[2] ?? a;
    const spec = byName.get(name);
    if (!spec) throw JujuError.usage(`option provided but not defined: ${m?.[1] ?? ''}${name}`);
    let value = m?.[3];
    if (spec.value) {
      if (value === undefined) {
        if (i + 1 >= argv.length) throw JujuError.usage(`option needs an argument: ${a}`);
        value = argv[++i];
      }
      if (spec.formats && !spec.formats.includes(value)) {
        throw JujuError.usage(`invalid value "${value}" for option ${a.split('=')[0]}: unknown format "${value}"`);
      }
      flags[key(spec)] = value;
    } else {
      if (value !== undefined && !/^(true|false|1|0|t|f|TRUE|FALSE|True|False)$/.test(value)) {
        throw JujuError.usage(`invalid value "${value}" for flag ${m?.[1]}${name}: parse error`);
      }
      flags[key(spec)] = value === undefined ? true : /^(true|1|t|TRUE|True)$/.test(value);
    }
  }
  return { flags, args };
}
