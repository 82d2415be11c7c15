import { ActionError, CancelledError, errorMessage, registerSecret, retry, type Logger } from '@ml-backup-actions/core';

export interface CmlApiOptions {
  /** The workspace's instanceUrl; the API is under <instanceUrl>/api/v2. */
  instanceUrl: string;
  /** A CML API v2 key (Bearer), per user and per workspace; masked at once. */
  apiKey: string;
  log?: Logger;
  /** Per attempt; 30 s by default. */
  timeoutMs?: number;
  /** Total attempts, the first included; 5 by default. */
  attempts?: number;
  /** Injected in tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** A failed CML API v2 call: the status, the path (never the key), and what to do. */
export class CmlApiError extends ActionError {
  constructor(
    readonly status: number,
    readonly path: string,
    readonly apiMessage: string,
  ) {
    super(`CML API v2 GET ${path} failed${status ? ` with HTTP ${status}` : ''}: ${apiMessage}${hint(status)}`);
  }

  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

function hint(status: number): string {
  if (status === 401 || status === 403)
    return '; the API key is not accepted here: create one in the workspace (User Settings > API Keys, audience API) for an MLAdmin user';
  return '';
}

/**
 * The read-only part of a workspace's CML API v2 that validation needs: GET with a Bearer key,
 * pages followed through next_page_token with the same page_size, transient failures retried with
 * jittered backoff. It never writes: the runbook forbids changes in the interim workspace.
 */
export class CmlApi {
  readonly base: string;

  constructor(private readonly options: CmlApiOptions) {
    registerSecret(options.apiKey);
    this.base = `${options.instanceUrl.replace(/\/+$/, '')}/api/v2`;
  }

  async get<T>(path: string, query: Record<string, string>, signal?: AbortSignal): Promise<T> {
    const url = new URL(`${this.base}${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return retry(() => this.attempt<T>(url, path, signal), {
      label: `CML API v2 GET ${path}`,
      attempts: this.options.attempts ?? 5,
      baseMs: 500,
      maxMs: 8_000,
      retryable: (err) => err instanceof CmlApiError && err.retryable,
      log: this.options.log,
      signal,
      sleep: this.options.sleep,
      random: this.options.random,
    });
  }

  /** Every item of a paged list (field: "projects", "jobs", ...). */
  async all<T>(path: string, field: string, signal?: AbortSignal, pageSize = 100): Promise<T[]> {
    const items: T[] = [];
    let token = '';
    for (let page = 1; ; page++) {
      if (page > 10_000) throw new CmlApiError(0, path, 'more than 10,000 pages: the page token does not advance');
      const query: Record<string, string> = { page_size: String(pageSize), ...(token ? { page_token: token } : {}) };
      const body = await this.get<Record<string, unknown>>(path, path === '/projects' ? { ...query, include_public_projects: 'true' } : query, signal);
      const got = body[field];
      if (got !== undefined && !Array.isArray(got)) throw new CmlApiError(200, path, `the answer's ${field} is not a list`);
      items.push(...((got ?? []) as T[]));
      const next = typeof body.next_page_token === 'string' ? body.next_page_token : '';
      if (!next) return items;
      if (next === token) throw new CmlApiError(200, path, 'next_page_token repeats the page token');
      token = next;
    }
  }

  private async attempt<T>(url: URL, path: string, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw new CancelledError(errorMessage(signal.reason));
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method: 'GET',
        headers: { authorization: `Bearer ${this.options.apiKey}`, accept: 'application/json' },
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        redirect: 'manual',
      });
      text = await res.text();
    } catch (err) {
      if (signal?.aborted) throw new CancelledError(errorMessage(signal.reason));
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new CmlApiError(0, path, timeout.aborted ? `no answer within ${timeoutMs} ms` : `could not reach ${this.base}${cause ? ` (${cause})` : ''}`);
    }
    if (res.status >= 300) throw new CmlApiError(res.status, path, messageOf(text));
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CmlApiError(res.status, path, 'the answer is not JSON');
    }
  }
}

function messageOf(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    const m = body.message ?? body.error;
    if (typeof m === 'string' && m) return m.slice(0, 300);
  } catch {
    // not JSON: the text itself, shortened
  }
  return text.trim().slice(0, 300) || 'no message';
}
