import net from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { ActionError, TimeoutError, onAbort, type Logger } from '@ml-backup-actions/core';
import WebSocket from 'ws';
import type { Target } from './errors.js';
import { abortReason, onConnectionFailure, openChannelSocket } from './websocket.js';

/**
 * pods/portforward over WebSocket, as the kubelet serves it (client-node's PortForward speaks the
 * same): each forwarded port has a data channel (2i) and an error channel (2i+1). Frames are binary,
 * their first byte the channel; the server starts each channel with the port number, 2 bytes
 * little-endian. The client writes raw bytes on the data channel. One WebSocket carries one TCP
 * connection to the pod; the server closes it when the pod side closes, after an error message on
 * the error channel if the connection failed.
 */
export const PORT_FORWARD_PROTOCOL = 'v4.channel.k8s.io';
const DATA = 0;
const ERROR = 1;
const SOCKET_HIGH = 1024 * 1024;
const SOCKET_LOW = 256 * 1024;

/** One frame for the server: the channel byte, then the payload. */
export function channelFrame(channel: number, payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(payload.length + 1);
  frame[0] = channel;
  payload.copy(frame, 1);
  return frame;
}

/** Reads the frames of a one-port forward: checks and strips each channel's port prefix. */
export class PortForwardChannels {
  private readonly prefixes = [Buffer.alloc(0), Buffer.alloc(0)];

  constructor(readonly port: number) {}

  /** Both channels have announced the port: the server has accepted the forward. */
  get ready(): boolean {
    return this.prefixes.every((p) => p.length === 2);
  }

  /** The payload a frame carries for the data or error channel, once past the prefix (undefined for none). */
  read(frame: Buffer): { channel: 'data' | 'error'; payload: Buffer } | undefined {
    if (!frame.length) return undefined;
    const channel = frame[0];
    if (channel !== DATA && channel !== ERROR)
      throw new ActionError(`the port-forward stream sent a frame on channel ${channel}; only channels 0 and 1 carry port ${this.port}`);
    let payload = frame.subarray(1);
    const prefix = this.prefixes[channel];
    if (prefix.length < 2) {
      const take = payload.subarray(0, 2 - prefix.length);
      this.prefixes[channel] = Buffer.concat([prefix, take]);
      payload = payload.subarray(take.length);
      if (this.prefixes[channel].length === 2) {
        const announced = this.prefixes[channel].readUInt16LE(0);
        if (announced !== this.port)
          throw new ActionError(`the port-forward stream announced port ${announced} on channel ${channel}, not the port asked for (${this.port})`);
      }
    }
    if (!payload.length) return undefined;
    return { channel: channel === DATA ? 'data' : 'error', payload };
  }
}

export interface PortForwardOptions {
  namespace: string;
  pod: string;
  /** The pod's port (a container port, not a service port). */
  port: number;
  /** Aborting closes the listener and every connection, like close(). */
  signal?: AbortSignal;
  log?: Logger;
  /** How long connecting to the pod may take, for the first check and each connection (30 s by default). */
  connectTimeoutMs?: number;
}

/** A local listener on 127.0.0.1 whose connections are carried to a pod's port. */
export interface PortForward {
  readonly localPort: number;
  /** http://127.0.0.1:<localPort> */
  readonly endpoint: string;
  /** "127.0.0.1:41234 -> pod kubeflow/minio-0 port 9000", for the log. */
  readonly description: string;
  /** Connections accepted so far, and open now. */
  readonly connections: number;
  readonly active: number;
  /** How the last failed connection failed (the API server's or the pod's words), for error messages. */
  readonly lastError: string | undefined;
  /** Stops listening and closes every connection; resolves once the listener is closed. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Opens the forward: first one connection to the pod checks access (RBAC for pods/portforward,
 * the pod running, the protocol), so those fail here with a clear error; then the listener opens.
 */
export async function openPortForward(kc: KubeConfig, options: PortForwardOptions): Promise<PortForward> {
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
    throw new ActionError(`cannot forward to port ${options.port} of pod ${options.pod}: a port is a whole number from 1 to 65535`);
  }
  if (options.signal?.aborted) throw abortReason(options.signal);
  const forwarder = new Forwarder(kc, options);
  await forwarder.check();
  await forwarder.listen();
  return forwarder;
}

interface Connection {
  socket: net.Socket;
  ws?: WebSocket;
}

class Forwarder implements PortForward {
  private server?: net.Server;
  private port = 0;
  private readonly open = new Set<Connection>();
  /** Every local socket not yet closed, also those still flushing their last bytes. */
  private readonly sockets = new Set<net.Socket>();
  private closing?: Promise<void>;
  private accepted = 0;
  private failure?: string;
  private readonly target: Target;
  private forgetAbort = () => {};

  constructor(
    private readonly kc: KubeConfig,
    private readonly options: PortForwardOptions,
  ) {
    this.target = { verb: 'port-forward to', resource: 'pod', name: options.pod, namespace: options.namespace, server: kc.getCurrentCluster()?.server ?? '' };
  }

  get localPort(): number {
    return this.port;
  }
  get endpoint(): string {
    return `http://127.0.0.1:${this.localPort}`;
  }
  get description(): string {
    return `127.0.0.1:${this.localPort} -> pod ${this.options.namespace}/${this.options.pod} port ${this.options.port}`;
  }
  get connections(): number {
    return this.accepted;
  }
  get active(): number {
    return this.open.size;
  }
  get lastError(): string | undefined {
    return this.failure;
  }

  /** One connection that waits for the server to announce the port on both channels, then closes. */
  async check(): Promise<void> {
    const ws = await this.connect();
    const channels = new PortForwardChannels(this.options.port);
    await new Promise<void>((resolve, reject) => {
      const { namespace, pod, port, signal } = this.options;
      const timeoutMs = this.options.connectTimeoutMs ?? 30_000;
      let settled = false;
      let forgetAbort = () => {};
      const settle = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        forgetAbort();
        if (err) {
          ws.terminate();
          reject(err);
        } else {
          ws.close(1000);
          resolve();
        }
      };
      const timer = setTimeout(
        () =>
          settle(new TimeoutError(`port-forward to pod ${namespace}/${pod} port ${port}: the API server did not open the stream within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      // Also a signal that came while connecting.
      forgetAbort = onAbort(signal, () => signal && settle(abortReason(signal)));
      onConnectionFailure(ws, this.target, settle);
      ws.on('open', () => {
        if (ws.protocol !== PORT_FORWARD_PROTOCOL) settle(this.protocolError(ws.protocol));
      });
      ws.on('message', (data: Buffer) => {
        try {
          const frame = channels.read(data);
          if (frame?.channel === 'error') return settle(this.podError(frame.payload.toString('utf8')));
        } catch (err) {
          return settle(err as Error);
        }
        if (channels.ready) settle();
      });
      ws.on('close', (code) =>
        settle(new ActionError(`port-forward to pod ${namespace}/${pod} port ${port}: the API server closed the stream (code ${code}) before it was open`)),
      );
    });
  }

  async listen(): Promise<void> {
    const server = net.createServer({ pauseOnConnect: true }, (socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new ActionError(`could not listen on 127.0.0.1 for the port-forward: ${err.message}`)));
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    server.on('error', (err) => this.note(`the port-forward listener failed: ${err.message}`));
    this.options.log?.debug(`port-forward listening: ${this.description}`);
    this.forgetAbort = onAbort(this.options.signal, () => void this.close());
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.forgetAbort();
      const server = this.server;
      const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
      for (const c of this.open) c.ws?.terminate();
      for (const socket of this.sockets) socket.destroy();
      this.open.clear();
      this.sockets.clear();
      await closed;
    })();
    return this.closing;
  }

  private async connect(): Promise<WebSocket> {
    const path = `/api/v1/namespaces/${encodeURIComponent(this.options.namespace)}/pods/${encodeURIComponent(this.options.pod)}/portforward`;
    return openChannelSocket(this.kc, path, new URLSearchParams({ ports: String(this.options.port) }), [PORT_FORWARD_PROTOCOL]);
  }

  /** Carries one local connection over its own WebSocket, with backpressure both ways. */
  private accept(socket: net.Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.accepted++;
    const conn: Connection = { socket };
    this.open.add(conn);
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.setNoDelay(true);
    let done = false;
    const finish = (error?: string) => {
      if (done) return;
      done = true;
      this.open.delete(conn);
      if (error) {
        this.note(error);
        socket.destroy();
      } else socket.end();
      if (conn.ws && conn.ws.readyState !== WebSocket.CLOSED) {
        if (conn.ws.readyState === WebSocket.OPEN) conn.ws.close(1000);
        else conn.ws.terminate();
      }
    };
    socket.on('error', () => finish());
    socket.on('close', () => finish());

    this.connect().then(
      (ws) => {
        conn.ws = ws;
        if (done) {
          ws.on('error', () => undefined); // terminating a connecting socket reports an error
          ws.terminate();
          return;
        }
        this.pipe(socket, ws, finish);
      },
      (err: Error) => finish(err.message),
    );
  }

  private pipe(socket: net.Socket, ws: WebSocket, finish: (error?: string) => void): void {
    const channels = new PortForwardChannels(this.options.port);
    const connectTimeoutMs = this.options.connectTimeoutMs ?? 30_000;
    const timer = setTimeout(() => finish(`the API server did not open the stream within ${connectTimeoutMs / 1000} s`), connectTimeoutMs);
    let errorText = '';
    let queued = 0;
    let socketPaused = true;
    onConnectionFailure(ws, this.target, (err) => {
      clearTimeout(timer);
      finish(err.message);
    });
    ws.on('open', () => {
      if (ws.protocol !== PORT_FORWARD_PROTOCOL) return finish(this.protocolError(ws.protocol).message);
      clearTimeout(timer);
      socketPaused = false;
      socket.resume();
    });
    socket.on('data', (chunk: Buffer) => {
      queued += chunk.length + 1;
      ws.send(channelFrame(DATA, chunk), { binary: true }, () => {
        queued -= chunk.length + 1;
        if (socketPaused && queued <= SOCKET_LOW && !socket.destroyed) {
          socketPaused = false;
          socket.resume();
        }
      });
      if (queued >= SOCKET_HIGH && !socketPaused) {
        socketPaused = true;
        socket.pause();
      }
    });
    ws.on('message', (data: Buffer) => {
      let frame;
      try {
        frame = channels.read(data);
      } catch (err) {
        return finish((err as Error).message);
      }
      if (!frame) return;
      if (frame.channel === 'error') {
        errorText += frame.payload.toString('utf8');
        return;
      }
      if (!socket.write(frame.payload)) {
        ws.pause();
        socket.once('drain', () => ws.resume());
      }
    });
    ws.on('close', () => {
      clearTimeout(timer);
      finish(errorText ? this.podError(errorText).message : undefined);
    });
  }

  private note(error: string): void {
    if (error !== this.failure) this.options.log?.warning(`port-forward (${this.description}): ${error}`);
    this.failure = error;
  }

  private protocolError(protocol: string): ActionError {
    return new ActionError(
      `the API server at ${this.target.server} chose port-forward subprotocol "${protocol}", which this client does not speak (it offers ${PORT_FORWARD_PROTOCOL})`,
    );
  }

  private podError(message: string): ActionError {
    return new ActionError(`port-forward to pod ${this.options.namespace}/${this.options.pod} port ${this.options.port} failed: ${message.trim()}`);
  }
}
