// @ts-check
// pods/portforward, as kube-apiserver (>= 1.31) and the kubelet serve it, forwarding to real TCP
// addresses: a pod declares `portForwards: { 9000: '127.0.0.1:<port>' }` and connections to its
// port 9000 reach that address.
//
// - WebSocket `v4.channel.k8s.io` (client-node, this suite's kube package): ports from `?ports=`;
//   port i has data channel 2i and error channel 2i+1; the server first writes the port number
//   (2 bytes, little-endian) on both, then the pod's bytes on the data channel. The client writes
//   raw bytes on the data channel. An error ends up as text on the error channel; the socket is
//   closed once every port's connection has ended.
// - WebSocket `SPDY/3.1+portforward.k8s.io` (kubectl >= 1.31) and `Upgrade: SPDY/3.1` (kubectl's
//   fallback): SPDY streams in pairs sharing a `requestid` header, `streamtype` error or data,
//   `port` the pod's port; each connection is a pair, as the kubelet's httpstream handler serves it.
import net from 'node:net';
import { FLAG_FIN, GOAWAY, PING, RST, RST_STREAM, SYN_STREAM, SpdyCodec } from './spdy.js';

export const CHANNEL_PROTOCOL = 'v4.channel.k8s.io';
export const SPDY_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';
export const SPDY_STREAM_PROTOCOL = 'portforward.k8s.io';
export const PORT_FORWARD_PROTOCOLS = [CHANNEL_PROTOCOL, SPDY_TUNNEL_PROTOCOL];
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;

/**
 * @typedef {import('./types.js').PortForwardRecord} PortForwardRecord
 * @typedef {import('./types.js').Transport} Transport
 * @typedef {import('./types.js').PodTarget} PodTarget
 * @typedef {import('./types.js').Session} Session
 * @typedef {import('./types.js').SpdyFrame} SpdyFrame
 * @typedef {{ id: number, type: 'data' | 'error', port: string, pair: StreamPair, finSent: boolean }} SpdyStream
 * @typedef {{ data?: SpdyStream, error?: SpdyStream, socket?: net.Socket, pending: Buffer[], dataEnded: boolean, finished: boolean }} StreamPair
 *   one forwarded connection: its data and error streams (same requestid), the pod socket once both are open
 * @typedef {StreamPair & { data: SpdyStream, error: SpdyStream }} OpenPair both streams open
 */

/**
 * Connects to where the pod's port is forwarded; errors are worded as the kubelet reports a
 * connection the pod refused.
 * @param {PodTarget} pod
 * @param {number} port
 * @returns {{ socket: net.Socket, failure: (err: NodeJS.ErrnoException) => string } | { error: string }}
 */
export function dialPod(pod, port) {
  /** @param {string} detail */
  const refused = (detail) =>
    `error forwarding port ${port} to pod ${pod.uid}, uid : failed to execute portforward in network namespace "/var/run/netns/cni-${pod.uid}": ` +
    `failed to connect to localhost:${port} inside namespace "${pod.uid}", IPv4: dial tcp4 127.0.0.1:${port}: connect: ${detail} ` +
    `IPv6 dial tcp6 [::1]:${port}: connect: ${detail} `;
  const target = pod.forwards[String(port)];
  if (!target) return { error: refused('connection refused') };
  const at = target.lastIndexOf(':');
  const socket = net.connect({ host: target.slice(0, at), port: Number(target.slice(at + 1)) });
  socket.setNoDelay(true);
  return { socket, failure: (err) => refused(err.code === 'ECONNREFUSED' ? 'connection refused' : err.message) };
}

/** Sends with a count of bytes still queued, pausing the pod sockets above HIGH_WATER. @param {Transport} transport */
function flowControl(transport) {
  let queued = 0;
  /** @type {Set<net.Socket>} */
  const paused = new Set();
  return {
    /** @param {Buffer} data @param {(err?: Error | null) => void} [cb] */
    send(data, cb) {
      queued += data.length;
      transport.send(data, (err) => {
        queued -= data.length;
        if (queued <= LOW_WATER) {
          for (const s of paused) {
            paused.delete(s);
            s.resume();
          }
        }
        cb?.(err);
      });
    },
    /** Pauses a pod socket while the client is behind. @param {net.Socket} socket */
    throttle(socket) {
      if (queued > HIGH_WATER && !paused.has(socket)) {
        paused.add(socket);
        socket.pause();
      }
    },
  };
}

/** Writes to the pod, pausing the client's stream while the pod socket is full. @param {net.Socket} socket @param {Buffer} data @param {Transport} transport */
function writeToPod(socket, data, transport) {
  if (!socket.write(data)) {
    transport.pause();
    socket.once('drain', () => transport.resume());
  }
}

/** @param {net.Socket} socket */
function endGently(socket) {
  socket.end();
  setTimeout(() => socket.destroy(), 2000).unref();
}

/**
 * @param {{ ws: import('ws').WebSocket, pod: PodTarget, ports: number[], record: PortForwardRecord, sessions: Set<Session> }} s
 */
export function serveChannelPortForward({ ws, pod, ports, record, sessions }) {
  const transport = wsTransport(ws);
  const flow = flowControl(transport);
  /** @param {number} channel @param {Buffer} data */
  const frame = (channel, data) => Buffer.concat([Buffer.of(channel), data]);
  /** @param {number} port */
  const portBytes = (port) => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(port, 0);
    return b;
  };
  let remaining = ports.length;
  const portDone = () => {
    if (--remaining === 0) transport.close();
  };
  const sockets = ports.map((port, i) => {
    flow.send(frame(2 * i, portBytes(port)));
    flow.send(frame(2 * i + 1, portBytes(port)));
    const target = dialPod(pod, port);
    if ('error' in target) {
      record.errors.push(target.error);
      flow.send(frame(2 * i + 1, Buffer.from(target.error)));
      queueMicrotask(portDone);
      return undefined;
    }
    record.connections++;
    const { socket } = target;
    socket.on('data', (d) => {
      record.bytesFromPod += d.length;
      flow.send(frame(2 * i, d));
      flow.throttle(socket);
    });
    socket.on('error', (err) => {
      const message = target.failure(err);
      record.errors.push(message);
      flow.send(frame(2 * i + 1, Buffer.from(message)));
    });
    socket.on('close', portDone);
    return socket;
  });
  ws.on('message', (data) => {
    // never an ArrayBuffer: the socket's binaryType is the default, 'nodebuffer'
    const buf = Buffer.isBuffer(data) ? data : Buffer.concat(/** @type {Buffer[]} */ (data));
    if (buf.length < 2 || buf[0] % 2 !== 0) return; // nothing, or the client writing on an error channel
    const socket = sockets[buf[0] / 2];
    if (!socket || socket.destroyed) return;
    record.bytesToPod += buf.length - 1;
    writeToPod(socket, buf.subarray(1), transport);
  });
  const session = { kill: () => (ws.terminate(), sockets.forEach((s) => s?.destroy())) };
  sessions.add(session);
  ws.on('close', () => {
    record.open = false;
    sessions.delete(session);
    for (const s of sockets) if (s && !s.destroyed) endGently(s);
  });
}

/**
 * SPDY port-forward over a WebSocket tunnel or a raw upgraded socket.
 * @param {{ transport: Transport, onData: (cb: (chunk: Buffer) => void) => void, onClose: (cb: () => void) => void,
 *   pod: PodTarget, record: PortForwardRecord, sessions: Set<Session> }} s
 */
export function serveSpdyPortForward({ transport, onData, onClose, pod, record, sessions }) {
  const codec = new SpdyCodec();
  const flow = flowControl(transport);
  /** @type {Map<number, SpdyStream>} */
  const streams = new Map();
  /** @type {Map<string, StreamPair>} requestid -> pair */
  const pairs = new Map();
  let lastStreamId = 0;
  let closed = false;

  /** @param {SpdyStream | undefined} stream */
  const fin = (stream) => {
    if (!stream || stream.finSent) return;
    stream.finSent = true;
    flow.send(codec.data(stream.id, Buffer.alloc(0), true));
  };
  /** @param {StreamPair} pair */
  const finishPair = (pair) => {
    if (pair.finished) return;
    pair.finished = true;
    fin(pair.data);
    fin(pair.error);
  };

  /** @param {OpenPair} pair */
  function start(pair) {
    const port = Number(pair.data.port);
    if (!record.ports.includes(port)) record.ports.push(port);
    const target = Number.isInteger(port) && port > 0 && port < 65536 ? dialPod(pod, port) : { error: `invalid port ${pair.data.port}` };
    if ('error' in target) {
      record.errors.push(target.error);
      flow.send(codec.data(pair.error.id, Buffer.from(target.error)));
      finishPair(pair);
      return;
    }
    record.connections++;
    const { socket } = target;
    pair.socket = socket;
    for (const chunk of pair.pending.splice(0)) socket.write(chunk);
    if (pair.dataEnded) socket.end();
    socket.on('data', (d) => {
      record.bytesFromPod += d.length;
      flow.send(codec.data(pair.data.id, d));
      flow.throttle(socket);
    });
    socket.on('error', (err) => {
      if (pair.finished) return;
      const message = target.failure(err);
      record.errors.push(message);
      flow.send(codec.data(pair.error.id, Buffer.from(message)));
    });
    socket.on('close', () => finishPair(pair));
  }

  /** @param {SpdyFrame} frame */
  function handle(frame) {
    if (!frame.control) {
      const stream = streams.get(frame.streamId);
      if (!stream) return; // gone (reset); spdystream drops these too
      if (stream.type !== 'data') return; // the client sends nothing on the error stream but its FIN
      const { pair } = stream;
      if (frame.data.length) {
        record.bytesToPod += frame.data.length;
        if (pair.socket) writeToPod(pair.socket, frame.data, transport);
        else pair.pending.push(Buffer.from(frame.data));
      }
      if (frame.flags & FLAG_FIN) {
        pair.dataEnded = true;
        pair.socket?.end();
      }
      return;
    }
    if (frame.type === SYN_STREAM) {
      const { streamId: id, headers } = /** @type {import('./types.js').SpdySynStreamFrame} */ (frame);
      if (id % 2 === 0 || id <= lastStreamId) {
        flow.send(codec.rstStream(id, RST.PROTOCOL_ERROR));
        return;
      }
      lastStreamId = id;
      const type = headers.streamtype;
      const requestId = headers.requestid;
      const valid = (type === 'data' || type === 'error') && requestId !== undefined && headers.port !== undefined;
      // The kubelet rejects a stream it cannot use by replying with FIN.
      flow.send(codec.synReply(id, {}, !valid));
      if (!valid) return;
      /** @type {StreamPair} */
      const pair = pairs.get(requestId) ?? { pending: [], dataEnded: false, finished: false };
      pairs.set(requestId, pair);
      /** @type {SpdyStream} */
      const stream = { id, type, port: headers.port, pair, finSent: false };
      pair[type] = stream;
      streams.set(id, stream);
      if (pair.data && pair.error && !pair.socket && !pair.finished) start(/** @type {OpenPair} */ (pair));
      return;
    }
    if (frame.type === RST_STREAM) {
      const { streamId } = /** @type {import('./types.js').SpdyRstStreamFrame} */ (frame);
      const stream = streams.get(streamId);
      if (!stream) return;
      streams.delete(streamId);
      stream.finSent = true;
      const { pair } = stream;
      if (pair.socket && !pair.socket.destroyed) pair.socket.destroy();
      pair.finished = true;
      return;
    }
    if (frame.type === PING) {
      flow.send(frame.raw); // a ping from the peer is echoed as it came
      return;
    }
    if (frame.type === GOAWAY) transport.close();
    // SETTINGS, WINDOW_UPDATE, HEADERS: nothing to do (spdystream does no flow control)
  }

  onData((chunk) => {
    if (closed) return;
    let frames;
    try {
      frames = codec.receive(chunk);
    } catch (err) {
      record.errors.push(`spdy: ${/** @type {Error} */ (err).message}`);
      flow.send(codec.goAway(lastStreamId, 1));
      transport.close();
      return;
    }
    for (const f of frames) handle(f);
  });
  const session = { kill: () => transport.kill() };
  sessions.add(session);
  onClose(() => {
    if (closed) return;
    closed = true;
    record.open = false;
    sessions.delete(session);
    for (const pair of pairs.values()) if (pair.socket && !pair.socket.destroyed) endGently(pair.socket);
  });
}

/** @param {import('ws').WebSocket} ws @returns {Transport} */
export function wsTransport(ws) {
  return {
    send: (data, cb) => (ws.readyState === ws.OPEN ? ws.send(data, { binary: true }, cb) : cb?.()),
    pause: () => ws.pause(),
    resume: () => ws.resume(),
    close: () => ws.readyState === ws.OPEN && ws.close(1000),
    kill: () => ws.terminate(),
  };
}

/** @param {import('node:stream').Duplex} socket an upgraded connection @returns {Transport} */
export function socketTransport(socket) {
  return {
    send: (data, cb) => (socket.writable ? socket.write(data, cb) : cb?.()),
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    close: () => socket.end(),
    kill: () => socket.destroy(),
  };
}
