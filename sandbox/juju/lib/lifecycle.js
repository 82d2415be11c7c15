// @ts-check
// Unit lifecycles of a Kubernetes (sidecar) application, computed from timestamps kept in the state,
// so that every juju invocation, however concurrent, sees the same model at the same instant.
//
// A unit record: { name, ordinal, appearAt, startedAt, activeAt, dyingAt?, terminatingAt?, goneAt? }
// (times in ms since the epoch; null means "never", which is how a stuck unit is kept).
//
//   scale up:   [not listed] -> allocating (agent allocating, workload waiting "installing agent")
//               -> starting (agent executing, workload maintenance) -> active/idle
//   scale down: dying (agent executing "running stop hook", workload maintenance)
//               -> terminating (workload terminated) -> no longer listed
// Unit numbers are pod ordinals, as for sidecar charms: scaling to n keeps ordinals 0..n-1, so a
// unit removed and added again comes back under its old name.

/** @import { AppTiming, Application, Faults, State, Status, UnitActivity, UnitRecord, UnitState, UnitView } from './types.js' */

/** Share of the settle time spent before a new unit is listed, and before its charm starts. */
const APPEAR = 0.15;
const START = 0.5;

/** @param {State} state @param {string} appName @returns {Required<AppTiming>} */
export function timingFor(state, appName) {
  const app = findApp(state, appName);
  return {
    settleMs: app?.timing?.settleMs ?? state.timing.settleMs,
    dyingMs: app?.timing?.dyingMs ?? state.timing.dyingMs,
  };
}

/** @param {State} state @param {string} appName */
function findApp(state, appName) {
  for (const model of Object.values(state.models)) if (model.applications[appName]) return model.applications[appName];
  return undefined;
}

/**
 * Whether the time has come. The predicate says only what a true answer means: false is also the
 * answer for a time still ahead.
 * @type {(at: number | null | undefined, now: number) => at is number}
 */
const reached = (at, now) => at !== null && at !== undefined && now >= at;

/**
 * The unit as `juju status` would show it at `now`, or null when it is not listed.
 * @param {Application} app @param {UnitRecord} unit @param {number} now @param {Faults} [faults]
 * @returns {UnitState | null}
 */
export function unitView(app, unit, now, faults = {}) {
  if (!reached(unit.appearAt, now)) return null;
  if (reached(unit.goneAt, now)) return null;
  const error = faults.unitErrors?.[unit.name];
  let phase;
  /** @type {Status} */
  let workload;
  /** @type {Status} */
  let agent;
  if (reached(unit.dyingAt, now)) {
    if (reached(unit.terminatingAt, now)) {
      phase = 'terminating';
      workload = { current: 'terminated', message: 'unit stopped by the cloud', since: unit.terminatingAt };
      agent = { current: 'executing', message: 'running remove hook', since: unit.terminatingAt };
    } else {
      phase = 'dying';
      workload = { current: 'maintenance', message: 'stopping charm software', since: unit.dyingAt };
      agent = { current: 'executing', message: 'running stop hook', since: unit.dyingAt };
    }
    return { ...base(unit), phase, life: 'dying', workload, agent };
  }
  if (!reached(unit.startedAt, now)) {
    phase = 'allocating';
    workload = { current: 'waiting', message: 'installing agent', since: unit.appearAt };
    agent = { current: 'allocating', message: '', since: unit.appearAt };
  } else if (error) {
    phase = 'error';
    const message = typeof error === 'string' ? error : 'hook failed: "start"';
    workload = { current: 'error', message, since: unit.startedAt };
    agent = { current: 'idle', message: '', since: unit.startedAt };
  } else if (!reached(unit.activeAt, now)) {
    phase = 'starting';
    workload = { current: 'maintenance', message: 'installing charm software', since: unit.startedAt };
    agent = { current: 'executing', message: 'running install hook', since: unit.startedAt };
  } else if (app.mysql?.blocked?.[unit.name]) {
    // a restore that failed after the data directory was emptied (restore.js): mysqld is down
    phase = 'blocked';
    workload = { current: 'blocked', message: app.mysql.blocked[unit.name], since: unit.activeAt };
    agent = { current: 'idle', message: '', since: unit.activeAt };
  } else {
    phase = 'active';
    workload = { current: 'active', message: app.activeMessage ?? '', since: unit.activeAt };
    agent = { current: 'idle', message: '', since: unit.activeAt };
  }
  return { ...base(unit), phase, life: 'alive', workload, agent };
}

/**
 * Of the ONLINE candidates ({ name, leader }): the configured primary, else the leader, else the first.
 * @param {Application} app @param {{ name: string, leader: boolean }[]} candidates
 */
export function choosePrimary(app, candidates) {
  const chosen = candidates.find((c) => c.name === app.mysql?.primary) ?? candidates.find((c) => c.leader) ?? candidates[0];
  return chosen?.name;
}

/** @param {UnitRecord} unit */
function base(unit) {
  return { name: unit.name, ordinal: unit.ordinal, address: unit.address, providerId: unit.providerId };
}

/**
 * The listed units, leader marked, and the application status derived from them. `activity`
 * (unit name -> { workload?, agent? }) overlays what a running action shows on an active unit.
 * @param {Application} app @param {number} now @param {Faults} [faults] @param {Record<string, UnitActivity>} [activity]
 * @returns {{ scale: number, units: UnitView[], status: Status }}
 */
export function appView(app, now, faults = {}, activity = {}) {
  const units = app.units.flatMap((u) => {
    const view = unitView(app, u, now, faults);
    return view ? [{ record: u, view }] : [];
  });
  // Leadership goes to the unit whose agent started first and stays with it until it is gone.
  const eligible = units
    .flatMap((u) => (u.view.phase !== 'allocating' && u.record.startedAt !== null ? [{ ...u, startedAt: u.record.startedAt }] : []))
    .sort((a, b) => a.startedAt - b.startedAt || a.record.ordinal - b.record.ordinal);
  const leader = eligible[0]?.view.name;
  /** @type {UnitView[]} */
  const views = units.map((u) => ({ ...u.view, leader: u.view.name === leader }));
  // mysql-k8s shows "Primary" on the primary (app.mysql.primary if it is an ONLINE member, else the leader).
  const primary = app.primaryMessage
    ? choosePrimary(
        app,
        views.filter((v) => v.phase === 'active' && (faults.memberStates?.[v.name] ?? 'ONLINE') === 'ONLINE'),
      )
    : undefined;
  for (const v of views) {
    if (v.phase === 'active' && app.primaryMessage) v.workload = { ...v.workload, message: v.name === primary ? app.primaryMessage : '' };
    const busy = activity[v.name];
    if (busy && v.phase === 'active') {
      if (busy.workload) v.workload = { ...busy.workload };
      if (busy.agent) v.agent = { ...busy.agent };
    }
  }
  views.sort((a, b) => a.ordinal - b.ordinal || (a.life === 'dying' ? -1 : 1));
  const errored = views.find((v) => v.phase === 'error');
  const leaderView = views.find((v) => v.leader);
  /** @type {Status} */
  let status;
  const blockedView = views.find((v) => v.phase === 'blocked');
  if (errored) status = { ...errored.workload };
  else if (blockedView) status = { ...blockedView.workload };
  else if (leaderView && typeof app.mysql?.s3Blocked === 'string' && leaderView.phase === 'active')
    // the charm's app status after a restore (rev254+) or on a path another cluster claimed
    status = { current: 'blocked', message: app.mysql.s3Blocked, since: leaderView.workload.since };
  else if (leaderView) status = { ...leaderView.workload };
  else if (app.scale > 0) status = { current: 'waiting', message: 'installing agent', since: app.scaledAt ?? app.status.since };
  else status = { ...app.status };
  return { scale: app.scale, units: views, status };
}

/**
 * `juju scale-application app n`: sets the desired scale at once and schedules the units' arrival
 * or departure. `stuck` (the never-settle fault) leaves new units allocating and removed units
 * terminating for ever.
 * @param {Application} app @param {number} n @param {number} now @param {Required<AppTiming>} timing @param {boolean} [stuck]
 */
export function scaleTo(app, n, now, { settleMs, dyingMs }, stuck = false) {
  app.units = app.units.filter((u) => !reached(u.goneAt, now));
  app.scale = n;
  app.scaledAt = now;
  const alive = app.units.filter((u) => !reached(u.dyingAt, now)).sort((a, b) => b.ordinal - a.ordinal);
  for (const unit of alive.slice(0, Math.max(0, alive.length - n))) {
    if (!reached(unit.appearAt, now)) {
      app.units = app.units.filter((u) => u !== unit); // never listed: simply not created
      continue;
    }
    unit.dyingAt = now;
    unit.terminatingAt = now + Math.round(dyingMs / 2);
    unit.goneAt = stuck ? null : now + dyingMs;
  }
  const taken = new Set(app.units.filter((u) => !reached(u.dyingAt, now)).map((u) => u.ordinal));
  for (let ordinal = 0, added = alive.length; added < n; ordinal++) {
    if (taken.has(ordinal)) continue;
    // A pod of the same ordinal still terminating must be gone before the new one is created.
    const previous = app.units.filter((u) => u.ordinal === ordinal).map((u) => u.goneAt);
    if (previous.includes(null)) continue;
    const from = Math.max(now, .../** @type {number[]} */ (previous)); // null ruled out just above
    app.units.push(newUnit(app, ordinal, from, settleMs, stuck));
    added++;
  }
}

/**
 * @param {{ name: string }} app @param {number} ordinal @param {number} from @param {number} settleMs @param {boolean} [stuck]
 * @returns {UnitRecord}
 */
export function newUnit(app, ordinal, from, settleMs, stuck = false) {
  return {
    name: `${app.name}/${ordinal}`,
    ordinal,
    providerId: `${app.name}-${ordinal}`,
    address: unitAddress(app, ordinal, from),
    appearAt: from + Math.round(settleMs * APPEAR),
    startedAt: stuck ? null : from + Math.round(settleMs * START),
    activeAt: stuck ? null : from + settleMs,
  };
}

/** A settled unit, as found in a model deployed long ago. @param {{ name: string }} app @param {number} ordinal @param {number} at */
export function settledUnit(app, ordinal, at) {
  return { ...newUnit(app, ordinal, at, 0), appearAt: at, startedAt: at, activeAt: at };
}

/** Pod addresses change when a pod is recreated, as on Kubernetes. @param {{ name: string }} app @param {number} ordinal @param {number} from */
function unitAddress(app, ordinal, from) {
  const h = hash(`${app.name}/${ordinal}@${from}`);
  return `10.1.${(h >>> 8) % 250}.${(h % 250) + 2}`;
}

/** @param {string} text */
export function hash(text) {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h;
}
