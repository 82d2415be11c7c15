// @ts-check
// juju status [options] [<selector> ...]
// Shaped like Juju 3.6's formatter (vectors/juju/status-k8s-model.json): scale, units, leader and
// empty messages are left out when empty (omitempty), so a scale-0 application has neither
// "scale" nor "units". A selector that matches nothing is not an error: the status is printed with
// no applications and "Nothing matched specified filter." goes to stderr, exit 0.
import { FORMAT_FLAG, MODEL_FLAGS, OUTPUT_FLAG } from '../lib/args.js';
import { formatClock, formatSince, table, toJson, toYaml } from '../lib/format.js';
import { appView } from '../lib/lifecycle.js';
import { glob, relationsOf, resolveModel } from '../lib/model.js';
import { unitActivity } from '../lib/tasks.js';

/** @import { Application, Model, State, Status } from '../lib/types.js' */
/**
 * @typedef {{ model?: string, format: string, output?: string, utc?: boolean, color?: boolean, 'no-color'?: boolean, relations?: boolean,
 *   storage?: boolean, 'retry-count'?: string, 'retry-delay'?: string, watch?: string }} StatusFlags
 * @typedef {ReturnType<typeof statusInfo>} StatusInfo
 * @typedef {{ 'workload-status': StatusInfo, 'juju-status': StatusInfo, leader?: boolean, address: string, 'provider-id': string }} UnitStatus
 * @typedef {ReturnType<typeof formatApplication>} AppStatus
 * @typedef {{ model: { name: string, controller: string, cloud: string, region: string, version: string, sla: string },
 *   applications: Record<string, AppStatus>, controller: { timestamp: string } }} StatusView
 */

/** @type {import('../lib/types.js').ControllerCommand<StatusFlags>} */
export default {
  name: 'status',
  aliases: ['show-status'],
  needsController: true,
  flags: [
    ...MODEL_FLAGS,
    FORMAT_FLAG(['tabular', 'json', 'yaml', 'short', 'oneline', 'line'], 'tabular'),
    OUTPUT_FLAG,
    { names: ['utc'] },
    { names: ['color'] },
    { names: ['no-color'] },
    { names: ['relations'] },
    { names: ['storage'] },
    { names: ['retry-count'], value: true },
    { names: ['retry-delay'], value: true },
    { names: ['watch'], value: true },
  ],
  run({ flags, args, state, now, out, err, env }) {
    const utc = Boolean(flags.utc) || env.JUJU_STATUS_ISO_TIME === 'true';
    const { name, model } = resolveModel(state, flags.model, env);
    /** @param {string} appName */
    const listed = (appName) => appView(model.applications[appName], now, state.faults).units.map((u) => u.name);
    const selected = select(model, args, listed);
    /** @type {Record<string, AppStatus>} */
    const applications = {};
    for (const [appName, unitFilter] of selected) {
      applications[appName] = formatApplication({ model, app: model.applications[appName], unitFilter, now, state, utc });
    }
    const status = {
      model: {
        name,
        type: model.type,
        controller: state.controller.name,
        cloud: state.controller.cloud,
        region: state.controller.region,
        version: state.jujuVersion,
        'model-status': { current: 'available', since: formatSince(model.createdAt, utc) },
        sla: 'unsupported',
      },
      machines: {},
      applications,
      storage: {},
      controller: { timestamp: formatClock(now, utc) },
    };
    if (flags.format === 'json') out(toJson(status));
    else if (flags.format === 'yaml') out(toYaml(status));
    else if (flags.format === 'tabular') out(tabular(status));
    else out(oneline(status));
    if (Object.keys(applications).length === 0) {
      err(args.length ? `Nothing matched specified filter${args.length > 1 ? 's' : ''}.\n` : `Model "admin/${name}" is empty.\n`);
    }
  },
};

/**
 * Which applications to show, each with the units to show (undefined = all). Applications related
 * to a matched one are shown too, as juju does, without their units.
 * @param {Model} model @param {string[]} patterns @param {(appName: string) => string[]} listed
 */
function select(model, patterns, listed) {
  /** @type {Map<string, Set<string> | undefined>} */
  const chosen = new Map();
  const names = Object.keys(model.applications).sort();
  if (!patterns.length) {
    for (const n of names) chosen.set(n, undefined);
    return chosen;
  }
  for (const pattern of patterns) {
    if (pattern.includes('/')) {
      const [appPattern] = pattern.split('/');
      for (const n of names) {
        if (!glob(appPattern, n) || !listed(n).some((u) => glob(pattern, u))) continue;
        const units = chosen.has(n) ? chosen.get(n) : new Set();
        if (units === undefined) continue;
        units.add(pattern);
        chosen.set(n, units);
      }
    } else {
      for (const n of names) if (glob(pattern, n)) chosen.set(n, undefined);
    }
  }
  for (const n of [...chosen.keys()]) {
    for (const { other } of relationsOf(model, n)) if (!chosen.has(other.app)) chosen.set(other.app, new Set());
  }
  return new Map([...chosen.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/** @param {Status} s @param {boolean} utc @param {{ life?: string, version?: string }} [extra] */
function statusInfo(s, utc, extra = {}) {
  return {
    current: s.current,
    ...(s.message ? { message: s.message } : {}),
    since: formatSince(s.since, utc),
    ...extra,
  };
}

/**
 * @param {{ model: Model, app: Application, unitFilter: Set<string> | undefined, now: number, state: State, utc: boolean }} at
 */
function formatApplication({ model, app, unitFilter, now, state, utc }) {
  const view = appView(app, now, state.faults, unitActivity(model, now));
  /** @type {Record<string, UnitStatus>} */
  const units = {};
  for (const u of view.units) {
    if (unitFilter && ![...unitFilter].some((p) => glob(p, u.name))) continue;
    const life = u.life === 'alive' ? {} : { life: u.life };
    units[u.name] = {
      'workload-status': statusInfo(u.workload, utc, life),
      'juju-status': statusInfo(u.agent, utc, { ...(u.agent.current === 'allocating' ? {} : { version: state.jujuVersion }), ...life }),
      ...(u.leader ? { leader: true } : {}),
      address: u.address,
      'provider-id': u.providerId,
    };
  }
  /** @type {Record<string, { 'related-application': string, interface: string, scope: string }[]>} */
  const relations = {};
  for (const { relation, own, other } of relationsOf(model, app.name)) {
    (relations[own.endpoint] ??= []).push({ 'related-application': other.app, interface: relation.interface, scope: 'global' });
  }
  return {
    charm: app.charm,
    base: { ...app.base },
    'charm-origin': 'charmhub',
    'charm-name': app.charm,
    'charm-rev': app.rev,
    'charm-channel': app.channel,
    ...(view.scale ? { scale: view.scale } : {}),
    'provider-id': app.providerId,
    address: app.address,
    exposed: app.exposed,
    'application-status': statusInfo(view.status, utc),
    ...(Object.keys(relations).length ? { relations } : {}),
    ...(Object.keys(units).length ? { units } : {}),
    ...(app.workloadVersion ? { version: app.workloadVersion } : {}),
    'endpoint-bindings': Object.fromEntries(['', ...Object.keys(relations)].map((e) => [e, 'alpha'])),
  };
}

/** @param {StatusView} status */
function tabular(status) {
  const m = status.model;
  const head = table([
    ['Model', 'Controller', 'Cloud/Region', 'Version', 'SLA', 'Timestamp'],
    [m.name, m.controller, `${m.cloud}/${m.region}`, m.version, m.sla, status.controller.timestamp],
  ]);
  const apps = Object.entries(status.applications);
  if (!apps.length) return `${head}\n`;
  const appRows = [['App', 'Version', 'Status', 'Scale', 'Charm', 'Channel', 'Rev', 'Address', 'Exposed', 'Message']];
  const unitRows = [['Unit', 'Workload', 'Agent', 'Address', 'Ports', 'Message']];
  for (const [name, a] of apps) {
    const units = Object.entries(a.units ?? {});
    const ready = units.filter(([, u]) => ['idle', 'executing'].includes(u['juju-status'].current) && !u['juju-status'].life).length;
    const scale = a.scale ?? 0;
    appRows.push([
      name,
      a.version ?? '',
      a['application-status'].current,
      ready === scale ? String(scale) : `${ready}/${scale}`,
      a['charm-name'],
      a['charm-channel'],
      String(a['charm-rev']),
      a.address,
      a.exposed ? 'yes' : 'no',
      a['application-status'].message ?? '',
    ]);
    for (const [unit, u] of units) {
      unitRows.push([
        `${unit}${u.leader ? '*' : ''}`,
        u['workload-status'].current,
        u['juju-status'].current,
        u.address ?? '',
        '',
        u['workload-status'].message ?? u['juju-status'].message ?? '',
      ]);
    }
  }
  return `${head}\n\n${table(appRows)}\n${unitRows.length > 1 ? `\n${table(unitRows)}\n` : ''}`;
}

/** @param {StatusView} status */
function oneline(status) {
  const lines = [''];
  for (const a of Object.values(status.applications)) {
    for (const [unit, u] of Object.entries(a.units ?? {})) {
      lines.push(`- ${unit}: ${u.address ?? ''} (agent:${u['juju-status'].current}, workload:${u['workload-status'].current})`);
    }
  }
  return `${lines.join('\n')}\n`;
}
