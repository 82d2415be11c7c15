/**
 * The status words of every action, in its summary, its report and its outputs: running while it
 * works; checked after a dry run; started when it left work running (wait: false); succeeded;
 * failed, timed out or interrupted (a cancel, SIGINT or SIGTERM).
 */
export type Status = 'running' | 'checked' | 'started' | 'succeeded' | 'failed' | 'timed out' | 'interrupted';

export const FAILED: readonly Status[] = ['failed', 'timed out', 'interrupted'];

/** What every action's report holds; each action extends it with its own fields. */
export interface Report {
  status: Status;
  /** The step it is in, named as the runbook reader knows it. */
  phase: string;
  startedAt: Date;
  finishedAt?: Date;
  /** Why it failed, in the action's own words. */
  error?: string;
}

/** A report in its first phase, running. */
export function newReport<T extends object>(fields: T, now = new Date(), phase = 'pre-flight'): Report & T {
  return { status: 'running', phase, startedAt: now, ...fields };
}

/** "succeeded", or "failed during upload: the reason". */
export function statusLine(report: Report, detail = ''): string {
  return report.error ? `${report.status} during ${report.phase}: ${report.error}` : `${report.status}${detail}`;
}

/** Whole seconds from the start to the end (or now): the duration-seconds output. */
export function durationSeconds(report: Report, now = new Date()): number {
  return Math.round(((report.finishedAt ?? now).getTime() - report.startedAt.getTime()) / 1000);
}

/** Seconds from the start to the end (or now), to the tenth. */
export function elapsedSeconds(report: Report, now = new Date()): number {
  return Math.round(((report.finishedAt ?? now).getTime() - report.startedAt.getTime()) / 100) / 10;
}
