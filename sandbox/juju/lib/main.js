// @ts-check
// The emulated juju's entry point: finds the subcommand, parses its options like gnuflag, applies
// the injected faults (slowness, unreachable controller, failing calls) and runs it.
//
// Faults live in the state file under "faults" (sandbox/juju/index.js sets them):
//   unreachable: true | "<message>"      every controller command fails like a dead API address
//   failNext: { count, message? }        the next `count` controller commands fail (then work again)
//   slowMs: n, slow: { <command>: n }    commands answer only after n ms
//   scaleFails: { <app>: true | "<why>" } scale-application fails for that application
//   neverSettle: { <app>: true }          units added or removed from now on never settle
//   unitErrors: { <unit>: true | "<message>" } the unit is in error once its charm has started
//   (charm actions: see lib/charm-actions.js, lib/mysql.js and lib/tasks.js)
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { COMMANDS } from '../commands/index.js';
import { parseArgs } from './args.js';
import { JujuError, messages } from './errors.js';
import { STATE_ENV, loadState, logCall, mutateState } from './state.js';
import { advance } from './tasks.js';

/** @import { Command, State } from './types.js' */

const USAGE = `Usage: juju [help] <command>

Summary:
Juju is model & application management software designed to leverage the power
of existing resource pools, particularly cloud-based ones.

(juju sandbox emulator: ${[...new Set(COMMANDS.values())].map((c) => c.name).join(', ')})
`;

/**
 * Runs one juju command line; resolves with its exit code. io defaults to this process's stdout and
 * stderr; the in-process runner (../in-process.js) passes its own, and a signal that stops the
 * command at its next wait as a killed process would stop (what it changed stays changed).
 * @param {string[]} argv
 * @param {NodeJS.ProcessEnv} [env]
 * @param {{ out?: (s: string) => void, err?: (s: string) => void, signal?: AbortSignal, stdin?: string }} [io]
 *   stdin: what the command reads from its stdin (this process's own by default)
 */
export async function main(argv, env = process.env, io = {}) {
  const out = io.out ?? ((s) => process.stdout.write(s));
  const err = io.err ?? ((s) => process.stderr.write(s));
  const { signal } = io;
  const readStdin = io.stdin !== undefined ? () => Promise.resolve(/** @type {string} */ (io.stdin)) : readProcessStdin;
  const stateFile = env[STATE_ENV];
  try {
    const [sub, ...rest] = argv;
    if (!sub || ['help', '--help', '-h'].includes(sub)) {
      out(USAGE);
      return 0;
    }
    if (stateFile && existsSync(stateFile)) logCall(stateFile, argv);
    /** @type {Command | undefined} */
    const command = COMMANDS.get(sub);
    if (!command) throw new JujuError(`juju: "${sub}" is not a juju command. See "juju --help".`);
    const { flags, args } = parseArgs(rest, [...command.flags, { names: ['h', 'help'] }]);
    if (flags.help) {
      out(`Usage: juju ${command.name} [options]\n`);
      return 0;
    }
    command.init?.(args, flags);
    const haveState = !!stateFile && existsSync(stateFile);
    if (command.needsController && !haveState) throw new JujuError(messages.noControllers);
    const loaded = haveState ? loadState(stateFile) : undefined;
    const delay = loaded?.faults?.slow?.[command.name] ?? loaded?.faults?.slowMs ?? 0;
    if (delay > 0) await sleep(delay, undefined, { signal });
    if (!command.needsController) {
      return (await command.run({ flags, args, state: loaded, env, now: Date.now(), out, err, signal, readStdin })) ?? 0;
    }
    if (!haveState || !loaded) throw new JujuError(messages.noControllers); // ruled out above, before the delay
    checkController(stateFile, loaded);
    await advance(stateFile, env); // actions started or finished since the last call
    const state = loadState(stateFile); // what the controller holds once the (slow) call gets there
    const code = await command.run({
      flags,
      args,
      state,
      stateFile,
      env,
      now: Date.now(),
      out,
      err,
      signal,
      readStdin,
      mutate: (fn) => mutateState(stateFile, fn),
    });
    return code ?? 0;
  } catch (e) {
    if (!(e instanceof JujuError)) throw e;
    err(`ERROR ${e.message}\n`);
    return e.code;
  }
}

/** @param {string} stateFile @param {State} state */
function checkController(stateFile, state) {
  const { unreachable, failNext } = state.faults ?? {};
  const refused = messages.unreachable(state.controller.address);
  if (unreachable) throw new JujuError(typeof unreachable === 'string' ? unreachable : refused);
  if (failNext && failNext.count > 0) {
    const message = mutateState(stateFile, (s) => {
      const f = s.faults.failNext;
      if (!f || f.count <= 0) return undefined;
      f.count -= 1;
      return f.message ?? refused;
    });
    if (message) throw new JujuError(message);
  }
}

/** @returns {Promise<string>} */
async function readProcessStdin() {
  if (process.stdin.isTTY) return '';
  /** @type {Buffer[]} */
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(/** @type {Buffer} */ (chunk));
  return Buffer.concat(chunks).toString('utf8');
}
