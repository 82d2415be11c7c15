// @ts-check
// Looking up what a command names: the model (-m, JUJU_MODEL or the current one), applications and
// units, failing with the messages juju prints.
import { JujuError, messages } from './errors.js';

/** @import { Application, Endpoint, Model, Relation, State } from './types.js' */

/**
 * Resolves "[controller:][owner/]model" or a model UUID.
 * @param {State} state @param {string | undefined} spec @param {NodeJS.ProcessEnv} [env]
 * @returns {{ name: string, model: Model }}
 */
export function resolveModel(state, spec, env = process.env) {
  const wanted = spec || env.JUJU_MODEL || state.currentModel;
  if (!wanted) throw new JujuError('no current model, use juju switch to select a model on which to operate');
  const byUuid = Object.entries(state.models).find(([, m]) => m.uuid === wanted);
  if (byUuid) return { name: byUuid[0], model: byUuid[1] };
  let rest = wanted;
  let controller = state.controller.name;
  if (rest.includes(':')) [controller, rest] = [rest.slice(0, rest.indexOf(':')), rest.slice(rest.indexOf(':') + 1)];
  if (controller !== state.controller.name) throw new JujuError(`controller ${controller} not found`);
  const [owner, name] = rest.includes('/') ? rest.split('/', 2) : ['admin', rest];
  const model = state.models[name];
  if (!model || model.owner !== owner) throw new JujuError(messages.modelNotFound(state.controller.name, `${owner}/${name}`));
  return { name, model };
}

/** @param {Model} model @param {string} name @returns {Application} */
export function getApplication(model, name) {
  const app = model.applications[name];
  if (!app) throw new JujuError(messages.applicationNotFound(name));
  return app;
}

const APP_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*$/;

/** @param {string} name */
export function isValidApplicationName(name) {
  return APP_NAME.test(name);
}

/** @param {string} name */
export function isValidUnitName(name) {
  const m = /^(.+)\/(\d+)$/.exec(name);
  return Boolean(m && isValidApplicationName(m[1]));
}

/** Shell-style matching as `juju status` selectors use it (only * is special). @param {string} pattern @param {string} text */
export function glob(pattern, text) {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(text);
}

/** The relations an application takes part in, each with its own side and the other one. @param {Model} model @param {string} appName */
export function relationsOf(model, appName) {
  /** @type {{ relation: Relation, own: Endpoint, other: Endpoint }[]} */
  const found = [];
  for (const rel of model.relations) {
    const own = rel.endpoints.find((e) => e.app === appName);
    if (!own) continue;
    const other = rel.endpoints.find((e) => e !== own) ?? own;
    found.push({ relation: rel, own, other });
  }
  return found;
}
