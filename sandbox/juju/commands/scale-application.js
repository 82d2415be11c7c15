// @ts-check
// juju scale-application [options] <application> <scale>
// Sets the desired scale and returns at once ("<app> scaled to <n> units" on stderr); the units
// then come and go over the sandbox's settle times (lib/lifecycle.js).
import { MODEL_FLAGS } from '../lib/args.js';
import { JujuError } from '../lib/errors.js';
import { scaleTo, timingFor } from '../lib/lifecycle.js';
import { getApplication, isValidApplicationName, resolveModel } from '../lib/model.js';

/** @type {import('../lib/types.js').ControllerCommand<{ model?: string }>} */
export default {
  name: 'scale-application',
  needsController: true,
  flags: [...MODEL_FLAGS],
  init(args) {
    if (args.length === 0) throw JujuError.usage('no application specified');
    if (!isValidApplicationName(args[0])) throw JujuError.usage(`invalid application name "${args[0]}"`);
    if (args.length === 1) throw JujuError.usage('no scale specified');
    if (!/^[-+]?\d+$/.test(args[1])) throw JujuError.usage(`invalid scale "${args[1]}": strconv.Atoi: parsing "${args[1]}": invalid syntax`);
    if (Number(args[1]) < 0) throw JujuError.usage('scale must be a positive integer');
    if (args.length > 2) throw JujuError.usage(`unrecognized args: ["${args.slice(2).join('" "')}"]`);
  },
  run({ flags, args, state, mutate, err, env }) {
    const [appName, n] = [args[0], Number(args[1])];
    resolveModel(state, flags.model, env); // fails before taking the lock
    mutate((s) => {
      const { model } = resolveModel(s, flags.model, env);
      const app = getApplication(model, appName);
      const failure = s.faults.scaleFails?.[appName];
      if (failure)
        throw new JujuError(`could not scale application "${appName}": ${typeof failure === 'string' ? failure : 'scaling is blocked by the controller'}`);
      scaleTo(app, n, Date.now(), timingFor(s, appName), Boolean(s.faults.neverSettle?.[appName]));
    });
    err(`${appName} scaled to ${n} units\n`);
  },
};
