// A Juju controller with one Kubernetes model, for tests and the demo: the emulated `juju` in
// ./bin, first on PATH, keeps the model in a JSON state file named by JUJU_SANDBOX_STATE.
//
//   const juju = createJujuModel({ settleMs: 300 });
//   spawn('juju', ['status', '--format', 'json'], { env: juju.env });
//   juju.faults.neverSettle('kfp-metadata-writer');
//
// Output is shaped like vectors/juju/ (Juju 3.6.1 on microk8s). Commands: status, scale-application,
// config, show-unit, version (commands/*.js, one module each).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createState } from './lib/kubeflow.js';
import { appView } from './lib/lifecycle.js';
import { STATE_ENV, loadState, mutateState, readCalls, saveState } from './lib/state.js';

export { KUBEFLOW_APPLICATIONS } from './lib/kubeflow.js';

export const jujuBinDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bin');

/**
 * @param {{
 *   dir?: string,                 where the state file goes (a new temporary directory by default)
 *   model?: string,               the model's name, 'kubeflow' by default
 *   applications?: Record<string, object|null>,  changes to the default applications: a partial spec
 *                                 ({ charm, channel, rev, scale, config, timing: { settleMs, dyingMs } })
 *                                 merged over the default one or a new application; null removes one
 *   settleMs?: number,            from scale-application until a new unit is active/idle (600)
 *   dyingMs?: number,             how long a removed unit stays listed, dying (settleMs / 2)
 *   minioSecretKey?: string,      the secret minio publishes on object-storage (random by default)
 *   controller?: string, jujuVersion?: string,
 * }} options
 */
export function createJujuModel(options = {}) {
  const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'juju-sandbox-'));
  mkdirSync(dir, { recursive: true });
  const stateFile = path.join(dir, 'juju-state.json');
  const state = createState(options);
  saveState(stateFile, state);
  const env = {
    ...process.env,
    PATH: `${jujuBinDir}${path.delimiter}${process.env.PATH ?? ''}`,
    [STATE_ENV]: stateFile,
  };
  delete env.JUJU_MODEL;

  /** @param {(state: any) => unknown} fn */
  const update = (fn) => mutateState(stateFile, fn);
  /** @param {(faults: any) => unknown} fn */
  const setFault = (fn) => update((s) => fn((s.faults ??= {})));
  /** @param {any} s */
  const modelOf = (s) => s.models[state.currentModel];

  return {
    dir,
    stateFile,
    binDir: jujuBinDir,
    binary: path.join(jujuBinDir, 'juju'),
    model: state.currentModel,
    controller: state.controller.name,
    minioSecretKey: state.minioSecretKey,
    /** PATH with the emulator first, JUJU_SANDBOX_STATE set, JUJU_MODEL unset. */
    env,
    read: () => loadState(stateFile),
    /** Changes the state under the emulator's lock: update((state) => { ... }). */
    update,
    /** The units `juju status` lists now: name, phase, life, leader, workload and agent status. */
    units(app) {
      const s = loadState(stateFile);
      const a = modelOf(s).applications[app];
      if (!a) throw new Error(`no application ${app} in the sandbox model`);
      return appView(a, Date.now(), s.faults).units;
    },
    /** The desired scale as juju reports it. */
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
      clearUnitError: (unit) => setFault((f) => delete f.unitErrors?.[unit]),
      clear: () => setFault((f) => Object.keys(f).forEach((k) => delete f[k])),
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
