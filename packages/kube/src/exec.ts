import type { Readable, Writable } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
import { ActionError, onAbort, type Logger } from '@ml-backup-actions/core';
import WebSocket from 'ws';
import { parseStatus, type KubeStatus, type Target } from './errors.js';
import { abortReason, onConnectionFailure, openChannelSocket } from './websocket.js';

/** The channel subprotocols this client speaks, most preferred first (kubectl >= 1.30 offers v5 only). */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;
export type ExecProtocol = (typeof EXEC_PROTOCOLS)[number];

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const CLOSE = 255;
const STDOUT_HIGH = 1024 * 1024;
const STDOUT_LOW = 256 * 1024;

export interface ExecOptions {
  namespace: string;
  pod: string;
  container: string;
  /** argv, run without a shell unless it names one */
  command: string[];
  /** Receives the command's stdout. Ended when the command succeeded (unless end is false); left as is on failure. */
  stdout: Writable;
  /** Whether to end stdout after a successful run (default true); either way its writes are flushed first. */
  end?: boolean;
  /** Piped to the command's stdin, then half-closed (needs v5.channel.k8s.io). */
  stdin?: Readable;
  /** Aborting closes the connection; the API server then stops the command. */
  signal?: AbortSignal;
  /** Subprotocols to offer (default EXEC_PROTOCOLS); tests offer one to exercise it. */
  protocols?: readonly string[];
  /** How much of stderr's end is kept (default 64 KiB). */
  stderrLimit?: number;
  log?: Logger;
}

export interface ExecResult {
  /** The end of the command's stderr (up to stderrLimit bytes). */
  stderr: string;
  stdoutBytes: number;
  protocol: ExecProtocol;
}

/** The command ran and exited non-zero, or the API server reported another Failure. */
export class ExecError extends ActionError {
  constructor(
    message: string,
    readonly status: KubeStatus | undefined,
    readonly exitCode: number | undefined,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'ExecError';
  }
}

/**
 * Runs a command in a container (pods/exec over WebSocket) and streams its stdout into a Writable.
 * Resolves only after the Success status arrived and every stdout byte was written and flushed.
 * While stdout.write() returns false the socket is paused (TCP then holds the API server back),
 * so a slow destination bounds memory instead of filling it.
 */
export async function execToStream(kc: KubeConfig, options: ExecOptions): Promise<ExecResult> {
  const { namespace, pod, container, command, stdout, signal } = options;
  const server = kc.getCurrentCluster()?.server ?? '';
  const target: Target = { verb: 'exec into', resource: 'pod', name: pod, namespace, server };
  const label = `\`${command.join(' ')}\` in ${namespace}/${pod} (container ${container})`;
  if (signal?.aborted) throw abortReason(signal);
  if (!command.length) throw new ActionError(`exec into ${namespace}/${pod}: the command is empty`);

  const query = new URLSearchParams();
  for (const arg of command) query.append('command', arg);
  query.set('container', container);
  if (options.stdin) query.set('stdin', 'true');
  query.set('stdout', 'true');
  query.set('stderr', 'true');
  // client-node applies the kubeconfig: CA, client certificate, token or auth plugin, proxy agent.
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/exec`;
  const ws = await openChannelSocket(kc, path, query, options.protocols ?? EXEC_PROTOCOLS);
  options.log?.debug(`exec ${label}`);

  const stderrLimit = options.stderrLimit ?? 64 * 1024;
  let stderrTail = Buffer.alloc(0);
  let stdoutBytes = 0;
  let status: KubeStatus | undefined;
  let protocol: ExecProtocol | undefined;

  return new Promise<ExecResult>((resolve, reject) => {
    let settled = false;
    let paused = false;
    const afterWrite = () => {
      if (paused && stdout.writableLength <= STDOUT_LOW) {
        paused = false;
        ws.resume();
      }
    };
    let ping: NodeJS.Timeout | undefined;
    let forgetAbort = () => {};
    const cleanup = () => {
      clearInterval(ping);
      forgetAbort();
      stdout.off('error', onStdoutError);
      options.stdin?.unpipe?.();
    };
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      cleanup();
      if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
      reject(err);
    };
    const onStdoutError = (err: Error) => fail(new ActionError(`writing the output of ${label} failed: ${err.message}`, { cause: err }));
    stdout.on('error', onStdoutError);
    // Also a signal that came while the socket was being opened.
    forgetAbort = onAbort(signal, () => signal && fail(abortReason(signal)));

    onConnectionFailure(ws, target, fail);

    ws.on('open', () => {
      // A run stopped while the socket opened has settled already: nothing may start now.
      if (settled) return void ws.terminate();
      protocol = EXEC_PROTOCOLS.find((p) => p === ws.protocol);
      if (!protocol) {
        fail(new ActionError(`the API server at ${server} chose exec subprotocol "${ws.protocol}", which this client does not speak`));
        return;
      }
      options.log?.debug(`exec ${label}: connected with ${protocol}`);
      // keeps idle-timeout proxies from cutting a quiet command; the server answers pings itself
      ping = setInterval(() => ws.ping(), 30_000).unref();
      if (options.stdin) pipeStdin(options.stdin, protocol, fail);
    });

    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (settled || !isBinary || data.length === 0) return;
      const channel = data[0];
      const payload = data.subarray(1);
      if (channel === STDOUT) {
        if (!payload.length) return; // the server's "session open" announcement
        stdoutBytes += payload.length;
        // write() turns false at the destination's highWaterMark (often 16 KiB, less than one
        // frame); pausing there would stop the socket at every frame. So up to STDOUT_HIGH bytes may
        // wait in the destination; past that the socket pauses, and resumes once the destination
        // is down to STDOUT_LOW (checked as each write completes), before it runs dry.
        stdout.write(payload, afterWrite);
        if (!paused && stdout.writableLength >= STDOUT_HIGH) {
          paused = true;
          ws.pause();
        }
      } else if (channel === STDERR) {
        stderrTail = Buffer.concat([stderrTail, payload]);
        if (stderrTail.length > stderrLimit) stderrTail = stderrTail.subarray(stderrTail.length - stderrLimit);
      } else if (channel === STATUS && payload.length) {
        status = parseStatus(payload.toString('utf8')) ?? { status: 'Failure', message: payload.toString('utf8') };
        ws.close(1000);
        onStatus();
      }
    });

    ws.on('close', (code, reason) => {
      if (settled || status) return;
      fail(
        new ActionError(
          `the exec stream ended without a status: the pod's output may be incomplete (${label}; ${stdoutBytes} bytes received; ` +
            `connection closed with code ${code}${reason.length ? ` ${reason.toString()}` : ''})`,
        ),
      );
    });

    function onStatus() {
      const stderr = stderrTail.toString('utf8');
      if (status?.status !== 'Success') {
        fail(failureOf(status, label, stderr));
        return;
      }
      const spoken = protocol;
      // A status comes only over a stream that was opened, so with a subprotocol chosen.
      if (!spoken) return fail(new ActionError(`exec ${label}: a status arrived before the stream was open`));
      const done = () => {
        if (settled) return;
        settled = true;
        cleanup();
        resolve({ stderr, stdoutBytes, protocol: spoken });
      };
      flush(stdout, options.end ?? true).then(done, (err: Error) => onStdoutError(err));
    }

    function pipeStdin(input: Readable, proto: ExecProtocol, onError: (err: Error) => void) {
      if (proto !== 'v5.channel.k8s.io') {
        onError(new ActionError(`exec with stdin needs the v5.channel.k8s.io protocol (to close stdin), but the API server at ${server} chose ${proto}`));
        return;
      }
      input.on('data', (chunk: Buffer | string) => {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        ws.send(Buffer.concat([Buffer.of(STDIN), buf]));
        if (ws.bufferedAmount > 1024 * 1024) {
          input.pause();
          waitForSocketDrain().then(() => input.resume());
        }
      });
      input.on('end', () => ws.send(Buffer.of(CLOSE, STDIN)));
      input.on('error', (err) => onError(new ActionError(`reading the input for ${label} failed: ${err.message}`, { cause: err })));
    }

    async function waitForSocketDrain() {
      while (ws.readyState === WebSocket.OPEN && ws.bufferedAmount > 256 * 1024) await new Promise((r) => setTimeout(r, 10));
    }
  });
}

function failureOf(status: KubeStatus | undefined, label: string, stderr: string): ExecError {
  const tail = stderr.trim() ? `; stderr ends with:\n${lastLines(stderr, 20)}` : '; stderr was empty';
  if (status?.reason === 'NonZeroExitCode') {
    const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
    const code = cause?.message !== undefined ? Number(cause.message) : undefined;
    return new ExecError(`${label} exited with code ${code ?? 'unknown'}${tail}`, status, code, stderr);
  }
  return new ExecError(`${label} failed: ${status?.message ?? JSON.stringify(status)}${tail}`, status, undefined, stderr);
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

/** Waits until every write made so far reached the destination; ends it first when asked to. */
function flush(stream: Writable, end: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stream.destroyed) return reject(new Error('the output stream was destroyed'));
    if (end) {
      stream.once('error', reject);
      stream.end(() => {
        stream.off('error', reject);
        resolve();
      });
    } else {
      stream.write(Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
    }
  });
}
