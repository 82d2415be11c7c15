import type { IncomingMessage } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { ActionError, CancelledError } from '@ml-backup-actions/core';
import WebSocket from 'ws';
import { explain, explainHttp, parseStatus, type Target } from './errors.js';

/**
 * Opens a WebSocket to a pod subresource (exec, portforward) of the API server, with the
 * kubeconfig's CA, client certificate, token or auth plugin, and proxy agent applied by client-node.
 * The socket is returned before it connects, so the caller attaches its handlers first.
 */
export async function openChannelSocket(kc: KubeConfig, path: string, query: URLSearchParams, protocols: readonly string[]): Promise<WebSocket> {
  const server = kc.getCurrentCluster()?.server ?? '';
  const url = `${server.replace(/^http/, 'ws').replace(/\/+$/, '')}${path}?${query}`;
  const tlsAndAuth: Record<string, unknown> = {};
  await kc.applyToHTTPSOptions(tlsAndAuth);
  return new WebSocket(url, [...protocols], {
    ...(tlsAndAuth as WebSocket.ClientOptions),
    perMessageDeflate: false,
    handshakeTimeout: 30_000,
    maxPayload: 64 * 1024 * 1024,
  });
}

/**
 * Calls fail once with an ActionError when the upgrade is refused (the API server's Status, worded
 * for the job log) or the connection fails before or after it.
 */
export function onConnectionFailure(ws: WebSocket, target: Target, fail: (err: ActionError) => void): void {
  ws.on('unexpected-response', (_req, res: IncomingMessage) => {
    readBody(res).then((body) => fail(explainHttp(res.statusCode ?? 0, parseStatus(body), target)));
  });
  ws.on('error', (err) => fail(explain(err, target)));
}

export function readBody(res: IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => {
      if (body.length < limit) body += d;
    });
    res.on('end', () => resolve(body));
    res.on('error', () => resolve(body));
    res.on('close', () => resolve(body));
  });
}

export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new CancelledError(String(signal.reason ?? 'aborted'));
}
