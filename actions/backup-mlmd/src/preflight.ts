import { ActionError, type Logger } from '@ml-backup-actions/core';
import type { Juju } from '@ml-backup-actions/juju';
import type { KubeClient } from '@ml-backup-actions/kube';
import type { Rclone, S3Remote } from '@ml-backup-actions/rclone';
import { objectNames, type BackupMlmdConfig } from './config.js';
import { locateDatabase, type Located } from './locate.js';
import type { BackupReport } from './report.js';
import { probeTarget } from './target.js';

/**
 * Everything that can be checked without touching anything, before the writer is scaled down:
 * the pod, container and file, the writer application and its scale, no pipeline or experiment
 * running, and the backup target reachable with no backup of this id in it.
 */
export async function preflight(
  config: BackupMlmdConfig,
  clients: { kube: KubeClient; juju: Juju; rclone: Rclone; target: S3Remote },
  report: BackupReport,
  log: Logger,
  signal: AbortSignal,
): Promise<Located> {
  const { object, sidecar } = objectNames(config);
  const [located, scale, workloads] = await Promise.all([
    locateDatabase(clients.kube, config, signal),
    clients.juju.applicationScale(config.writerApplication),
    clients.kube.listRunningWorkloads(config.namespace),
    probeTarget(clients.rclone, clients.target, config.s3, [object, sidecar], signal),
  ]);
  report.pod = located.pod.name;
  report.container = located.container;
  report.writer.originalScale = scale.scale;
  log.info(`pod ${config.namespace}/${located.pod.name}, container ${located.container}: ${located.files.join(', ')}`);
  log.info(`writer ${config.writerApplication} in model ${config.jujuModel}: scale ${scale.scale}, units ${scale.units.join(', ') || 'none'}`);
  log.info(`${clients.target.label}: s3://${config.s3.bucket}/${config.s3.prefix} is reachable; the backup will be s3://${config.s3.bucket}/${object}`);

  const running = [...workloads.workflows.map((w) => `Argo Workflow ${w}`), ...workloads.experiments.map((e) => `Katib Experiment ${e}`)];
  if (running.length) {
    const list = running.slice(0, 10).join(', ') + (running.length > 10 ? `, and ${running.length - 10} more` : '');
    if (!config.ignoreRunningWorkloads) {
      throw new ActionError(
        `${running.length} workloads are running in namespace ${config.namespace} (${list}). The runbook requires pipelines ` +
          'and experiments to be stopped so that MLMD is not written during the backup; stop them, or set ignore-running-workloads: true.',
      );
    }
    log.warning(`backing up while ${running.length} workloads run (ignore-running-workloads is true): ${list}`);
  } else {
    log.info(`no Argo Workflow or Katib Experiment is running in namespace ${config.namespace}`);
  }
  return located;
}
