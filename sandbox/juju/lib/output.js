// @ts-check
// How `juju run` and `juju show-task` print task results: json and yaml print the map as is
// (keys sorted, as Go prints maps); "plain" (the default) is juju's printPlainOutput.
import { sortKeys, toJson, toYaml } from './format.js';

/** @import { TaskView } from './types.js' */

const FILTERED = new Set(['return-code', 'stdout', 'stderr', 'stdout-encoding', 'stderr-encoding']);

/**
 * @param {string | boolean | undefined} format
 * @param {Record<string, TaskView> | TaskView} value tasks by unit, or show-task's one task (then only as json or yaml)
 */
export function formatTasks(format, value) {
  if (format === 'json') return toJson(sortKeys(value));
  if (format === 'yaml') return toYaml(sortKeys(value));
  return plain(/** @type {Record<string, TaskView>} */ (value));
}

/** @param {Record<string, TaskView>} info */
function plain(info) {
  const entries = Object.entries(info);
  let stdout = '';
  let stderr = '';
  /** @type {Record<string, { id: string, output: string, status: string, message?: string }>} */
  const summary = {};
  for (const [key, task] of entries) {
    let output;
    if (task.results) {
      /** @type {Record<string, unknown>} */
      const shown = {};
      for (const [k, v] of Object.entries(task.results)) {
        const lk = k.toLowerCase();
        if (lk === 'stdout' && v !== '') stdout = String(v);
        if (lk === 'stderr' && v !== '') stderr = String(v);
        if (!FILTERED.has(lk)) shown[lk] = v;
      }
      output = Object.keys(shown).length ? toYaml(sortKeys(shown)) : '';
    } else {
      output = `Task ${task.id} ${task.status ?? 'has unknown status'}\n`;
    }
    summary[key] = { id: task.id, output, status: task.status, ...(task.message !== undefined ? { message: task.message } : {}) };
  }
  if (entries.length > 1) return toYaml(sortKeys(summary));
  let text = '';
  for (const s of Object.values(summary)) {
    text += s.status === 'failed' ? `Action id ${s.id} failed: ${s.message}\n${s.output}\n` : `${s.output}\n`;
  }
  if (stdout) text += `${stdout.replace(/^\n+|\n+$/g, '')}\n`;
  if (stderr) text += `${stderr.replace(/^\n+|\n+$/g, '')}\n`;
  return text;
}
