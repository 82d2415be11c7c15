import { BACKUP_ID_FORM, Inputs, JUJU_MODEL_FORM, isBackupId, isJujuModel, utcStamp } from '@ml-backup-actions/core';
import { readS3Target, type S3Target } from '@ml-backup-actions/rclone';

export const MODES = ['begin', 'complete', 'verify', 'prune', 'recorded'] as const;
export type Mode = (typeof MODES)[number];

export interface BackupSetConfig {
  mode: Mode;
  backupId: string;
  jujuModel: string;
  /** s3-prefix is where manifests go (manifests/<backup-id>.json). */
  s3: S3Target;
  /** complete: toJSON(needs) of the workflow's component jobs. */
  results: Record<string, JobResult>;
  /** verify: also ask each charm whether its backup is listed as finished. */
  checkDatabases: boolean;
  /** prune: backup sets to keep. */
  keep: number;
  /** prune: the only sets that may be deleted (what a reviewer approved); undefined: any doomed set. */
  deleteOnly?: string[];
  dryRun: boolean;
  timeoutMinutes: number;
}

/** One entry of toJSON(needs). */
export interface JobResult {
  result: string;
  outputs: Record<string, string>;
}

const DELETE_ONLY_FORM = 'a JSON list of backup ids, as a dry-run prune\'s deleted output gives it: ["20261101T021700Z", ...]';

/** delete-only: empty means no limit; otherwise a JSON list of backup ids. */
function readDeleteOnly(inputs: Inputs): string[] | undefined {
  const raw = inputs.raw('delete-only').trim();
  if (!raw) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((id) => typeof id === 'string' && isBackupId(id))) {
    inputs.problem('delete-only', `must be ${DELETE_ONLY_FORM}, or empty.`);
    return undefined;
  }
  return parsed as string[];
}

const RESULTS_FORM = 'the JSON of the component jobs\' results, as toJSON(needs) gives it: {"databases": {"result": "success", "outputs": {...}}, ...}';

export function readConfig(env: NodeJS.ProcessEnv = process.env, now = new Date()): BackupSetConfig {
  const inputs = new Inputs(env);
  const mode = inputs.choice('mode', MODES, 'begin');
  if (!inputs.raw('mode')) inputs.problem('mode', `is required: one of ${MODES.join(', ')}.`);
  const needsId = mode === 'complete' || mode === 'verify' || mode === 'recorded';
  const config: BackupSetConfig = {
    mode,
    backupId: inputs.text('backup-id', { default: mode === 'begin' ? utcStamp(now) : '', required: needsId, form: BACKUP_ID_FORM, valid: isBackupId }),
    jujuModel: inputs.text('juju-model', { default: 'kubeflow', form: JUJU_MODEL_FORM, valid: isJujuModel }),
    s3: readS3Target(inputs, env, 'manifests'),
    results: mode === 'complete' ? readResults(inputs) : {},
    checkDatabases: inputs.boolean('check-databases', true),
    keep: inputs.integer('keep', { default: 14, min: 1, max: 10_000 }),
    deleteOnly: readDeleteOnly(inputs),
    dryRun: inputs.boolean('dry-run', false),
    timeoutMinutes: inputs.number('timeout-minutes', { default: 60, min: 0.1, max: 1440 }),
  };
  inputs.done();
  return config;
}

function readResults(inputs: Inputs): Record<string, JobResult> {
  const raw = inputs.raw('results');
  let parsed: unknown;
  try {
    parsed = raw ? JSON.parse(raw) : undefined;
  } catch {
    parsed = undefined;
  }
  const ok =
    typeof parsed === 'object' &&
    parsed !== null &&
    !Array.isArray(parsed) &&
    Object.values(parsed).every((j) => typeof j === 'object' && j !== null && typeof (j as JobResult).result === 'string');
  if (!ok) {
    inputs.problem('results', `must be ${RESULTS_FORM}${raw ? '' : '; it is empty'}.`);
    return {};
  }
  const results: Record<string, JobResult> = {};
  for (const [job, j] of Object.entries(parsed as Record<string, JobResult>)) results[job] = { result: j.result, outputs: j.outputs ?? {} };
  return results;
}
