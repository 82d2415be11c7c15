import { BACKUP_ID_FORM, Inputs, JUJU_APPLICATION_FORM, JUJU_MODEL_FORM, isBackupId, isJujuApplication, isJujuModel, utcStamp } from '@ml-backup-actions/core';

export interface BackupCkfDbConfig {
  jujuModel: string;
  /** mysql-k8s applications, in the order given. */
  applications: string[];
  scaleUp: boolean;
  restoreScale: boolean;
  actionTimeoutMinutes: number;
  scaleTimeoutMinutes: number;
  force: boolean;
  backupId: string;
  progressIntervalSeconds: number;
  /** Between two juju calls of a wait. */
  pollIntervalSeconds: number;
  dryRun: boolean;
  /** Charm backup-ids an earlier run of this backup set made, by application: reused when listed as finished. */
  earlierBackupIds: Record<string, string>;
}

/** The charm's backup ids are request times: %Y-%m-%dT%H:%M:%SZ. */
export const CHARM_BACKUP_ID = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** The runbook's "scale each database to 2 units": enough for a secondary to take the backup. */
export const BACKUP_SCALE = 2;

const APPLICATIONS_FORM = `a comma- or newline-separated list of mysql-k8s applications, each ${JUJU_APPLICATION_FORM}`;

/** Reads and validates every input; throws one error naming each bad input, before any side effect. */
export function readConfig(env: NodeJS.ProcessEnv = process.env, now = new Date()): BackupCkfDbConfig {
  const inputs = new Inputs(env);
  const config: BackupCkfDbConfig = {
    jujuModel: inputs.text('juju-model', { default: 'kubeflow', form: JUJU_MODEL_FORM, valid: isJujuModel }),
    applications: readApplications(inputs),
    scaleUp: inputs.boolean('scale-up', true),
    restoreScale: inputs.boolean('restore-scale', true),
    actionTimeoutMinutes: inputs.number('action-timeout-minutes', { default: 60, min: 0.1, max: 1440 }),
    scaleTimeoutMinutes: inputs.number('scale-timeout-minutes', { default: 20, min: 0.1, max: 240 }),
    force: inputs.boolean('force', false),
    backupId: inputs.text('backup-id', { default: utcStamp(now), form: BACKUP_ID_FORM, valid: isBackupId }),
    progressIntervalSeconds: inputs.integer('progress-interval-seconds', { default: 30, min: 1, max: 600 }),
    pollIntervalSeconds: inputs.number('poll-interval-seconds', { default: 2, min: 0.1, max: 60 }),
    dryRun: inputs.boolean('dry-run', false),
    earlierBackupIds: readEarlier(inputs),
  };
  inputs.done();
  return config;
}

function readApplications(inputs: Inputs): string[] {
  const raw = inputs.raw('applications') || 'kfp-db,katib-db';
  const names = raw
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = names.filter((n) => !isJujuApplication(n));
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (!names.length || bad.length || twice.length) {
    const why = bad.length
      ? `; not valid: ${bad.map((b) => JSON.stringify(b)).join(', ')}`
      : twice.length
        ? `; named twice: ${[...new Set(twice)].join(', ')}`
        : '';
    inputs.problem('applications', `must be ${APPLICATIONS_FORM} (for example kfp-db,katib-db)${why}.`);
  }
  return names;
}

/** The output name for an application's backup id, e.g. kfp-db-backup-id. */
export const backupIdOutput = (app: string): string => `${app}-backup-id`;

const EARLIER_FORM = `a JSON object of application to the charm's backup-id (%Y-%m-%dT%H:%M:%SZ), as the backup-ids output gives it, for example {"kfp-db":"2026-11-22T01:30:45Z"}; empty means none`;

function readEarlier(inputs: Inputs): Record<string, string> {
  const raw = inputs.raw('earlier-backup-ids');
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  const entries = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? Object.entries(parsed) : undefined;
  const bad = entries?.filter(([app, id]) => !isJujuApplication(app) || typeof id !== 'string' || !CHARM_BACKUP_ID.test(id));
  if (!entries || bad?.length) {
    const why = bad?.length ? `; not valid: ${bad.map(([app, id]) => `${JSON.stringify(app)}: ${JSON.stringify(id)}`).join(', ')}` : '';
    inputs.problem('earlier-backup-ids', `must be ${EARLIER_FORM}${why}.`);
    return {};
  }
  return Object.fromEntries(entries as [string, string][]);
}
