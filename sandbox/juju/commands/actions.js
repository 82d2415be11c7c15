// @ts-check
// juju actions [options] <application>   (alias list-actions)
// The actions the application's charm declares: name -> description, or with --schema the JSON
// schema juju validates `juju run` parameters with (YAML unless --format json). Tabular by default.
import { FORMAT_FLAG, MODEL_FLAGS, OUTPUT_FLAG } from '../lib/args.js';
import { JujuError } from '../lib/errors.js';
import { sortKeys, table, toJson, toYaml } from '../lib/format.js';
import { getApplication, isValidApplicationName, resolveModel } from '../lib/model.js';
import { actionSchema, actionSpecs } from '../lib/schema.js';

/** @typedef {{ model?: string, format: string, output?: string, schema?: boolean }} ActionsFlags */

/** @type {import('../lib/types.js').ControllerCommand<ActionsFlags>} */
export default {
  name: 'actions',
  aliases: ['list-actions'],
  needsController: true,
  flags: [...MODEL_FLAGS, FORMAT_FLAG(['default', 'json', 'tabular', 'yaml'], 'default'), OUTPUT_FLAG, { names: ['schema'] }],
  init(args, flags) {
    if (flags.format === 'tabular' && flags.schema) throw JujuError.usage('full schema not compatible with tabular output');
    if (args.length === 0) throw JujuError.usage('no application name specified');
    if (!isValidApplicationName(args[0])) throw JujuError.usage(`invalid application name ${JSON.stringify(args[0])}`);
    if (args.length > 1) throw JujuError.usage(`unrecognized args: ["${args.slice(1).join('" "')}"]`);
  },
  run({ flags, args, state, out, err, env }) {
    const { model } = resolveModel(state, flags.model, env);
    const app = getApplication(model, args[0]);
    const specs = actionSpecs(app);
    if (flags.schema) {
      const schemas = Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, actionSchema(app, name, spec, state.jujuVersion)]));
      out(flags.format === 'json' ? toJson(sortKeys(schemas)) : toYaml(sortKeys(schemas)));
      return;
    }
    const short = Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, spec.description || 'No description']));
    if (flags.format === 'json') return out(toJson(sortKeys(short)));
    if (flags.format === 'yaml') return out(toYaml(sortKeys(short)));
    const names = Object.keys(short).sort();
    if (!names.length) return err(`No actions defined for ${args[0]}.\n`);
    out(`${table([['Action', 'Description'], ...names.map((n) => [n, short[n]])])}\n`);
  },
};
