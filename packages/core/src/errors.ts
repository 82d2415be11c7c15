/** An error whose message is already written for the person reading the job log. */
export class ActionError extends Error {
  /** How the run ended, when it was not simply failed ('timed out': a wait ran past its limit). */
  readonly ended?: 'timed out';

  constructor(message: string, options?: { cause?: unknown; ended?: 'timed out' }) {
    super(message, options);
    this.name = 'ActionError';
    this.ended = options?.ended;
  }
}

/** One or more inputs are malformed; raised before any side effect. */
export class InputError extends ActionError {
  constructor(readonly problems: readonly string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} inputs are invalid:\n- ${problems.join('\n- ')}`);
    this.name = 'InputError';
  }
}

/** The run was stopped by SIGINT/SIGTERM (a cancelled workflow) or by its own deadline. */
export class CancelledError extends ActionError {
  constructor(readonly reason: string) {
    super(`cancelled: ${reason}`);
    this.name = 'CancelledError';
  }
}

export class TimeoutError extends ActionError {
  constructor(message: string) {
    super(message);
    this.name = 'TimeoutError';
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}

/** Throws the signal's reason when it has been aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new CancelledError(String(signal.reason));
}
