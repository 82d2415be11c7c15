// @ts-check
// juju config [options] <application> [--reset <key[,key]>] [<key>[=<value>] ...]
// All settings as {application, application-config, charm, settings} (YAML by default), one value
// in the "smart" format, or key=value to set. minio's secret-key is empty here as on a real
// deployment: the charm generates the key and only publishes it in relation data.
import { FORMAT_FLAG, MODEL_FLAGS, OUTPUT_FLAG } from '../lib/args.js';
import { JujuError } from '../lib/errors.js';
import { toJson, toYaml } from '../lib/format.js';
import { getApplication, resolveModel } from '../lib/model.js';
import { onIntegratorConfig } from '../lib/restore.js';

/** @import { Application } from '../lib/types.js' */
/**
 * @typedef {{ model?: string, format: string, output?: string, file?: string, reset?: string, 'no-color'?: boolean, color?: boolean }} ConfigFlags
 * @typedef {{ default?: unknown, description: string, source: string, type: string, value?: unknown }} Setting
 */

const TRUST_DESCRIPTION = 'Does this application have access to trusted credentials';

/** @type {import('../lib/types.js').ControllerCommand<ConfigFlags>} */
export default {
  name: 'config',
  needsController: true,
  flags: [
    ...MODEL_FLAGS,
    FORMAT_FLAG(['json', 'yaml'], 'yaml'),
    OUTPUT_FLAG,
    { names: ['file'], value: true },
    { names: ['reset'], value: true },
    { names: ['no-color'] },
    { names: ['color'] },
  ],
  init(args) {
    if (args.length === 0) throw JujuError.usage('no application name specified');
  },
  run({ flags, args, state, mutate, out, env }) {
    const { model } = resolveModel(state, flags.model, env);
    const [appName, ...rest] = args;
    const app = getApplication(model, appName);
    const sets = rest.filter((a) => a.includes('='));
    if (sets.length || flags.reset) {
      if (sets.length !== rest.length) throw JujuError.usage('cannot get value and set key=value pairs simultaneously');
      mutate((s) => {
        const { model: m } = resolveModel(s, flags.model, env);
        const target = getApplication(m, appName);
        /** @type {Record<string, unknown>} */
        const changed = {};
        for (const pair of sets) {
          const [key, value] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
          if (key === 'trust') target.trust = value === 'true';
          else target.config[key] = changed[key] = coerce(target, key, value);
        }
        for (const key of String(flags.reset ?? '')
          .split(',')
          .filter(Boolean)) {
          delete target.config[key];
          changed[key] = undefined;
        }
        if (target.charm === 's3-integrator') onIntegratorConfig(m, appName, changed);
      });
      return;
    }
    if (rest.length > 1) throw JujuError.usage('can only retrieve a single value, or all values');
    const settings = describeSettings(app);
    /** @type {Record<string, Setting>} */
    const appConfig = { trust: { default: false, description: TRUST_DESCRIPTION, source: app.trust ? 'user' : 'default', type: 'bool', value: app.trust } };
    if (rest.length === 1) {
      const key = rest[0];
      const entry = settings[key] ?? appConfig[key];
      if (!entry) throw new JujuError(`key "${key}" not found in "${appName}" application config or charm settings.`);
      const value = entry.value;
      if (flags.format === 'json') out(toJson(value ?? null));
      else out(value === undefined ? '\n' : `${value}\n`);
      return;
    }
    const all = { application: appName, 'application-config': appConfig, charm: app.charm, settings };
    out(flags.format === 'json' ? toJson(all) : toYaml(all));
  },
};

/** @param {Application} app @param {string} key @param {string} value */
function coerce(app, key, value) {
  const option = app.options[key];
  if (!option) throw new JujuError(`unknown option "${key}"`);
  if (option.type === 'int') {
    if (!/^-?\d+$/.test(value)) throw new JujuError(`option "${key}" expected int, got "${value}"`);
    return Number(value);
  }
  if (option.type === 'boolean') return value === 'true';
  return value;
}

/** Each option with its default, description, source (default/user/unset), type and value. @param {Application} app */
function describeSettings(app) {
  /** @type {Record<string, Setting>} */
  const settings = {};
  for (const key of Object.keys(app.options).sort()) {
    const o = app.options[key];
    const set = Object.hasOwn(app.config, key);
    const value = set ? app.config[key] : o.default;
    settings[key] = {
      ...(o.default !== undefined ? { default: o.default } : {}),
      description: o.description,
      source: set ? 'user' : o.default !== undefined ? 'default' : 'unset',
      type: o.type,
      ...(value !== undefined ? { value } : {}),
    };
  }
  return settings;
}
