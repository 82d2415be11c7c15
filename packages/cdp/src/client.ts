import { CancelledError, errorMessage, retry, type Logger } from '@ml-backup-actions/core';
import type { CdpCredentials } from './credentials.js';
import type { CdpEndpoint } from './endpoint.js';
import { CdpError, parseErrorBody } from './errors.js';
import { CONTENT_TYPE, loadSigningKey, signRequest, type SigningKey } from './signing.js';

export interface CdpClientOptions {
  credentials: CdpCredentials;
  /** The control plane: a resolved endpoint, or a base URL such as http://127.0.0.1:8080. */
  endpoint: CdpEndpoint | string;
  log?: Logger;
  /** Per attempt; 60 s by default, as cdpcli's read timeout. */
  timeoutMs?: number;
  /** Total attempts, the first included; 6 by default. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  userAgent?: string;
  /** Injected in tests. */
  now?: () => Date;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Overrides the client's per-attempt timeout for this call. */
  timeoutMs?: number;
  /** Overrides the client's attempts for this call (1: no retry). */
  attempts?: number;
}

/**
 * Calls the CDP control-plane API the way cdpcli does: POST <base>/api/v1/<service>/<operation>
 * with a JSON body and V1-signed headers, re-signed on every attempt. Retries with jittered
 * backoff on 429, 5xx, timeouts and network errors only; anything else fails at once as a CdpError.
 */
export class CdpClient {
  readonly baseUrl: string;
  readonly accessKeyId: string;
  private readonly key: SigningKey;

  constructor(private readonly options: CdpClientOptions) {
    this.key = loadSigningKey(options.credentials.privateKey);
    this.accessKeyId = options.credentials.accessKeyId;
    this.baseUrl = (typeof options.endpoint === 'string' ? options.endpoint : options.endpoint.baseUrl).replace(/\/+$/, '');
  }

  /** The signing method in use (ed25519v1, rsav1 or ecdsav1). */
  get authMethod(): string {
    return this.key.method;
  }

  async post<T = Record<string, unknown>>(service: string, operation: string, body: object = {}, call: CallOptions = {}): Promise<T> {
    const url = new URL(`${this.baseUrl}/api/v1/${encodeURIComponent(service)}/${encodeURIComponent(operation)}`);
    const payload = JSON.stringify(dropUndefined(body));
    const attempts = call.attempts ?? this.options.attempts ?? 6;
    let made = 0;
    try {
      return await retry(
        async (attempt) => {
          made = attempt;
          return (await this.attempt(url, service, operation, payload, call)) as T;
        },
        {
          label: `CDP ${service} ${operation}`,
          attempts,
          baseMs: this.options.baseDelayMs ?? 500,
          maxMs: this.options.maxDelayMs ?? 10_000,
          retryable: (err) => err instanceof CdpError && err.retryable,
          log: this.options.log,
          signal: call.signal,
          sleep: this.options.sleep,
          random: this.options.random,
        },
      );
    } catch (err) {
      if (err instanceof CdpError && made > 1) throw new CdpError({ ...detailsOf(err), attempts: made }, { cause: err.cause });
      throw err;
    }
  }

  private async attempt(url: URL, service: string, operation: string, payload: string, call: CallOptions): Promise<unknown> {
    if (call.signal?.aborted) throw abortReason(call.signal);
    const timeoutMs = call.timeoutMs ?? this.options.timeoutMs ?? 60_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    const signed = signRequest({ accessKeyId: this.accessKeyId, key: this.key, path: url.pathname, date: this.options.now?.() });
    const where = { service, operation, url: url.href };
    let status = 0;
    let requestId: string | undefined;
    let text: string;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': CONTENT_TYPE,
          accept: CONTENT_TYPE,
          'user-agent': this.options.userAgent ?? `ml-backup-actions-cdp/0.1.0 Node/${process.versions.node}`,
          ...signed,
        },
        body: payload,
        signal,
        redirect: 'manual',
      });
      status = res.status;
      requestId = res.headers.get('x-altus-request-id') ?? res.headers.get('x-cdp-request-id') ?? undefined;
      text = await res.text();
    } catch (err) {
      if (call.signal?.aborted) throw abortReason(call.signal);
      if (timeout.aborted) {
        throw new CdpError({ ...where, code: 'TIMEOUT', cdpMessage: `no complete answer within ${timeoutMs} ms`, status, requestId }, { cause: err });
      }
      throw new CdpError({ ...where, code: 'NETWORK_ERROR', cdpMessage: networkMessage(err), status, requestId }, { cause: err });
    }
    if (status >= 300) {
      const { code, message } = parseErrorBody(text);
      throw new CdpError({ ...where, code, cdpMessage: message, status, requestId });
    }
    if (!text.trim()) return {};
    try {
      return JSON.parse(text);
    } catch {
      // Not retried: the operation may have been carried out.
      throw new CdpError({ ...where, code: 'INVALID_RESPONSE', cdpMessage: `HTTP ${status} with a body that is not JSON`, status, requestId });
    }
  }
}

function detailsOf(err: CdpError) {
  return {
    code: err.code,
    cdpMessage: err.cdpMessage,
    status: err.status,
    requestId: err.requestId,
    service: err.service,
    operation: err.operation,
    url: err.url,
  };
}

/** cdpcli drops None values; JSON.stringify drops undefined ones inside objects, and this drops null at the top. */
function dropUndefined(body: object): object {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined && v !== null));
}

function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error || (typeof r === 'object' && r !== null && 'message' in r) ? (r as Error) : new CancelledError(String(r ?? 'aborted'));
}

/** fetch's "fetch failed" with the system error (ECONNREFUSED, ENOTFOUND, a TLS failure) underneath. */
function networkMessage(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const message = typeof cause?.message === 'string' ? cause.message : errorMessage(err);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
