// @ts-check
// juju version [--all] [--format smart|json|yaml]: the client's version; needs no controller.
import { FORMAT_FLAG, OUTPUT_FLAG } from '../lib/args.js';
import { toJson, toYaml } from '../lib/format.js';

/** @type {import('../lib/types.js').ClientCommand<{ format: string, output?: string, all?: boolean }>} */
export default {
  name: 'version',
  needsController: false,
  flags: [FORMAT_FLAG(['smart', 'json', 'yaml'], 'smart'), OUTPUT_FLAG, { names: ['all'] }],
  run({ flags, state, out }) {
    const version = `${state?.jujuVersion ?? '3.6.1'}-genericlinux-amd64`;
    const value = flags.all
      ? { version, 'git-commit': '7b5bde6a6a3be2b05ba1b1f6bd2d3f7e9a6b3c1d', 'git-tree-state': 'clean', compiler: 'gc', 'go-version': 'go1.23.4' }
      : version;
    if (flags.format === 'json') out(toJson(value));
    else if (flags.format === 'yaml' || flags.all) out(toYaml(value));
    else out(`${value}\n`);
  },
};
