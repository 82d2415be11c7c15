// @ts-check
// Pebble's service manager (internals/overlord/servstate) for in-process programs: the state
// machine starting -> running (after okayDelay without exiting) -> terminating -> stopped, exits
// handled by on-success/on-failure (default restart: backoff 500ms x2 up to 30s, with 0-10% jitter),
// "exited quickly" start failures, changes and tasks as /v1/changes reports them, and each
// service's output in a 100 KiB log buffer. Statuses: active (starting, running), inactive
// (terminating, stopped), backoff, error (exited).

const MAX_LOG_BYTES = 100 * 1024;
const LAST_LOG_LINES = 20;

/**
 * @typedef {import('./types.js').ServiceSpec} ServiceSpec
 * @typedef {import('./types.js').ServiceIo} ServiceIo
 * @typedef {'initial' | 'starting' | 'running' | 'terminating' | 'stopped' | 'backoff' | 'exited'} State
 * @typedef {{ id: string, kind: string, summary: string, status: string, log: string[], progress: { label: string, done: number, total: number },
 *   'spawn-time': string, 'ready-time'?: string }} Task
 * @typedef {{ id: string, kind: string, summary: string, status: string, tasks: Task[], ready: boolean, err?: string,
 *   'spawn-time': string, 'ready-time'?: string }} Change
 * @typedef {{ time: Date, service: string, message: string }} LogEntry
 * @typedef {{ name: string, spec: ServiceSpec, state: State, since: Date | undefined, pid: number, starts: number,
 *   run?: { stop?: () => void }, logs: LogEntry[], logBytes: number, backoffNum: number, backoffTime: number,
 *   timers: Set<NodeJS.Timeout>, started?: (err: string | null) => void, stopped?: () => void }} Service
 */

const STATUS = /** @type {Record<State, string>} */ ({
  initial: 'inactive',
  starting: 'active',
  running: 'active',
  terminating: 'inactive',
  stopped: 'inactive',
  backoff: 'backoff',
  exited: 'error',
});

/** "500ms", "1s", "30s" (pebble layer syntax) -> ms. @param {string | number | undefined} v @param {number} def */
function parseDuration(v, def) {
  if (v === undefined) return def;
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(v);
  if (!m) throw new Error(`pebble sandbox: bad duration ${v}`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[/** @type {'ms' | 's' | 'm'} */ (m[2])];
}

export class ServiceManager {
  /**
   * @param {Record<string, ServiceSpec>} specs
   * @param {{ okayDelayMs?: number, io: (service: string) => Omit<ServiceIo, 'log' | 'exit'> }} options
   */
  constructor(specs, options) {
    this.okayDelayMs = options.okayDelayMs ?? 1000;
    this.makeIo = options.io;
    /** @type {Map<string, Service>} */
    this.services = new Map();
    for (const [name, spec] of Object.entries(specs)) {
      this.services.set(name, {
        name,
        spec,
        state: 'initial',
        since: undefined,
        pid: 0,
        starts: 0,
        logs: [],
        logBytes: 0,
        backoffNum: 0,
        backoffTime: 0,
        timers: new Set(),
      });
    }
    /** @type {Map<string, Change>} */
    this.changes = new Map();
    this.nextChange = 1;
    this.nextTask = 1;
    this.closed = false;
  }

  /** @param {Service} s */
  status(s) {
    return STATUS[s.state];
  }

  /** GET /v1/services: sorted by name, unknown names left out. @param {string[]} names */
  list(names) {
    return [...this.services.values()]
      .filter((s) => !names.length || names.includes(s.name))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((s) => ({
        name: s.name,
        startup: s.spec.startup === 'enabled' ? 'enabled' : 'disabled',
        current: this.status(s),
        ...(s.since ? { 'current-since': s.since.toISOString() } : {}),
      }));
  }

  /** The names that do not exist, as plan.StartOrder / StopOrder refuse them. @param {string[]} names */
  unknown(names) {
    return names.find((n) => !this.services.has(n));
  }

  /**
   * Makes a change whose tasks run one after another, and returns its id.
   * @param {'start' | 'stop' | 'autostart'} action @param {string[]} names
   */
  change(action, names) {
    const id = String(this.nextChange++);
    const title = action[0].toUpperCase() + action.slice(1);
    const now = new Date().toISOString();
    const summary =
      names.length === 1 ? `${title} service ${JSON.stringify(names[0])}` : `${title} service ${JSON.stringify(names[0])} and ${names.length - 1} more`;
    /** @type {Change} */
    const chg = { id, kind: action, summary, status: 'Doing', tasks: [], ready: false, 'spawn-time': now };
    for (const name of names) {
      const verb = action === 'stop' ? 'Stop' : 'Start';
      chg.tasks.push({
        id: String(this.nextTask++),
        kind: verb.toLowerCase(),
        summary: `${verb} service ${JSON.stringify(name)}`,
        status: 'Do',
        log: [],
        progress: { label: '', done: 0, total: 1 },
        'spawn-time': now,
      });
    }
    this.changes.set(id, chg);
    void this.runChange(chg, action === 'stop' ? 'stop' : 'start', names);
    return id;
  }

  /** @param {Change} chg @param {'start' | 'stop'} verb @param {string[]} names */
  async runChange(chg, verb, names) {
    for (const [i, name] of names.entries()) {
      const task = chg.tasks[i];
      task.status = 'Doing';
      const s = /** @type {Service} */ (this.services.get(name));
      const err = verb === 'start' ? await this.doStart(s, task) : await this.doStop(s, task);
      if (err) taskLog(task, 'ERROR', err);
      task.status = err ? 'Error' : 'Done';
      task.progress.done = 1;
      task['ready-time'] = new Date().toISOString();
    }
    const failed = chg.tasks.filter((t) => t.status === 'Error');
    chg.status = failed.length ? 'Error' : 'Done';
    if (failed.length) {
      const lines = failed.flatMap((t) => t.log.filter((l) => / ERROR /.test(l)).map((l) => `- ${t.summary} (${l.slice(l.indexOf(' ERROR ') + 7)})`));
      chg.err = `cannot perform the following tasks:\n${lines.join('\n')}`;
    }
    chg.ready = true;
    chg['ready-time'] = new Date().toISOString();
  }

  /** @param {Service} s @param {Task} task @returns {Promise<string | null>} the task's error */
  doStart(s, task) {
    if (s.state === 'starting' || s.state === 'running') {
      taskLog(task, 'INFO', `Service ${JSON.stringify(s.name)} already started.`);
      return Promise.resolve(null);
    }
    if (s.state === 'terminating') return Promise.resolve(`cannot start service while terminating`);
    s.backoffNum = 0;
    s.backoffTime = 0;
    this.clearTimers(s);
    return new Promise((resolve) => {
      s.started = (err) => {
        s.started = undefined;
        if (!err) return resolve(null);
        // servicelog.LastLines: the last 20 lines, prefixes stripped, "(...)" first when there were more
        const last = s.logs.slice(-(LAST_LOG_LINES + 1)).map((e) => `    ${e.message}`);
        if (last.length > LAST_LOG_LINES) last[0] = '    (...)';
        if (last.length) taskLog(task, 'INFO', `Most recent service output:\n${last.join('\n')}`);
        resolve(`service start attempt: ${err}`);
      };
      this.startProcess(s);
    });
  }

  /** @param {Service} s @param {Task} task @returns {Promise<string | null>} */
  doStop(s, task) {
    const q = JSON.stringify(s.name);
    if (s.state === 'initial') return Promise.resolve(taskLog(task, 'INFO', `Service ${q} has never been started.`));
    if (s.state === 'terminating') return Promise.resolve(taskLog(task, 'INFO', `Service ${q} already stopping.`));
    if (s.state === 'stopped') return Promise.resolve(taskLog(task, 'INFO', `Service ${q} already stopped.`));
    if (s.state === 'exited') {
      this.transition(s, 'stopped');
      return Promise.resolve(taskLog(task, 'INFO', `Service ${q} had already exited.`));
    }
    return this.stopService(s).then(() => null);
  }

  /** Stops a service (SIGTERM: the program's stop()); resolves once it has exited. @param {Service} s @returns {Promise<void>} */
  stopService(s) {
    if (s.state === 'backoff') {
      this.clearTimers(s);
      this.transition(s, 'stopped');
      return Promise.resolve();
    }
    if (s.state !== 'starting' && s.state !== 'running') return Promise.resolve();
    if (s.state === 'starting') s.started?.(`stopped before the ${this.okayDelayMs / 1000}s okay delay`);
    return new Promise((resolve) => {
      s.stopped = resolve;
      this.transition(s, 'terminating');
      const pid = s.pid;
      try {
        s.run?.stop?.();
      } catch (err) {
        this.output(s, String(err));
      }
      // kill-delay, then SIGKILL: the program is dropped as if killed
      this.timer(s, parseDuration(s.spec['kill-delay'], 5000), () => {
        if (s.pid === pid && s.state === 'terminating') this.exited(s, pid, 137);
      });
    });
  }

  /** Autostart at the container's start: every service with startup: enabled. */
  autostart() {
    const names = [...this.services.values()].filter((s) => s.spec.startup === 'enabled').map((s) => s.name);
    if (names.length) this.change('autostart', names.sort());
  }

  /** @param {Service} s */
  startProcess(s) {
    const pid = ++s.pid;
    s.starts++;
    this.transition(s, 'starting');
    this.timer(s, this.okayDelayMs, () => {
      if (s.pid !== pid || s.state !== 'starting') return;
      this.transition(s, 'running');
      s.started?.(null);
    });
    const io = {
      ...this.makeIo(s.name),
      log: (/** @type {string} */ text) => {
        if (s.pid === pid) for (const line of String(text).replace(/\n$/, '').split('\n')) this.output(s, line);
      },
      exit: (/** @type {number} */ code) => setImmediate(() => this.exited(s, pid, code)),
    };
    try {
      s.run = s.spec.program.start(io) ?? undefined;
    } catch (err) {
      io.log(String(err));
      io.exit(1);
    }
  }

  /** @param {Service} s @param {string} message */
  output(s, message) {
    s.logs.push({ time: new Date(), service: s.name, message });
    s.logBytes += message.length + 1;
    while (s.logBytes > MAX_LOG_BYTES && s.logs.length > 1) s.logBytes -= /** @type {LogEntry} */ (s.logs.shift()).message.length + 1;
  }

  /** The process of start number pid exited with code. @param {Service} s @param {number} pid @param {number} code */
  exited(s, pid, code) {
    if (s.pid !== pid || this.closed) return;
    s.pid++; // this process is gone: later exits or logs from it are ignored
    s.run = undefined;
    const onType = code === 0 ? 'on-success' : 'on-failure';
    const action = s.spec[onType] ?? 'restart';
    if (s.state === 'terminating') {
      this.clearTimers(s);
      this.transition(s, 'stopped');
      const stopped = s.stopped;
      s.stopped = undefined;
      stopped?.();
      return;
    }
    if (s.state !== 'starting' && s.state !== 'running') return;
    if (s.state === 'starting') s.started?.(`exited quickly with code ${code}, will ${action}`);
    this.clearTimers(s);
    if (action === 'restart') {
      s.backoffNum++;
      const delay = parseDuration(s.spec['backoff-delay'], 500);
      const limit = parseDuration(s.spec['backoff-limit'], 30_000);
      s.backoffTime = s.backoffTime === 0 ? delay : Math.min(limit, s.backoffTime * (s.spec['backoff-factor'] ?? 2));
      this.transition(s, 'backoff');
      this.timer(s, s.backoffTime + Math.random() * 0.1 * s.backoffTime, () => {
        if (s.state === 'backoff') this.startProcess(s);
      });
    } else this.transition(s, code === 0 ? 'stopped' : 'exited');
  }

  /** @param {Service} s @param {State} state */
  transition(s, state) {
    if (!s.since || STATUS[s.state] !== STATUS[state]) s.since = new Date();
    s.state = state;
  }

  /** @param {Service} s @param {number} ms @param {() => void} fn */
  timer(s, ms, fn) {
    const t = setTimeout(() => {
      s.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    s.timers.add(t);
  }

  /** @param {Service} s */
  clearTimers(s) {
    for (const t of s.timers) clearTimeout(t);
    s.timers.clear();
  }

  /** The last n entries (-1: all) across the services, oldest first. @param {string[]} names @param {number} n */
  logs(names, n) {
    const wanted = names.length ? names : [...this.services.keys()];
    const all = wanted.flatMap((name) => this.services.get(name)?.logs ?? []).sort((a, b) => a.time.getTime() - b.time.getTime());
    return n < 0 ? all : n === 0 ? [] : all.slice(-n);
  }

  /** Stops every program at once (the pod goes away) and every timer; resolves once they are settled. */
  async close() {
    this.closed = true;
    for (const s of this.services.values()) {
      this.clearTimers(s);
      try {
        s.run?.stop?.();
      } catch {
        // going away regardless
      }
      s.run = undefined;
    }
    await Promise.all([...this.services.values()].map((s) => s.spec.program.settled?.()));
  }
}

/** task.Logf / Errorf: "<RFC 3339> INFO msg". @param {Task} task @param {'INFO' | 'ERROR'} level @param {string} msg @returns {null} */
function taskLog(task, level, msg) {
  task.log.push(`${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} ${level} ${msg}`);
  return null;
}
