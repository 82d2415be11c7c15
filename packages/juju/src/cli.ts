import { ActionError, formatDuration, runProcess, throwIfAborted, type Logger, type ProcessOptions, type ProcessResult } from '@ml-backup-actions/core';

// The juju CLI, run with argument arrays only: the lowest layer of this package, importing nothing
// else of it. Every failure becomes a JujuError that says what failed, where, and what to check.

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
  [
    /unable to connect to API|cannot connect to API|opening API connection|connection refused|no route to host|i\/o timeout|connection reset|network is unreachable|context deadline exceeded|: EOF$/im,
    'unreachable',
  ],
  [/No controllers registered|no current controller|controller .* not found/i, 'no-controller'],
  [/^ERROR model .* not found|model .* has been removed from the controller/im, 'model-not-found'],
  [/^ERROR application ".*" not found/im, 'application-not-found'],
  [/^ERROR unit ".*" not found/im, 'unit-not-found'],
  [
    /option provided but not defined|is not a juju command|unrecognized command|invalid value .* for option|option needs an argument|unrecognized args/i,
    'usage',
  ],
];

/** Classifies juju's stderr. */
export function classify(stderr: string): JujuProblem {
  for (const [pattern, problem] of RULES) if (pattern.test(stderr)) return problem;
  return 'failed';
}

/** juju's ERROR lines (without the "ERROR " prefix), or the last lines of stderr. */
export function jujuMessage(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trimEnd())
    .filter(Boolean);
  const errors = lines.filter((l) => l.startsWith('ERROR ')).map((l) => l.slice(6));
  return (errors.length ? errors : lines.slice(-3)).join('; ') || 'no message';
}

/** Runs one juju command line. runProcess (a child process) by default; tests run the emulator in-process. */
export type JujuRunner = (binary: string, argv: readonly string[], options: ProcessOptions) => Promise<ProcessResult>;

export interface JujuOptions {
  /** The model every command targets (-m): "kubeflow", "admin/kubeflow" or "controller:kubeflow". */
  model: string;
  log: Logger;
  /** Aborting stops the running juju child and any wait. */
  signal?: AbortSignal;
  binary?: string;
  /** The environment juju runs with (JUJU_DATA and PATH matter); process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** How long one juju command may take before it is abandoned; 2 minutes by default. */
  callTimeoutMs?: number;
  runner?: JujuRunner;
}

export interface CallOptions {
  /** Add -m <model> (true for every model command). */
  model?: boolean;
  /** This call's own limit, instead of callTimeoutMs. */
  timeoutMs?: number;
  /** The application or unit the call is about, named in not-found errors. */
  subject?: string;
  /** Written to juju's stdin (juju ssh passes it on to the command): the way to hand over a secret. */
  stdin?: string;
}

export interface JujuCall {
  stdout: string;
  stderr: string;
}

/** A juju invocation that ran to its end, whatever its exit code. */
export interface JujuExit extends JujuCall {
  code: number | null;
}

/** `juju <command> [-m <model>] <args...>` with a time limit, its output, and its failures worded for the job log. */
export class JujuCli {
  readonly model: string;
  readonly binary: string;
  readonly log: Logger;
  readonly signal?: AbortSignal;
  private readonly callTimeoutMs: number;
  private readonly runner: JujuRunner;

  constructor(readonly options: JujuOptions) {
    this.model = options.model;
    this.binary = options.binary ?? 'juju';
    this.log = options.log;
    this.signal = options.signal;
    this.callTimeoutMs = options.callTimeoutMs ?? 120_000;
    this.runner = options.runner ?? runProcess;
  }

  /**
   * The same client with some options changed, e.g. for a cleanup that must not listen to the
   * run's aborted signal and must finish quickly: cli.with({ signal: undefined, callTimeoutMs: 6000 }).
   */
  with(overrides: Partial<JujuOptions>): JujuCli {
    return new JujuCli({ ...this.options, ...overrides });
  }

  /** Runs `juju <command> [-m <model>] <args...>`; resolves when it exits 0. */
  async call(command: string, args: readonly string[] = [], options: CallOptions = {}): Promise<JujuCall> {
    const { code, stdout, stderr } = await this.exec(command, args, options);
    if (code !== 0) throw this.failure(command, stderr, code, options.subject);
    return { stdout, stderr };
  }

  /**
   * Like call(), but resolves with the exit code instead of failing on a non-zero one (juju run
   * prints results and exits 1 when a task's return code is 1 or more). It still fails when juju
   * is missing, does not finish within the limit, or the client's signal aborts.
   */
  async exec(command: string, args: readonly string[] = [], options: CallOptions = {}): Promise<JujuExit> {
    throwIfAborted(this.signal);
    const argv = [command, ...(options.model === false ? [] : ['-m', this.model]), ...args];
    const limitMs = options.timeoutMs ?? this.callTimeoutMs;
    const deadline = AbortSignal.timeout(Math.max(1, limitMs));
    const signal = this.signal ? AbortSignal.any([this.signal, deadline]) : deadline;
    const stdout: string[] = [];
    const stderr: string[] = [];
    let result;
    try {
      result = await this.runner(this.binary, argv, {
        env: this.options.env,
        signal,
        ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
        killGraceMs: 2000,
        log: this.log,
        onStdoutLine: (l) => stdout.push(l),
        onStderrLine: (l) => stderr.push(l),
      });
    } catch (err) {
      if (err instanceof ActionError && /not found on PATH/.test(err.message)) {
        throw new JujuError(
          'not-installed',
          `${this.binary} was not found on PATH: install the Juju client (snap install juju) and log in to the controller before this step`,
        );
      }
      throw err;
    }
    const out = { stdout: stdout.join('\n'), stderr: stderr.join('\n') };
    if (result.aborted) {
      throwIfAborted(this.signal);
      throw new JujuError(
        'timeout',
        `juju ${command} did not finish within ${formatDuration(limitMs / 1000)}; the controller may be overloaded or unreachable`,
        out.stderr,
      );
    }
    for (const line of stderr) if (line.trim()) this.log.debug(`juju ${command}: ${line}`);
    return { ...out, code: result.code };
  }

  /** call() with --format json, parsed. */
  async callJson(command: string, args: readonly string[] = [], options: CallOptions = {}): Promise<unknown> {
    const { stdout } = await this.call(command, ['--format', 'json', ...args], options);
    try {
      return JSON.parse(stdout);
    } catch {
      throw new JujuError('unexpected-output', `juju ${command} printed something that is not JSON: ${stdout.slice(0, 200)}`);
    }
  }

  /** The JujuError for a juju command that exited non-zero, worded for the job log. */
  failure(command: string, stderr: string, code: number | null, subject?: string): JujuError {
    const problem: JujuProblem = classify(stderr);
    const said = jujuMessage(stderr);
    const where = `juju ${command} on model "${this.model}"`;
    const messages: Record<JujuProblem, () => string> = {
      unreachable: () =>
        `could not reach the Juju controller (${where}: ${said}); check the network path to the controller and that the runner's JUJU_DATA holds a working login`,
      'no-controller': () =>
        `juju has no controller to talk to (${said}); log in first (juju login or juju register) with JUJU_DATA pointing at the credentials`,
      'model-not-found': () => `model "${this.model}" was not found on the controller (${said}); check the model name, "juju models" lists them`,
      'application-not-found': () => `application "${subject ?? '?'}" was not found in model "${this.model}" (${said})`,
      'unit-not-found': () => `unit "${subject ?? '?'}" was not found in model "${this.model}" (${said})`,
      usage: () => `${where} rejected its arguments (${said}); this juju version may not support what the action needs`,
      'not-installed': () => said,
      timeout: () => said,
      'unexpected-output': () => said,
      'action-failed': () => said,
      failed: () => `${where} failed (exit ${code}): ${said}`,
    };
    return new JujuError(problem, messages[problem](), stderr, code);
  }

  /** Whether a failure is the controller not answering (worth a few more tries in a wait), not a refusal. */
  static isTransient(err: unknown): boolean {
    return err instanceof JujuError && (err.problem === 'unreachable' || err.problem === 'timeout');
  }
}
