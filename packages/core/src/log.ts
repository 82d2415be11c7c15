import * as core from '@actions/core';
import { redact } from './secrets.js';

/** The log of one action run: the runner's annotations and groups, with registered secrets redacted. */
export interface Logger {
  info(message: string): void;
  notice(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  debug(message: string): void;
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

export const actionsLogger: Logger = {
  info: (m) => core.info(redact(m)),
  notice: (m) => core.notice(redact(m)),
  warning: (m) => core.warning(redact(m)),
  error: (m) => core.error(redact(m)),
  debug: (m) => core.debug(redact(m)),
  group: (name, fn) => core.group(redact(name), fn),
};

/**
 * The same log with every line starting "[prefix] ", for work that runs in parallel (where the
 * runner's groups cannot nest or interleave): groups become a plain line.
 */
export function prefixedLogger(log: Logger, prefix: string): Logger {
  const p = (m: string) => `[${prefix}] ${m}`;
  return {
    info: (m) => log.info(p(m)),
    notice: (m) => log.notice(p(m)),
    warning: (m) => log.warning(p(m)),
    error: (m) => log.error(p(m)),
    debug: (m) => log.debug(p(m)),
    group: (name, fn) => {
      log.info(p(name));
      return fn();
    },
  };
}
