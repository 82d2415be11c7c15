// @ts-check
// What the charms do when an action runs, evaluated once, at the moment the task starts on its
// unit (tasks.js decides that moment). An evaluation returns one of:
//   { kind: 'fail', message }                       event.fail(message) right away
//   { kind: 'done', results, durationMs, ... }      runs for durationMs (model time), then completes;
//       io: objects to upload ({ key, body, at: 'start' | 'end', failMessage }), never: it never
//       finishes, failAtEnd: event.fail() once it has run, runningMessage: the unit's status meanwhile
//   { kind: 'list', s3, durationMs }                list-backups: the listing is done with rclone
//
// Faults used here (state.faults): createBackupFails [{ message, at, unit?, app? }],
// backupNeverFinishes { <unit or app>: true }, switchoverOnBackup { <app>: true } (once), unitBusy { <unit>: true }, mysqldDown { <unit>: true },
// clusterStatusUnreadable { <app>: true }, plus mysql.js's memberStates and clusterStatus.
import { createHash } from 'node:crypto';
import { appView } from './lifecycle.js';
import { clusterAt, clusterStatusResults, isMysql, opsResults, pyList } from './mysql.js';
import { charmPassword } from './databases.js';
import { DATA_CHUNK, restoreOutcome } from './restore.js';
import { integratorOf, objectPrefix, s3Parameters } from './s3.js';

/** @import { Application, FailOutcome, Model, Outcome, PlannedIo, State, Task } from './types.js' */
/** @typedef {{ state: State, model: Model, modelName: string, app: Application, task: Task, t: number }} ActionContext */

/**
 * Model milliseconds, unless the application or the state says otherwise.
 * @type {Record<string, number>}
 */
export const DEFAULT_TIMING = {
  pickupMs: 200,
  failMs: 500,
  'get-cluster-status': 1500,
  'list-backups': 2000,
  'create-backup': 30_000,
  restore: 20_000,
  default: 1000,
};

/** Cluster statuses create-backup accepts without force (reference ckf.md 2.2: OK / OK_PARTIAL). */
export const DEFAULT_HEALTHY = ['OK', 'OK_PARTIAL'];

/** @param {State} state @param {Application} app @param {string} action @returns {number} */
export function durationOf(state, app, action) {
  return (
    state.faults?.actionDurations?.[action] ??
    app.actionTiming?.[action] ??
    state.actionTiming?.[action] ??
    DEFAULT_TIMING[action] ??
    state.actionTiming?.default ??
    DEFAULT_TIMING.default
  );
}

/** @param {State} state @param {string} key @returns {number} */
export function timingOf(state, key) {
  return state.actionTiming?.[key] ?? DEFAULT_TIMING[key];
}

/** @param {string} message @returns {FailOutcome} */
const fail = (message) => ({ kind: 'fail', message });

/** @param {ActionContext} ctx @returns {Outcome} */
export function evaluate(ctx) {
  const { app, task } = ctx;
  if (isMysql(app)) return mysqlAction(ctx);
  if (app.charm === 's3-integrator') return s3IntegratorAction(ctx);
  return { kind: 'done', results: {}, durationMs: durationOf(ctx.state, app, task.action) };
}

/** @param {ActionContext} ctx @returns {Outcome} */
function mysqlAction(ctx) {
  const { state, model, modelName, app, task, t } = ctx;
  const faults = state.faults ?? {};
  const durationMs = durationOf(state, app, task.action);
  switch (task.action) {
    case 'get-cluster-status':
      if (faults.clusterStatusUnreadable?.[app.name]) {
        return { kind: 'done', durationMs, results: opsResults({ success: false, message: 'Failed to read cluster status.  See logs for more information.' }) };
      }
      return { kind: 'done', durationMs, results: clusterStatusResults({ model, modelName, app, t, faults, workloadVersion: app.workloadVersion }) };
    case 'create-backup':
      return createBackup(ctx, durationMs);
    case 'list-backups': {
      const integrator = integratorOf(model, app.name);
      if (!integrator) return fail('Missing relation with S3 integrator charm');
      const { params, missing } = s3Parameters(integrator);
      if (!params) return fail(`Missing S3 parameters: ${pyList(missing)}`);
      return { kind: 'list', s3: params, durationMs };
    }
    case 'restore':
      return restoreOutcome({ state, model, app, task, durationMs });
    case 'get-password': {
      const username = String(task.params.username || 'root');
      if (!['root', 'serverconfig', 'clusteradmin'].includes(username))
        return fail('The action can be run only for users used by the charm: root, serverconfig, clusteradmin');
      return { kind: 'done', durationMs, results: { username, password: charmPassword(app.name, username) } };
    }
    default:
      return { kind: 'done', durationMs, results: {} };
  }
}

/** @param {ActionContext} ctx @param {number} durationMs @returns {Outcome} */
function createBackup(ctx, durationMs) {
  const { state, model, modelName, app, task, t } = ctx;
  const faults = state.faults ?? {};
  const unit = task.unit;
  const integrator = integratorOf(model, app.name);
  if (!integrator) return fail('Missing relation with S3 integrator charm');
  if (app.mysql?.s3Blocked) return fail(typeof app.mysql.s3Blocked === 'string' ? app.mysql.s3Blocked : 'S3 relation is blocked for write');
  if (faults.mysqldDown?.[unit] || app.mysql?.blocked?.[unit]) return fail('Process mysqld not running');
  const { params: s3, missing } = s3Parameters(integrator);
  if (!s3) return fail(`Missing S3 parameters: ${pyList(missing)}`);
  if (faults.switchoverOnBackup?.[app.name]) {
    // A switchover just before the action runs: the unit chosen as a secondary is now the primary.
    delete faults.switchoverOnBackup[app.name];
    app.mysql = { ...app.mysql, primary: unit };
  }
  const cluster = clusterAt(model, modelName, app, t, faults);
  if (app.forceParam && task.params.force !== true) {
    if (faults.clusterStatusUnreadable?.[app.name]) return fail('Cluster status unknown');
    const healthy = app.mysql?.healthyStatuses ?? state.mysqlHealthyStatuses ?? DEFAULT_HEALTHY;
    if (!healthy.includes(cluster.status)) return fail('Cluster is not in a healthy state');
  }
  if (faults.unitBusy?.[unit]) return fail('Unit is waiting to start or restart');
  if (app.scale > 1 && backupRunningElsewhere(model, task, t)) return fail('Backup already in progress on another unit');
  const me = cluster.members.find((m) => m.unit === unit);
  if (me?.role === 'PRIMARY' && app.scale > 1) return fail('Unit cannot perform backups as it is the cluster primary');
  const memberState = me?.state ?? 'OFFLINE';
  if (memberState !== 'ONLINE') return fail(`Unit cannot perform backups as its state is ${memberState.toLowerCase()}`);
  const injected = (faults.createBackupFails ?? []).find((f) => (!f.unit || f.unit === unit) && (!f.app || f.app === app.name));
  if (injected?.at === 'start') return fail(injected.message);

  // The id is the request time on the unit's clock (datetime.now(), UTC in the pod) with a literal Z.
  const id = new Date(Math.floor(t / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const prefix = `${objectPrefix(s3)}${id}`;
  const metadata = `Date Backup Requested: ${id}\nModel Name: ${modelName}\nApplication Name: ${app.name}\nUnit Name: ${unit}\nJuju Version: ${state.jujuVersion}\n`;
  /** @type {PlannedIo[]} */
  const io = [{ key: `${prefix}.metadata`, body: metadata, at: 'start', failMessage: 'Failed to upload metadata to provided S3' }];
  if (injected) {
    io.push({
      key: `${prefix}.backup.log`,
      body: `Stdout:\n\n\nStderr:\n${injected.stderr ?? 'xtrabackup: error: failed to copy datafile.'}`,
      at: 'end',
      failMessage: 'Error uploading logs to S3',
    });
  } else {
    const lsn = 20_000_000 + (Math.floor(t / 1000) % 1_000_000);
    // xbcloud puts the stream as chunks under <path>/<id>/; the emulated one is the data as it is now.
    const data = `${JSON.stringify({ app: app.name, lsn, databases: app.mysql?.databases ?? {} })}\n`;
    io.push({ key: `${prefix}/${DATA_CHUNK}`, body: data, at: 'end', failMessage: 'Error backing up the database' });
    const md5 = `${createHash('md5').update(data).digest('hex')}  ${id}/${DATA_CHUNK}`;
    io.push({ key: `${prefix}.md5`, body: `${md5}\n`, at: 'end', failMessage: 'Error backing up the database' });
    io.push({
      key: `${prefix}.backup.log`,
      body: `Stdout:\nxtrabackup: Transaction log of lsn (${lsn}) to (${lsn + 42}) was copied.\ncompleted OK!\n\nStderr:\n`,
      at: 'end',
      failMessage: 'Error uploading logs to S3',
    });
  }
  const never = Boolean(faults.backupNeverFinishes?.[unit] || faults.backupNeverFinishes?.[app.name]);
  return {
    kind: 'done',
    durationMs,
    results: { 'backup-id': id },
    s3,
    io,
    never,
    ...(injected ? { failAtEnd: injected.message } : {}),
    runningMessage: 'Running backup...',
    backup: true,
  };
}

/**
 * Another unit of the application has a create-backup running at t (so an instance is hidden and offline).
 * @param {Model} model @param {Task} task @param {number} t
 */
function backupRunningElsewhere(model, task, t) {
  return (model.tasks ?? []).some(
    (o) =>
      o !== task &&
      o.app === task.app &&
      o.unit !== task.unit &&
      o.backup &&
      o.startedAt !== undefined &&
      o.startedAt <= t &&
      (o.completeAt === null || (o.completeAt !== undefined && o.completeAt > t)),
  );
}

/** @param {ActionContext} ctx @returns {Outcome} */
function s3IntegratorAction(ctx) {
  const { state, app, task, t } = ctx;
  const durationMs = durationOf(state, app, task.action);
  const leader = appView(app, t, state.faults).units.find((u) => u.leader)?.name;
  switch (task.action) {
    case 'sync-s3-credentials':
      if (task.unit !== leader) return fail('The action can be run only on leader unit.');
      app.credentials = { 'access-key': String(task.params['access-key']), 'secret-key': String(task.params['secret-key']) };
      return { kind: 'done', durationMs, results: { ok: 'Credentials successfully updated.' } };
    case 'get-s3-credentials':
      if (!app.credentials?.['access-key']) return fail('Credentials are not set!');
      return { kind: 'done', durationMs, results: { 'access-key': app.credentials['access-key'], 'secret-key': app.credentials['secret-key'] } };
    case 'get-s3-connection-info': {
      const c = app.config ?? {};
      const info = Object.fromEntries(
        Object.entries(c)
          .filter(([, v]) => v !== '' && v !== undefined)
          .map(([k, v]) => [k, String(v)]),
      );
      if (app.credentials?.['access-key']) Object.assign(info, { 'access-key': '************', 'secret-key': '************' });
      return { kind: 'done', durationMs, results: info };
    }
    default:
      return { kind: 'done', durationMs, results: {} };
  }
}
