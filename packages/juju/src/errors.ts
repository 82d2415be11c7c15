import { ActionError } from '@ml-backup-actions/core';

/** What went wrong when juju was called, in terms the caller can act on. */
export type JujuProblem =
  | 'not-installed'
  | 'unreachable'
  | 'model-not-found'
  | 'application-not-found'
  | 'unit-not-found'
  | 'no-controller'
  | 'usage'
  | 'timeout'
  | 'unexpected-output'
  | 'action-failed'
  | 'failed';

export class JujuError extends ActionError {
  constructor(
    readonly problem: JujuProblem,
    message: string,
    /** juju's own ERROR lines, when it printed any. */
    readonly stderr = '',
    readonly exitCode: number | null = null,
  ) {
    super(message);
    this.name = 'JujuError';
  }
}

const RULES: [RegExp, JujuProblem][] = [
  [/unable to connect to API|cannot connect to API|opening API connection|connection refused|no route to host|i\/o timeout|connection reset|network is unreachable|context deadline exceeded|: EOF$/im, 'unreachable'],
  [/No controllers registered|no current controller|controller .* not found/i, 'no-controller'],
  [/^ERROR model .* not found|model .* has been removed from the controller/im, 'model-not-found'],
  [/^ERROR application ".*" not found/im, 'application-not-found'],
  [/^ERROR unit ".*" not found/im, 'unit-not-found'],
  [/option provided but not defined|is not a juju command|unrecognized command|invalid value .* for option|option needs an argument|unrecognized args/i, 'usage'],
];

/** Classifies juju's stderr. */
export function classify(stderr: string): JujuProblem {
  for (const [pattern, problem] of RULES) if (pattern.test(stderr)) return problem;
  return 'failed';
}

/** juju's ERROR lines (without the "ERROR " prefix), or the last lines of stderr. */
export function jujuMessage(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trimEnd()).filter(Boolean);
  const errors = lines.filter((l) => l.startsWith('ERROR ')).map((l) => l.slice(6));
  return (errors.length ? errors : lines.slice(-3)).join('; ') || 'no message';
}
