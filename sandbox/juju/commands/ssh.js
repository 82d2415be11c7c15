// @ts-check
// juju ssh [options] <target> [command...]   on a Kubernetes model with --container
// As juju does it for a sidecar charm (cmd/juju/ssh/ssh_container.go, caas/.../exec/exec.go): the
// unit's pod, the named container (charm, or one the charm declares), the command's words joined
// with spaces and run as `sh -c "<joined>; "`, stdin passed through; the command's exit code is
// juju's. Of the programs a container has, only mysql-k8s's mysql client is emulated (databases.js).
import { MODEL_FLAGS } from '../lib/args.js';
import { mysqlClient } from '../lib/databases.js';
import { JujuError } from '../lib/errors.js';
import { resolveModel } from '../lib/model.js';
import { appView } from '../lib/lifecycle.js';
import { phaseOf } from '../lib/tasks.js';

/** @import { Application, Model } from '../lib/types.js' */

/** The containers each charm's metadata declares (besides `charm`). @type {Record<string, string[]>} */
const CONTAINERS = { 'mysql-k8s': ['mysql'], mlmd: ['mlmd-grpc-server'], minio: ['minio'] };

/** @type {import('../lib/types.js').ControllerCommand<{ model?: string, container?: string, pty?: boolean }>} */
export default {
  name: 'ssh',
  needsController: true,
  flags: [...MODEL_FLAGS, { names: ['container'], value: true }, { names: ['pty'] }, { names: ['no-host-key-checks'] }, { names: ['proxy'] }],
  init(args) {
    if (args.length === 0) throw JujuError.usage('no target name specified');
  },
  async run({ flags, args, state, env, now, out, err, readStdin }) {
    const { model } = resolveModel(state, flags.model, env);
    const [target, ...words] = args;
    const m = /^([a-z][a-z0-9-]*)\/(\d+|leader)$/.exec(target);
    if (!m) throw new JujuError(`invalid target "${target}": on a Kubernetes model, name a unit (<application>/<n>)`);
    const app = model.applications[m[1]];
    if (!app) throw new JujuError(`unit "${target}" not found`);
    const units = appView(app, now, state.faults).units;
    const unit = m[2] === 'leader' ? units.find((u) => u.leader) : units.find((u) => u.name === target);
    if (!unit || unit.phase === 'allocating') throw new JujuError(`container for unit "${target}" is not ready yet`);
    const container = flags.container || 'charm';
    const declared = ['charm', ...(CONTAINERS[app.charm] ?? [])];
    if (!declared.includes(container)) throw new JujuError(`container "${container}" must be one of ${declared.join(', ')}`);
    if (!words.length) throw new JujuError('juju sandbox: an interactive shell is not emulated; give a command');
    const refused = state.faults?.sshFails?.[unit.name] ?? state.faults?.sshFails?.[app.name];
    if (refused) throw new JujuError(typeof refused === 'string' ? refused : `unable to upgrade connection: container not found ("${container}")`);
    const argv = shellWords(`${words.join(' ')}; `);
    if (!argv) {
      err('sh: 1: Syntax error: Unterminated quoted string\n');
      return 2;
    }
    const stdin = await readStdin();
    const program = argv[0];
    if (container === 'mysql' && (program === '/usr/bin/mysql' || program === 'mysql')) {
      const r = mysqlClient({ app, argv, stdin, serverUp: mysqlUp(model, app, unit.name, unit.phase, state.faults?.mysqldDown) });
      out(r.stdout);
      err(r.stderr);
      return r.code;
    }
    err(`sh: 1: ${program}: not found\n`);
    return 127;
  },
};

/**
 * mysqld answers on the unit unless a restore is running there (it stopped mysqld), a failed one
 * left it down, or the unit is not active.
 * @param {Model} model @param {Application} app @param {string} unit @param {string} phase @param {Record<string, boolean> | undefined} down
 */
function mysqlUp(model, app, unit, phase, down) {
  if (phase !== 'active' || down?.[unit] || app.mysql?.blocked?.[unit]) return false;
  const now = Date.now();
  return !(model.tasks ?? []).some((t) => t.unit === unit && t.action === 'restore' && phaseOf(t, now) === 'running');
}

/**
 * What `sh -c` makes of the line: words split on blanks, '...' and "..." quoting, backslash
 * escapes, a trailing `;` dropped. undefined for an unterminated quote.
 * @param {string} line
 * @returns {string[] | undefined}
 */
export function shellWords(line) {
  /** @type {string[]} */
  const words = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return undefined;
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && '"\\$`'.includes(line[j + 1] ?? '')) j++;
        word += line[j];
      }
      if (j >= line.length) return undefined;
      inWord = true;
      i = j;
    } else if (c === '\\') {
      word += line[++i] ?? '';
      inWord = true;
    } else if (c === ' ' || c === '\t' || c === '\n' || c === ';') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      if (c === ';') break;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}
