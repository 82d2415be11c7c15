// @ts-check
// mysql-k8s `restore` as the charm runs it (reference ckf-restore.md 1.2, backups.py _on_restore):
// the pre-restore checks in the charm's order and with its messages, then the phases as the
// unit's status over time, the data the backup holds really put back (read from the backup's own
// object in S3, so a restore from another path or of another backup shows), the failures that
// leave the old data (download, prepare) and those after the data directory was emptied that
// leave the unit Blocked with mysqld down, and from revision 254 the application blocked on
// "Move restored cluster to another S3 repository" after a success.
//
// Faults: restoreFails { <unit or app>: 'download' | 'prepare' | 'empty' | 'move-back' | 'start' | 'post' }.

import { pyList } from './mysql.js';
import { integratorOf, objectPrefix, s3Parameters } from './s3.js';

/** @import { Application, Model, Outcome, State, Task } from './types.js' */

/** The revision PITR and the post-restore S3 block came with (PR #600). */
export const PITR_REVISION = 254;
export const MOVE_RESTORED = 'Move restored cluster to another S3 repository';
export const CLAIMED = 'S3 repository claimed by another cluster';
const RESTORE_TO_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/** The unit statuses and each phase's share of the restore's model time. */
const PHASES = [
  { key: 'pre', message: 'Running pre-restore operations', share: 0.1 },
  { key: 'download', message: 'Downloading backup...', share: 0.35 },
  { key: 'prepare', message: 'Preparing for restore backup...', share: 0.15 },
  { key: 'restore', message: 'Restoring backup...', share: 0.15 },
  { key: 'post', message: 'Running post-restore operations', share: 0.25 },
];

/** The chunk the emulated xtrabackup writes the data into (create-backup puts it, restore gets it). */
export const DATA_CHUNK = 'ibdata1.00000000000000000000';

/**
 * @param {{ state: State, model: Model, app: Application, task: Task, durationMs: number }} ctx
 * @returns {Outcome}
 */
export function restoreOutcome({ state, model, app, task, durationMs }) {
  const fail = (/** @type {string} */ message) => /** @type {Outcome} */ ({ kind: 'fail', message });
  const faults = state.faults ?? {};
  const unit = task.unit;
  const id = typeof task.params['backup-id'] === 'string' ? task.params['backup-id'] : '';
  const pitr = task.params['restore-to-time'];
  const integrator = integratorOf(model, app.name);
  if (!integrator) return fail('Missing relation with S3 integrator charm');
  if (!id) return fail('Missing backup-id to restore');
  if (app.rev >= PITR_REVISION && pitr !== undefined && pitr !== 'latest' && !RESTORE_TO_TIME.test(String(pitr))) return fail('Bad restore-to-time format');
  if (faults.mysqldDown?.[unit] || app.mysql?.blocked?.[unit]) return fail('Server running mysqld is not connectable');
  if (faults.unitBusy?.[unit]) return fail('Unit is waiting to start or restart');
  if (app.scale > 1) return fail('Unit cannot restore backup as there are more than one units in the cluster');
  const { params: s3, missing } = s3Parameters(integrator);
  if (!s3) return fail(`Missing S3 parameters: ${pyList(missing)}`);

  const prefix = `${objectPrefix(s3)}${id}`;
  const failing = faults.restoreFails?.[unit] ?? faults.restoreFails?.[app.name];
  /** @type {{ message: string, ms: number }[]} */
  const phases = [];
  const at = /** @type {Record<string, number>} */ ({});
  let elapsed = 0;
  for (const p of PHASES) {
    at[p.key] = elapsed;
    const ms = Math.round(durationMs * p.share);
    phases.push({ message: p.message, ms });
    elapsed += ms;
    at[`${p.key}End`] = elapsed;
  }
  /** @type {NonNullable<Extract<Outcome, { kind: 'done' }>['steps']>} */
  const steps = [
    // _pre_restore_checks: "<path>/<id>.md5" must exist
    { kind: 'get', key: `${prefix}.md5`, at: 0, failMessage: `Invalid backup-id: ${id}` },
    { kind: 'get', key: `${prefix}/${DATA_CHUNK}`, at: at.download, failMessage: `Failed to retrieve backup ${id}` },
  ];
  /** @type {{ ms: number, message: string } | undefined} */
  let failAt;
  const block = (/** @type {string} */ message, /** @type {number} */ ms, /** @type {boolean} */ dataBack) => {
    failAt = { ms, message };
    steps.push({ kind: 'apply', effect: 'empty', at: at.restore });
    if (dataBack) steps.push({ kind: 'apply', effect: 'restore', at: at.restore + 1 });
    steps.push({ kind: 'apply', effect: `block:${message}`, at: ms });
  };
  switch (failing) {
    case 'download':
      failAt = { ms: at.downloadEnd, message: `Failed to retrieve backup ${id}` };
      break;
    case 'prepare':
      failAt = { ms: at.prepareEnd, message: `Failed to prepare backup ${id}` };
      break;
    case 'empty':
      block('Failed to empty the data directory', at.restore + 1, false);
      break;
    case 'move-back':
      block(`Failed to restore backup ${id}`, at.restoreEnd, false);
      break;
    case 'start':
      block('Failed to start mysqld', at.restoreEnd, true);
      break;
    case 'post':
      block('Failed to create InnoDB cluster on restored instance', at.postEnd, true);
      break;
    default:
      steps.push({ kind: 'apply', effect: 'empty', at: at.restore }, { kind: 'apply', effect: 'restore', at: at.restore + 1 });
      if (app.rev >= PITR_REVISION) steps.push({ kind: 'apply', effect: 's3-block', at: at.postEnd });
  }
  return {
    kind: 'done',
    durationMs: elapsed,
    results: { completed: 'ok' },
    s3,
    phases,
    steps: steps.filter((s) => !failAt || s.at <= failAt.ms),
    ...(failAt ? { failAtMs: failAt } : {}),
  };
}

/**
 * A restore's effect on the application, due at its time (tasks.js applies it under the lock).
 * @param {Application} app @param {Task} task @param {string} effect
 */
export function applyRestoreEffect(app, task, effect) {
  const mysql = (app.mysql ??= {});
  const id = String(task.params['backup-id']);
  const prefix = `${objectPrefix(/** @type {import('./types.js').S3Params} */ (task.s3))}${id}`;
  if (effect === 'empty') mysql.databases = {};
  else if (effect === 'restore') {
    const body = task.fetched?.[`${prefix}/${DATA_CHUNK}`];
    mysql.databases = body ? JSON.parse(body).databases : {};
  } else if (effect.startsWith('block:')) {
    mysql.blocked = { ...mysql.blocked, [task.unit]: effect.slice(6) };
  } else if (effect === 's3-block') {
    mysql.s3Blocked = MOVE_RESTORED;
    mysql.restoredPath = task.s3?.path ?? '';
  }
}

/**
 * `juju config <s3-integrator> path=...` on a restored cluster (rev254+): a fresh path is claimed
 * and clears the block; the path the restored backup came from belongs to the old cluster.
 * @param {Model} model @param {string} integrator @param {Record<string, unknown>} changed
 */
export function onIntegratorConfig(model, integrator, changed) {
  if (!('path' in changed) && !('bucket' in changed)) return;
  for (const app of Object.values(model.applications)) {
    if (app.charm !== 'mysql-k8s' || app.mysql?.restoredPath === undefined) continue;
    if (integratorOf(model, app.name)?.name !== integrator) continue;
    const path = String(model.applications[integrator].config.path ?? '').replace(/^\/+|\/+$/g, '');
    if (path === app.mysql.restoredPath) app.mysql.s3Blocked = CLAIMED;
    else delete app.mysql.s3Blocked;
  }
}
