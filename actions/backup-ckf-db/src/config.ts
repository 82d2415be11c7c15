import { BACKUP_ID_FORM, Inputs, JUJU_MODEL_FORM, isBackupId, isJujuModel, utcStamp } from '@ml-backup-actions/core';
import { CHARM_BACKUP_ID, readApplications, readBackupIds } from '@ml-backup-actions/juju';

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

export { CHARM_BACKUP_ID };

/** The runbook's "scale each database to 2 units": enough for a secondary to take the backup. */
export const BACKUP_SCALE = 2;

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
    earlierBackupIds: readBackupIds(inputs, 'earlier-backup-ids'),
  };
  inputs.done();
  return config;
}

/** The output name for an application's backup id, e.g. kfp-db-backup-id. */
export const backupIdOutput = (app: string): string => `${app}-backup-id`;
