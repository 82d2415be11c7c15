import {
  ABSOLUTE_PATH_FORM,
  BACKUP_ID_FORM,
  BANDWIDTH_FORM,
  DNS_LABEL_FORM,
  DNS_SUBDOMAIN_FORM,
  Inputs,
  JUJU_APPLICATION_FORM,
  JUJU_MODEL_FORM,
  isAbsoluteFilePath,
  isBackupId,
  isBandwidth,
  isDnsLabel,
  isDnsSubdomain,
  isJujuApplication,
  isJujuModel,
  utcStamp,
} from '@ml-backup-actions/core';
import { readS3Target, type S3Target } from '@ml-backup-actions/rclone';

export type Format = 'dump' | 'sqlite';

export interface BackupMlmdConfig {
  namespace: string;
  pod: string;
  /** '' means: detect from the pod spec. */
  container: string;
  dbPath: string;
  jujuModel: string;
  writerApplication: string;
  format: Format;
  backupId: string;
  s3: S3Target;
  bandwidthLimit: string;
  /** '' means KUBECONFIG, in-cluster, or ~/.kube/config. */
  kubeconfig: string;
  timeoutMinutes: number;
  progressIntervalSeconds: number;
  ignoreRunningWorkloads: boolean;
  dryRun: boolean;
}

/** Reads and validates every input; throws one error naming each bad input, before any side effect. */
export function readConfig(env: NodeJS.ProcessEnv = process.env, now = new Date()): BackupMlmdConfig {
  const inputs = new Inputs(env);
  const config: BackupMlmdConfig = {
    namespace: inputs.text('namespace', { default: 'kubeflow', form: DNS_LABEL_FORM, valid: isDnsLabel }),
    pod: inputs.text('pod', { default: 'mlmd-0', form: DNS_SUBDOMAIN_FORM, valid: isDnsSubdomain }),
    container: inputs.text('container', { form: DNS_LABEL_FORM, valid: isDnsLabel }),
    dbPath: inputs.text('db-path', { default: '/data/mlmd.db', form: ABSOLUTE_PATH_FORM, valid: isAbsoluteFilePath }),
    jujuModel: inputs.text('juju-model', { default: 'kubeflow', form: JUJU_MODEL_FORM, valid: isJujuModel }),
    writerApplication: inputs.text('writer-application', { default: 'kfp-metadata-writer', form: JUJU_APPLICATION_FORM, valid: isJujuApplication }),
    format: inputs.choice('format', ['dump', 'sqlite'] as const, 'dump'),
    backupId: inputs.text('backup-id', { default: utcStamp(now), form: BACKUP_ID_FORM, valid: isBackupId }),
    s3: readS3Target(inputs, env, 'mlmd'),
    bandwidthLimit: inputs.text('bandwidth-limit', { form: BANDWIDTH_FORM, valid: isBandwidth }),
    kubeconfig: inputs.secret('kubeconfig', { multiline: true }),
    timeoutMinutes: inputs.number('timeout-minutes', { default: 60, min: 0.1, max: 1440 }),
    progressIntervalSeconds: inputs.integer('progress-interval-seconds', { default: 20, min: 1, max: 30 }),
    ignoreRunningWorkloads: inputs.boolean('ignore-running-workloads', false),
    dryRun: inputs.boolean('dry-run', false),
  };
  inputs.done();
  return config;
}

/** The object names, with the format in them so a restore cannot take one for the other. */
export function objectNames(config: BackupMlmdConfig): { object: string; sidecar: string } {
  const object = `${config.s3.prefix}/mlmd-${config.backupId}.${config.format === 'dump' ? 'dump.gz' : 'sqlite.gz'}`;
  return { object, sidecar: `${object}.json` };
}
