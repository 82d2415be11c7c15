import { ActionError, runProcess, type Logger } from '@ml-backup-actions/core';
import { describeExit } from './exit.js';
import { parseLine, type RcloneEvent, type RcloneStats } from './events.js';
import { remoteEnv, type S3Remote } from './remote.js';

export interface RcloneOptions {
  remotes: readonly S3Remote[];
  log: Logger;
  binary?: string;
  /** The environment the child inherits; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface RcloneRun {
  code: number | null;
  aborted: boolean;
  /** The last stats line: what was done when rclone stopped. */
  stats?: RcloneStats;
  /** Error messages, JSON and plain, in order. */
  errors: string[];
  /** Plain stdout lines (listings). */
  stdout: string[];
}

export interface RunCallOptions {
  signal?: AbortSignal;
  /** rclone prints a stats line this often (--stats). */
  statsSeconds?: number;
  onEvent?: (event: RcloneEvent) => void;
  /** Keep stdout lines in the result (for listings). */
  captureStdout?: boolean;
  /** Each plain stdout line as it arrives, for listings too large to keep as lines. */
  onStdoutLine?: (line: string) => void;
}

/**
 * Runs rclone with the suite's remotes. Each call gets JSON logs at INFO level and no config file.
 * AWS_CA_BUNDLE makes rclone 1.60's S3 backend fail with LoadCustomCABundleError, so the bundle is
 * taken out of the child's environment and given as --ca-cert instead.
 */
export class Rclone {
  private readonly env: NodeJS.ProcessEnv;
  private readonly globalArgs: string[];
  readonly binary: string;
  readonly caBundle?: string;

  constructor(private readonly options: RcloneOptions) {
    this.binary = options.binary ?? 'rclone';
    const inherited = { ...(options.env ?? process.env) };
    for (const key of Object.keys(inherited)) if (key.startsWith('RCLONE_CONFIG_')) delete inherited[key];
    this.caBundle = inherited.AWS_CA_BUNDLE || undefined;
    delete inherited.AWS_CA_BUNDLE;
    this.env = Object.assign(inherited, ...options.remotes.map(remoteEnv));
    this.globalArgs = ['--config', '', '--use-json-log', '-v', ...(this.caBundle ? ['--ca-cert', this.caBundle] : [])];
  }

  async version(signal?: AbortSignal): Promise<string> {
    const lines: string[] = [];
    const result = await runProcess(this.binary, ['version'], { env: this.env, signal, onStdoutLine: (l) => lines.push(l) });
    if (result.code !== 0) throw new ActionError(`rclone version failed (${describeExit(result.code)})`);
    return (lines[0] ?? '').replace(/^rclone\s+/, '').trim();
  }

  async run(command: string, args: readonly string[], call: RunCallOptions = {}): Promise<RcloneRun> {
    const out: RcloneRun = { code: null, aborted: false, errors: [], stdout: [] };
    const handle = (line: string, fromStdout: boolean) => {
      if (!line.trim()) return;
      if (fromStdout && !line.startsWith('{"level"')) {
        if (call.captureStdout) out.stdout.push(line);
        call.onStdoutLine?.(line);
        return;
      }
      const event = parseLine(line);
      if (event.type === 'stats') out.stats = event.stats;
      else if (event.type === 'error') out.errors.push(event.object ? `${event.object}: ${event.message}` : event.message);
      else if (event.type === 'text') out.errors.push(line);
      call.onEvent?.(event);
    };
    const stats = call.statsSeconds ? ['--stats', `${call.statsSeconds}s`] : ['--stats', '0'];
    const result = await runProcess(this.binary, [command, ...this.globalArgs, ...stats, ...args], {
      env: this.env,
      signal: call.signal,
      log: this.options.log,
      onStdoutLine: (l) => handle(l, true),
      onStderrLine: (l) => handle(l, false),
    });
    out.code = result.code;
    out.aborted = result.aborted;
    return out;
  }
}
