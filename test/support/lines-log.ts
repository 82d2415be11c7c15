// A Logger that keeps what it is told, for tests that read a client's progress lines.
import type { Logger } from '@ml-backup-actions/core';

export function linesLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log: Logger = {
    info: (m) => lines.push(m),
    notice: (m) => lines.push(m),
    warning: (m) => lines.push(m),
    error: (m) => lines.push(m),
    debug: () => undefined,
    group: (_n, fn) => fn(),
  };
  return { log, lines };
}
