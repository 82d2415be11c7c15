import { ActionError, redact } from '@ml-backup-actions/core';

/** CDP's error code, or one of ours when no response came back. */
export type CdpErrorCode = string;

export interface CdpErrorDetails {
  /** CDP's code ("NOT_FOUND", "INVALID_ARGUMENT", ...), UNKNOWN_ERROR for a body that is not JSON, NETWORK_ERROR or TIMEOUT without a response. */
  code: CdpErrorCode;
  /** CDP's message, HTML entities decoded, registered secrets redacted. */
  cdpMessage: string;
  /** HTTP status, 0 when no response came back. */
  status: number;
  requestId?: string;
  service: string;
  operation: string;
  /** The URL called (no credentials are ever part of it). */
  url: string;
  /** Attempts made, retries included. */
  attempts?: number;
}

/** A failed CDP API call, carrying what cdpcli shows: status, code, request id, operation. */
export class CdpError extends ActionError {
  readonly code: CdpErrorCode;
  readonly cdpMessage: string;
  readonly status: number;
  readonly requestId?: string;
  readonly service: string;
  readonly operation: string;
  readonly url: string;
  readonly attempts: number;

  constructor(details: CdpErrorDetails, options?: { cause?: unknown }) {
    super(describe(details), options);
    this.name = 'CdpError';
    this.code = details.code;
    this.cdpMessage = details.cdpMessage;
    this.status = details.status;
    this.requestId = details.requestId;
    this.service = details.service;
    this.operation = details.operation;
    this.url = details.url;
    this.attempts = details.attempts ?? 1;
  }

  /** 429, 5xx, no response or a timeout: worth another attempt. */
  get retryable(): boolean {
    return this.status === 429 || this.status >= 500 || this.status === 0;
  }
}

function describe(d: CdpErrorDetails): string {
  const facts = [
    d.status ? `HTTP ${d.status}` : undefined,
    d.code ? `code ${d.code}` : undefined,
    d.requestId ? `request id ${d.requestId}` : undefined,
    d.attempts && d.attempts > 1 ? `${d.attempts} attempts` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  return `CDP ${d.service} ${d.operation} failed: ${d.cdpMessage || 'no message'} (${facts}). ${hint(d)}`.trim();
}

function hint(d: CdpErrorDetails): string {
  if (d.code === 'TIMEOUT') return `No answer from ${d.url} in time; check the network, or raise the timeout.`;
  if (d.code === 'NETWORK_ERROR') return `Could not reach ${d.url}; check the region or endpoint URL and the runner's network access.`;
  if (d.status === 401 || d.status === 403 || d.code === 'UNAUTHENTICATED' || d.code === 'PERMISSION_DENIED') {
    return "Check the access key id and private key (a pair from the same key, not deleted), that the runner's clock is right, and that the key's user has the ML role for this operation.";
  }
  if (d.status === 404 || d.code === 'NOT_FOUND') return 'Check the name or CRN and the region; the resource may be gone.';
  if (d.code === 'PATH_DISABLED') return 'Machine Learning is not enabled on this CDP tenant, or the endpoint is wrong.';
  if (d.status === 429) return 'CDP is rate-limiting this key; retry later or space the calls out.';
  if (d.status >= 500) return 'This is on the CDP side; retry later, and quote the request id to Cloudera support if it persists.';
  if (d.status >= 400) return 'CDP rejected the request; fix what the message names.';
  return '';
}

const ENTITIES: Record<string, string> = { quot: '"', amp: '&', lt: '<', gt: '>', apos: "'", '#39': "'" };

/** Python html.unescape for the entities CDP messages carry. */
export function htmlUnescape(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (ENTITIES[e]) return ENTITIES[e];
    if (e[0] === '#') {
      const n = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(n) && n > 0 && n < 0x110000 ? String.fromCodePoint(n) : m;
    }
    return m;
  });
}

/** The code and message of an error body, the way cdpcli's parser.py reads them. */
export function parseErrorBody(text: string): { code: string; message: string } {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    if (body && typeof body === 'object' && !Array.isArray(body)) {
      const code = typeof body.code === 'string' ? body.code : '';
      const list = Array.isArray(body.errorMessages) ? body.errorMessages.filter((m) => typeof m === 'string').join(' ') : '';
      const message = typeof body.message === 'string' ? body.message : typeof body.error === 'string' ? body.error : list;
      return { code, message: clean(message) };
    }
  } catch {
    // not JSON: fall through
  }
  return { code: 'UNKNOWN_ERROR', message: clean(text) };
}

function clean(message: string): string {
  const m = redact(htmlUnescape(message)).trim();
  return m.length > 2000 ? `${m.slice(0, 1997)}...` : m;
}
