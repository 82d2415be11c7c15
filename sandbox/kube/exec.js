// @ts-check
// pods/exec over WebSocket, as kube-apiserver (>= 1.30, the stream translator) serves it.
//
// Frames are binary: the first byte is the channel (0 stdin, 1 stdout, 2 stderr, 3 status, 4 resize;
// v5.channel.k8s.io adds 255 = "close channel <next byte>", which clients send to half-close stdin).
// After the command ends, one metav1.Status JSON arrives on channel 3, then a normal close.
// The child's stdout is paused while more than HIGH_WATER bytes are queued on the socket, so a slow
// client slows the command down instead of filling this process's memory.
import { randomBytes } from 'node:crypto';
import { execNonZeroExit, execNotFound, execSuccess, failure } from './status.js';

export const SUPPORTED_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const RESIZE = 4;
const CLOSE = 255;
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;

/**
 * @typedef {import('./types.js').ExecFault} ExecFault
 * @typedef {import('./types.js').ExecRecord} ExecRecord
 * @typedef {import('node:stream').Readable} Readable
 */

/**
 * @param {{ ws: import('ws').WebSocket, fs: import('./containers.js').ContainerFilesystems,
 *   namespace: string, pod: string, container: string, command: string[],
 *   streams: import('./types.js').ExecStreams, fault?: ExecFault,
 *   record: ExecRecord, sessions: Set<import('./types.js').Session> }} s
 */
export function serveExec(s) {
  const { ws, record } = s;
  record.stdoutBytes = 0;
  const started = Date.now();
  let queued = 0;
  let stdoutSent = 0;
  let finished = false;
  /** @type {Set<Readable>} */
  const paused = new Set();
  /** @type {NodeJS.Timeout | undefined} */
  let throttleTimer;

  /** @param {number} channel @param {Buffer | string} data @param {(err?: Error) => void} [cb] */
  const send = (channel, data, cb) => {
    const frame = Buffer.allocUnsafe(data.length + 1);
    frame[0] = channel;
    if (typeof data === 'string') frame.write(data, 1);
    else data.copy(frame, 1);
    queued += frame.length;
    ws.send(frame, { binary: true }, (err) => {
      queued -= frame.length;
      if (queued <= LOW_WATER) for (const r of paused) resumeStream(r);
      cb?.(err);
    });
  };
  /** @param {Readable | null} r */
  const pauseStream = (r) => {
    if (!r) return;
    paused.add(r);
    r.pause();
  };
  /** @param {Readable} r */
  const resumeStream = (r) => {
    paused.delete(r);
    r.resume();
  };

  // The kubelet announces the session with an empty frame on the lowest writable channel.
  send(s.streams.stdout ? STDOUT : s.streams.stderr ? STDERR : STATUS, Buffer.alloc(0));

  const execId = randomBytes(32).toString('hex');
  const missing = s.fs.lookup(s.namespace, s.pod, s.container, s.command[0]);
  if (missing) {
    finish(execNotFound(s.command, execId), 'not-found');
    return;
  }

  const child = s.fs.spawn(s.namespace, s.pod, s.container, s.command, { stdin: s.streams.stdin });
  record.pid = child.pid;
  const session = { kill: () => killGroup() };
  s.sessions.add(session);
  const killGroup = () => {
    if (child.pid === undefined) return; // it never started (the 'error' event says why)
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };

  /** @type {{ code: number | null, signal: NodeJS.Signals | null } | undefined} */
  let exit;
  let open = 2;
  const maybeDone = () => {
    if (finished || open > 0 || !exit) return;
    const { code, signal } = exit;
    if (code === 0) finish(execSuccess(), 'success');
    else if (code !== null) finish(execNonZeroExit(s.command, code), 'exit');
    else finish(execNonZeroExit(s.command, 128 + (signalNumber(signal) ?? 9)), 'signal');
  };
  child.on('exit', (code, signal) => {
    exit = { code, signal };
    record.exitCode = code;
    maybeDone();
  });
  child.on('error', (err) => {
    exit = { code: 126, signal: null };
    child.stderr?.push(`kube-sandbox: ${err.message}\n`);
  });

  const fault = s.fault ?? {};
  const rate = fault.bytesPerSecond;
  /** Sends stdout bytes; false once the injected fault has dropped the connection. @param {Buffer} chunk */
  const sendStdout = (chunk) => {
    if (fault.dropAfterBytes !== undefined && stdoutSent + chunk.length >= fault.dropAfterBytes) {
      const last = chunk.subarray(0, fault.dropAfterBytes - stdoutSent);
      stdoutSent += last.length;
      record.stdoutBytes = stdoutSent;
      pauseStream(child.stdout);
      const dropNow = () => drop(fault.drop ?? 'reset');
      if (last.length && s.streams.stdout) send(STDOUT, last, dropNow);
      else dropNow();
      return false;
    }
    stdoutSent += chunk.length;
    record.stdoutBytes = stdoutSent;
    if (s.streams.stdout) send(STDOUT, chunk);
    return true;
  };
  child.stdout.on('data', (/** @type {Buffer} */ chunk) => {
    if (finished) return;
    if (!rate) {
      if (sendStdout(chunk) && queued > HIGH_WATER) pauseStream(child.stdout);
      return;
    }
    // throttled: tenth-of-a-second pieces, each followed by its share of time (paused directly, so
    // the low-water resume of send() cannot interleave the next chunk)
    child.stdout.pause();
    const piece = Math.max(1, Math.floor(rate / 10));
    let offset = 0;
    const step = () => {
      throttleTimer = undefined;
      if (finished) return;
      const part = chunk.subarray(offset, offset + piece);
      offset += part.length;
      if (!sendStdout(part)) return;
      throttleTimer = setTimeout(
        () => {
          if (offset < chunk.length) step();
          else {
            throttleTimer = undefined;
            child.stdout.resume();
          }
        },
        (part.length / rate) * 1000,
      );
    };
    step();
  });
  child.stderr.on('data', (chunk) => {
    if (finished) return;
    if (s.streams.stderr) send(STDERR, chunk);
    if (queued > HIGH_WATER) pauseStream(child.stderr);
  });
  for (const r of [child.stdout, child.stderr]) {
    r.on('end', () => {
      open--;
      maybeDone();
    });
  }

  const { stdin } = child;
  if (stdin) {
    stdin.on('error', () => undefined);
    ws.on('message', (data) => {
      // never an ArrayBuffer: the socket's binaryType is the default, 'nodebuffer'
      const buf = Buffer.isBuffer(data) ? data : Buffer.concat(/** @type {Buffer[]} */ (data));
      if (!buf.length) return;
      if (buf[0] === STDIN) {
        if (!stdin.write(buf.subarray(1))) {
          ws.pause();
          stdin.once('drain', () => ws.resume());
        }
      } else if (buf[0] === CLOSE && buf[1] === STDIN && ws.protocol === 'v5.channel.k8s.io') {
        stdin.end();
      } else if (buf[0] === RESIZE) {
        // no terminal here: resize messages are accepted and ignored
      }
    });
  }

  ws.on('close', () => {
    record.clientClosed = !finished;
    if (!finished) {
      finished = true;
      record.outcome = 'client-closed';
      killGroup();
    }
    clearTimeout(throttleTimer);
    s.sessions.delete(session);
  });

  /** @param {'reset' | 'close' | 'status'} how */
  function drop(how) {
    if (finished) return;
    finished = true;
    record.outcome = `dropped-${how}`;
    killGroup();
    record.durationMs = Date.now() - started;
    if (how === 'status') {
      // as the kubelet writes it: without kind and apiVersion
      const {
        kind: _kind,
        apiVersion: _apiVersion,
        ...st
      } = failure(
        500,
        'InternalError',
        'Internal error occurred: error sending request: read tcp 10.0.0.1:51234->10.0.0.10:10250: read: connection reset by peer',
        { causes: [{ message: 'error sending request: read tcp 10.0.0.1:51234->10.0.0.10:10250: read: connection reset by peer' }] },
      );
      send(STATUS, JSON.stringify(st), () => ws.close(1000));
    } else if (how === 'close') ws.close(1000);
    else ws.terminate();
  }

  /** @param {object} status @param {string} outcome */
  function finish(status, outcome) {
    if (finished) return;
    finished = true;
    record.outcome = outcome;
    record.status = status;
    record.durationMs = Date.now() - started;
    send(STATUS, JSON.stringify(status), () => ws.close(1000));
  }
}

/** @param {NodeJS.Signals | null} sig @returns {number | undefined} */
function signalNumber(sig) {
  /** @type {Partial<Record<NodeJS.Signals, number>>} */
  const numbers = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGPIPE: 13, SIGTERM: 15 };
  return sig ? numbers[sig] : undefined;
}

/**
 * The subprotocol the apiserver would pick: the first the client offers that it supports.
 * @param {string[]} offered @param {string[]} supported
 * @returns {string | undefined}
 */
export function negotiate(offered, supported) {
  return offered.find((p) => supported.includes(p));
}
