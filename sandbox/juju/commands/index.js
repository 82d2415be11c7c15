// @ts-check
// The emulated juju subcommands, one module each. A module exports
// { name, aliases?, needsController, flags, init?(args), run(ctx) }; see lib/main.js for ctx.
import actions from './actions.js';
import config from './config.js';
import scaleApplication from './scale-application.js';
import showUnit from './show-unit.js';
import run from './run.js';
import showTask from './show-task.js';
import ssh from './ssh.js';
import status from './status.js';
import version from './version.js';

/** @type {Map<string, import('../lib/types.js').Command>} */
export const COMMANDS = new Map();
for (const command of [status, scaleApplication, config, showUnit, version, run, showTask, actions, ssh]) {
  COMMANDS.set(command.name, command);
  for (const alias of command.aliases ?? []) COMMANDS.set(alias, command);
}
