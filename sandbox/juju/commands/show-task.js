// @ts-check
// juju show-task [options] <task ID>
// Shows the task at once (the default --wait is -1s), or blocks until it is done for --wait <d>
// (0 or --watch: for ever); a wait that runs out says "ERROR maximum wait time reached" (exit 1)
// and prints nothing. json and yaml print the task's own map (not keyed by unit); plain (the
// default) prints it the way juju run does (cmd/juju/action/showtask.go).
import { setTimeout as sleep } from 'node:timers/promises';
import { FORMAT_FLAG, MODEL_FLAGS, OUTPUT_FLAG } from '../lib/args.js';
import { durationFlag, timeScale } from '../lib/duration.js';
import { JujuError } from '../lib/errors.js';
import { resolveModel } from '../lib/model.js';
import { formatTasks } from '../lib/output.js';
import { loadState } from '../lib/state.js';
import { advance, findTask, isTerminal, phaseOf, taskView } from '../lib/tasks.js';

/** @typedef {{ model?: string, format: string, output?: string, wait?: string, watch?: boolean, utc?: boolean }} ShowTaskFlags */

const ACTION_ID = /^(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** @type {import('../lib/types.js').ControllerCommand<ShowTaskFlags>} */
export default {
  name: 'show-task',
  needsController: true,
  flags: [
    ...MODEL_FLAGS,
    FORMAT_FLAG(['json', 'plain', 'yaml'], 'plain'),
    OUTPUT_FLAG,
    { names: ['wait'], value: true },
    { names: ['watch'] },
    { names: ['utc'] },
  ],
  init(args, flags) {
    if (flags.watch && flags.wait !== undefined) throw JujuError.usage('specify either --watch or --wait but not both');
    if (flags.wait !== undefined) durationFlag(flags.wait, 'wait');
    if (args.length === 0) throw JujuError.usage('no task ID specified');
    if (args.length > 1) throw JujuError.usage(`unrecognized args: ["${args.slice(1).join('" "')}"]`);
    if (!ACTION_ID.test(args[0])) throw JujuError.usage(`task ID ${JSON.stringify(args[0])} not valid`);
  },
  async run({ flags, args, state, stateFile, env, out, signal }) {
    const id = args[0];
    resolveModel(state, flags.model, env);
    const waitMs = flags.watch ? 0 : flags.wait === undefined ? -1000 : durationFlag(flags.wait, 'wait');
    const deadline = waitMs < 0 ? -Infinity : waitMs === 0 ? Infinity : Date.now() + waitMs * timeScale(state, env);
    let view;
    for (;;) {
      await advance(stateFile, env);
      const now = Date.now();
      const found = findTask(loadState(stateFile), id);
      if (!found) throw new JujuError(`action ${JSON.stringify(id)} not found`);
      const phase = phaseOf(found.task, now);
      if (waitMs < 0 || isTerminal(phase)) {
        view = taskView(found.task, now, Boolean(flags.utc));
        break;
      }
      if (now >= deadline) throw new JujuError('maximum wait time reached');
      await sleep(Math.max(1, Math.min(100, deadline - now)), undefined, { signal });
    }
    out(flags.format === 'plain' ? formatTasks('plain', { [id]: view }) : formatTasks(flags.format, view));
  },
};
