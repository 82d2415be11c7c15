// @ts-check
// A Juju controller with one Kubernetes model, for tests and the demo: the emulated `juju` in
// ./bin, first on PATH, keeps the model in a JSON state file named by JUJU_SANDBOX_STATE.
//
//   const juju = createJujuModel({ settleMs: 300 });
//   spawn('juju', ['status', '--format', 'json'], { env: juju.env });
//   juju.faults.neverSettle('kfp-metadata-writer');
//
// Output is shaped like vectors/juju/ (Juju 3.6.1 on microk8s). Commands: status, scale-application,
// config, show-unit, version, run, show-task, actions (commands/*.js, one module each).
//
// mysql-k8s (kfp-db, katib-db) runs its actions: get-cluster-status, create-backup, list-backups
// (lib/charm-actions.js). With createJujuModel({ s3: { endpoint, accessKey, secretKey, bucket } })
// the model also has the s3-integrator applications s3-kfp and s3-katib, related to the databases
// and pointing at that S3 server, with the paths mysql/kfp-db and mysql/katib-db; create-backup
// then uploads the charm's objects there with the real rclone. Durations of actions and juju's
// waits are model time: real time = model time x timeScale (JUJU_SANDBOX_TIME_SCALE overrides), so
//   createJujuModel({ s3, timeScale: 0.01 })  // juju's 60 s default wait lasts 0.6 s, a 30 s backup 0.3 s
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runJujuInProcess } from './in-process.js';
import { createState } from './lib/kubeflow.js';
import { appView } from './lib/lifecycle.js';
import { applicationCounts, changeRows, charmPassword } from './lib/databases.js';
import { clusterAt } from './lib/mysql.js';
import { STATE_ENV, loadState, mutateState, readCalls, saveState } from './lib/state.js';
import { advance, phaseOf, unitActivity } from './lib/tasks.js';

export { KUBEFLOW_APPLICATIONS, S3_INTEGRATORS } from './lib/kubeflow.js';
export { runJujuInProcess } from './in-process.js';
export { DEFAULT_TIMING, DEFAULT_HEALTHY } from './lib/charm-actions.js';

export const jujuBinDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bin');

/** @import { Faults, JujuModelOptions, MysqlState, State } from './lib/types.js' */

/**
 * @param {JujuModelOptions} [options] dir, model, applications, settleMs, dyingMs, minioSecretKey, controller, jujuVersion,
 *   s3, timeScale, actionTiming: lib/types.js describes each.
 * mysql applications also take { forceParam: true } (the charm revision declares create-backup's
 * force), { additionalProperties: false|true } (declared in its actions.yaml) and
 * { mysql: { primary: 'kfp-db/1', healthyStatuses: [...] } } through `applications`.
 */
export function createJujuModel(options = {}) {
  const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'juju-sandbox-'));
  mkdirSync(dir, { recursive: true });
  const stateFile = path.join(dir, 'juju-state.json');
  const state = createState(options);
  saveState(stateFile, state);
  /** @type {NodeJS.ProcessEnv} */
  const env = {
    ...process.env,
    PATH: `${jujuBinDir}${path.delimiter}${process.env.PATH ?? ''}`,
    [STATE_ENV]: stateFile,
  };
  delete env.JUJU_MODEL;

  /** @template T @param {(state: State) => T} fn */
  const update = (fn) => mutateState(stateFile, fn);
  /** @param {(faults: Faults) => unknown} fn */
  const setFault = (fn) => update((s) => fn((s.faults ??= {})));
  /** @param {State} s */
  const modelOf = (s) => s.models[state.currentModel];
  /** app.mysql of a mysql-k8s application (the others have none). @param {State} s @param {string} app */
  const mysqlOf = (s, app) => /** @type {MysqlState} */ (modelOf(s).applications[app].mysql);

  return {
    dir,
    stateFile,
    binDir: jujuBinDir,
    binary: path.join(jujuBinDir, 'juju'),
    /** Runs juju commands in this process (packages/juju's runner option), with env as the model's. */
    runner: runJujuInProcess,
    model: state.currentModel,
    controller: state.controller.name,
    minioSecretKey: state.minioSecretKey,
    /** PATH with the emulator first, JUJU_SANDBOX_STATE set, JUJU_MODEL unset. */
    env,
    read: () => loadState(stateFile),
    /** Changes the state under the emulator's lock: update((state) => { ... }). */
    update,
    /** The units `juju status` lists now: name, phase, life, leader, workload and agent status. @param {string} app */
    units(app) {
      const s = loadState(stateFile);
      const a = modelOf(s).applications[app];
      if (!a) throw new Error(`no application ${app} in the sandbox model`);
      return appView(a, Date.now(), s.faults, unitActivity(modelOf(s), Date.now())).units;
    },
    /**
     * Every task `juju run` created, oldest first, with its phase now (pending, running,
     * completed, failed, error): { id, operation, unit, app, action, params, phase, message?, results? }.
     * @returns {{ id: string, operation: string, unit: string, app: string, action: string, params: Record<string, unknown>,
     *   phase: string, message?: string, results?: Record<string, unknown> }[]}
     */
    tasks() {
      const now = Date.now();
      return (modelOf(loadState(stateFile)).tasks ?? []).map((t) => ({
        id: t.id,
        operation: t.operation,
        unit: t.unit,
        app: t.app,
        action: t.action,
        params: t.params,
        phase: phaseOf(t, now),
        ...(t.message ? { message: t.message } : {}),
        ...(t.results ? { results: t.results } : {}),
      }));
    },
    /** Does what any juju call does first: evaluates started tasks, uploads what is due to S3. */
    settle: () => advance(stateFile, env),
    mysql: {
      /** The InnoDB cluster as get-cluster-status would see it now. @param {string} app */
      cluster(app) {
        const s = loadState(stateFile);
        return clusterAt(modelOf(s), state.currentModel, modelOf(s).applications[app], Date.now(), s.faults);
      },
      /** Switchover: this unit becomes the primary (if it is an ONLINE member). @param {string} unit */
      setPrimary: (unit) => update((s) => (mysqlOf(s, unit.split('/')[0]).primary = unit)),
      /** Whether the charm revision declares create-backup's force parameter (PR #654). @param {string} app @param {boolean} [on] */
      declareForce: (app, on = true) => update((s) => (modelOf(s).applications[app].forceParam = on)),
      /** additionalProperties as the charm declares it (undefined: not declared, Juju's default). @param {string} app @param {boolean} [value] */
      additionalProperties: (app, value) =>
        update((s) =>
          value === undefined ? delete modelOf(s).applications[app].additionalProperties : (modelOf(s).applications[app].additionalProperties = value),
        ),
      /** Cluster statuses create-backup accepts without force. @param {string} app @param {string[]} statuses */
      healthyStatuses: (app, statuses) => update((s) => (mysqlOf(s, app).healthyStatuses = statuses)),
      /** COUNT(*) of each application table now: { schema: { table: n } }. @param {string} app */
      counts: (app) => applicationCounts(mysqlOf(loadState(stateFile), app).databases ?? {}),
      /** Rows added (n > 0) or deleted (n < 0): changeRows('kfp-db', { 'mlpipeline.run_details': 3 }). @param {string} app @param {Record<string, number>} changes */
      changeRows: (app, changes) => update((s) => changeRows((mysqlOf(s, app).databases ??= {}), changes)),
      /** The charm's password for one of its users (get-password). @param {string} app @param {string} user */
      password: (app, user) => charmPassword(app, user),
      /** A unit left Blocked by a failed restore, with its message (undefined: none). @param {string} unit */
      blocked: (unit) => mysqlOf(loadState(stateFile), unit.split('/')[0]).blocked?.[unit],
      /** The charm revision (restore-to-time and the post-restore block from 254). @param {string} app @param {number} rev */
      revision: (app, rev) => update((s) => (modelOf(s).applications[app].rev = rev)),
      /** After a restore the charm blocks writes to the S3 location. @param {string} app @param {string|boolean} [message] */
      blockS3: (app, message = true) => update((s) => (message ? (mysqlOf(s, app).s3Blocked = message) : delete mysqlOf(s, app).s3Blocked)),
    },
    s3: {
      /** Sets s3-integrator config keys (null removes one), as `juju config` would. @param {string} integrator @param {Record<string, unknown>} config */
      configure: (integrator, config) =>
        update((s) => {
          const app = modelOf(s).applications[integrator];
          for (const [k, v] of Object.entries(config)) {
            if (v === null) delete app.config[k];
            else app.config[k] = v;
          }
        }),
      /**
       * The keys sync-s3-credentials would set; null forgets them.
       * @param {string} integrator @param {{ accessKey?: string, secretKey?: string } | null} keys
       */
      credentials: (integrator, keys) =>
        update((s) => {
          const app = modelOf(s).applications[integrator];
          if (keys) app.credentials = { 'access-key': keys.accessKey, 'secret-key': keys.secretKey };
          else delete app.credentials;
        }),
      /** Removes the relation between a database and its s3-integrator. @param {string} db */
      unrelate: (db) =>
        update((s) => {
          const model = modelOf(s);
          model.relations = model.relations.filter((r) => !(r.interface === 's3' && r.endpoints.some((e) => e.app === db)));
        }),
    },
    /** The desired scale as juju reports it. @param {string} app */
    scale: (app) => modelOf(loadState(stateFile)).applications[app]?.scale,
    /** Every juju invocation so far: { argv, at, pid }. */
    calls: () => readCalls(stateFile),
    faults: {
      /** Every controller command fails as when the API address refuses connections. @param {boolean|string} [message] */
      unreachable: (message = true) => setFault((f) => (f.unreachable = message)),
      reachable: () => setFault((f) => delete f.unreachable),
      /** The next `count` controller commands fail (unreachable by default), then calls work again. @param {number} count @param {string} [message] */
      failNext: (count, message) => setFault((f) => (f.failNext = { count, ...(message ? { message } : {}) })),
      /** Commands answer after ms (all of them, or only `command`, e.g. 'status'). @param {number} ms @param {string} [command] */
      slow: (ms, command) => setFault((f) => (command ? ((f.slow ??= {})[command] = ms) : (f.slowMs = ms))),
      /** scale-application of app fails. @param {string} app @param {boolean|string} [why] */
      failScale: (app, why = true) => setFault((f) => ((f.scaleFails ??= {})[app] = why)),
      /** Units added or removed by the next scale-application of app never settle. @param {string} app @param {boolean} [on] */
      neverSettle: (app, on = true) => setFault((f) => (on ? ((f.neverSettle ??= {})[app] = true) : delete f.neverSettle?.[app])),
      /** The unit shows workload "error" (hook failed) once its charm has started. @param {string} unit @param {boolean|string} [message] */
      unitError: (unit, message = true) => setFault((f) => ((f.unitErrors ??= {})[unit] = message)),
      /** @param {string} unit */
      clearUnitError: (unit) => setFault((f) => delete f.unitErrors?.[unit]),
      clear: () => setFault((f) => Object.keys(f).forEach((k) => delete f[/** @type {keyof Faults} */ (k)])),
      // Charm actions. Each applies to tasks that start after it is set.
      /**
       * create-backup fails with the charm's message: at 'end' (default: it ran, uploaded its
       * .metadata and .backup.log, so list-backups shows it failed) or at 'start' (nothing uploaded).
       * @param {string} message @param {{ unit?: string, app?: string, at?: 'start'|'end', stderr?: string }} [where]
       */
      createBackupFails: (message = 'Error backing up the database', where = {}) =>
        setFault((f) => (f.createBackupFails ??= []).push({ message, at: where.at ?? 'end', ...where })),
      /** The next create-backup of app finds the unit it runs on promoted to primary (a switchover), once. @param {string} app @param {boolean} [on] */
      switchoverOnBackup: (app, on = true) => setFault((f) => (on ? ((f.switchoverOnBackup ??= {})[app] = true) : delete f.switchoverOnBackup?.[app])),
      /** create-backup on this unit (or any unit of this app) starts and never finishes. @param {string} unitOrApp @param {boolean} [on] */
      backupNeverFinishes: (unitOrApp, on = true) =>
        setFault((f) => (on ? ((f.backupNeverFinishes ??= {})[unitOrApp] = true) : delete f.backupNeverFinishes?.[unitOrApp])),
      /**
       * The unit's group-replication member state, e.g. 'RECOVERING', 'OFFLINE', 'ERROR'; null: back to normal.
       * @param {string} unit @param {string | null} memberState
       */
      memberState: (unit, memberState) => setFault((f) => (memberState ? ((f.memberStates ??= {})[unit] = memberState) : delete f.memberStates?.[unit])),
      /** The cluster status mysqlsh reports, e.g. 'NO_QUORUM'; null: computed from the members. @param {string} app @param {string | null} status */
      clusterStatus: (app, status) => setFault((f) => (status ? ((f.clusterStatus ??= {})[app] = status) : delete f.clusterStatus?.[app])),
      /**
       * get-cluster-status cannot read the status (results success False; create-backup: "Cluster status unknown").
       * @param {string} app @param {boolean} [on]
       */
      clusterStatusUnreadable: (app, on = true) =>
        setFault((f) => (on ? ((f.clusterStatusUnreadable ??= {})[app] = true) : delete f.clusterStatusUnreadable?.[app])),
      /** juju ssh to this unit (or any unit of this app) fails as when the API server cannot open the exec. @param {string} unitOrApp @param {boolean|string} [on] */
      sshFails: (unitOrApp, on = true) => setFault((f) => (on ? ((f.sshFails ??= {})[unitOrApp] = on) : delete f.sshFails?.[unitOrApp])),
      /** @param {string} unit @param {boolean} [on] */
      mysqldDown: (unit, on = true) => setFault((f) => (on ? ((f.mysqldDown ??= {})[unit] = true) : delete f.mysqldDown?.[unit])),
      /** @param {string} unit @param {boolean} [on] */
      unitBusy: (unit, on = true) => setFault((f) => (on ? ((f.unitBusy ??= {})[unit] = true) : delete f.unitBusy?.[unit])),
      /**
       * restore fails in this phase on the unit or application (reference ckf-restore.md 1.2): 'download' and 'prepare'
       * leave the old data; 'empty', 'move-back', 'start' and 'post' leave the unit Blocked. null clears it.
       * @param {string} unitOrApp @param {'download' | 'prepare' | 'empty' | 'move-back' | 'start' | 'post' | null} phase
       */
      restoreFails: (unitOrApp, phase) => setFault((f) => (phase ? ((f.restoreFails ??= {})[unitOrApp] = phase) : delete f.restoreFails?.[unitOrApp])),
      /**
       * The action takes ms of model time (e.g. 90_000: beyond juju's 60 s default wait); null: back to normal.
       * @param {string} action @param {number | null} ms
       */
      slowAction: (action, ms) => setFault((f) => (ms === null ? delete f.actionDurations?.[action] : ((f.actionDurations ??= {})[action] = ms))),
      /** list-backups leaves the id out ('omit') or shows it with another status; id '*' for all; null clears. @param {string} id @param {string | null} how */
      listBackups: (id, how) => setFault((f) => (how === null ? delete f.listBackups?.[id] : ((f.listBackups ??= {})[id] = how))),
      /**
       * The action ends "failed" with the charm's message (juju exits 0, as it does for event.fail).
       * @param {string} action @param {string} message @param {{ unit?: string, app?: string, results?: Record<string, unknown> }} [where]
       */
      actionFails: (action, message, where = {}) => setFault((f) => (f.actionFails ??= []).push({ action, message, ...where })),
      /**
       * The charm raises: status failed, return-code 1, and juju run exits 1 ("the following task failed").
       * @param {string} action @param {{ unit?: string, app?: string, stderr?: string, error?: string }} [where]
       */
      actionException: (action, where = {}) => setFault((f) => (f.actionExceptions ??= []).push({ action, ...where })),
    },
    /**
     * Runs the emulated juju: resolves { code, stdout, stderr }.
     * @param {string[]} args @param {Record<string, string>} [extraEnv]
     * @returns {Promise<{ code: number | null, stdout: string, stderr: string }>}
     */
    run(args, extraEnv = {}) {
      return new Promise((resolve, reject) => {
        const child = spawn(path.join(jujuBinDir, 'juju'), args, { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    },
    cleanup() {
      if (!options.dir && existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
