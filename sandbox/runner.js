// @ts-check
// Runs an action's dist bundle the way the runner does: inputs as INPUT_* variables, outputs and
// summary through the GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The environment variable name the runner gives an input (hyphens kept, spaces to '_'). @param {string} name @returns {string} */
export function inputVar(name) {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * Parses a GITHUB_OUTPUT file: name=value lines and name<<DELIMITER blocks.
 * @param {string} text
 * @returns {Record<string, string>}
 */
export function parseOutputFile(text) {
  /** @type {Record<string, string>} */
  const outputs = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const value = [];
      while (++i < lines.length && lines[i] !== delimiter) value.push(lines[i]);
      outputs[name] = value.join('\n');
    } else if (line.includes('=')) {
      outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return outputs;
}

/**
 * @param {string} action the folder under actions/
 * @param {Record<string, string>} inputs
 * @param {{ env?: Record<string,string|undefined>, onStart?: (child: import('node:child_process').ChildProcess) => void,
 *   onStdout?: (text: string) => void, onLine?: (line: string, child: import('node:child_process').ChildProcess) => void,
 *   timeoutMs?: number }} [options]
 */
export async function runActionBundle(action, inputs, options = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `run-${action}-`));
  try {
    return await runIn(dir, action, inputs, options);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * runActionBundle in dir (its output and summary files).
 * @param {string} dir @param {string} action @param {Record<string, string>} inputs @param {NonNullable<Parameters<typeof runActionBundle>[2]>} options
 */
async function runIn(dir, action, inputs, options) {
  const outputFile = path.join(dir, 'output');
  const summaryFile = path.join(dir, 'summary');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  /** @type {Record<string, string | undefined>} */
  // RUNNER_TEMP, as the runner gives every job: here the run's own folder, removed after it.
  const env = { RUNNER_TEMP: dir, ...process.env, ...options.env, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile, GITHUB_ACTIONS: 'true' };
  for (const key of Object.keys(env)) if (key.startsWith('INPUT_') || env[key] === undefined) delete env[key];
  for (const [name, value] of Object.entries(inputs)) env[inputVar(name)] = value;

  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [path.join(repoRoot, 'actions', action, 'dist', 'index.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  options.onStart?.(child);
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout.on('data', (d) => {
    stdout += d;
    options.onStdout?.(String(d));
    if (!options.onLine) return;
    partial += d;
    let nl;
    while ((nl = partial.indexOf('\n')) >= 0) {
      options.onLine(partial.slice(0, nl), child);
      partial = partial.slice(nl + 1);
    }
  });
  child.stderr.on('data', (d) => (stderr += d));
  const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
  /** @type {[number | null, NodeJS.Signals | null]} */
  const [code, signal] = await new Promise((resolve) => child.on('close', (c, s) => resolve([c, s])));
  clearTimeout(timer);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const result = {
    code,
    signal,
    seconds,
    stdout,
    stderr,
    outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
  };
  return result;
}
