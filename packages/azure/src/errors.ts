import { ActionError } from '@ml-backup-actions/core';

/** The parts of an Azure SDK RestError we read (duck-typed: core-rest-pipeline is not a direct dependency). */
export interface AzureErrorInfo {
  statusCode?: number;
  code?: string;
  message: string;
}

export function azureErrorInfo(err: unknown): AzureErrorInfo {
  if (err && typeof err === 'object') {
    const e = err as { statusCode?: unknown; code?: unknown; message?: unknown; details?: { error?: { code?: string; message?: string } } };
    const detail = e.details?.error;
    return {
      statusCode: typeof e.statusCode === 'number' ? e.statusCode : undefined,
      code: detail?.code ?? (typeof e.code === 'string' ? e.code : undefined),
      message: detail?.message ?? (typeof e.message === 'string' ? e.message : String(err)),
    };
  }
  return { message: String(err) };
}

/** "403 AuthorizationFailed: The client ..." */
export function describeAzureError(err: unknown): string {
  const i = azureErrorInfo(err);
  return [i.statusCode, i.code].filter((x) => x !== undefined).join(' ') + (i.statusCode || i.code ? ': ' : '') + i.message;
}

/** An Azure call failed; the message names what was being done and to which resource. */
export class AzureError extends ActionError {
  readonly statusCode?: number;
  readonly code?: string;
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'AzureError';
    const i = azureErrorInfo(cause);
    this.statusCode = i.statusCode;
    this.code = i.code;
  }
}
