import { ActionError } from '@ml-backup-actions/core';
import { describeWorkloads, runningNames } from '@ml-backup-actions/kube';
import type { BackupMlmdRun } from './clients.js';
import { objectNames } from './config.js';
import { locateDatabase, type Located } from './locate.js';
import { probeTarget } from './target.js';

export interface Checked extends Located {
  /** The writer's scale now: what is put back after the pause. */
  writerScale: number;
}

/**
 * Everything that can be checked without touching anything, before the writer is scaled down:
 * the pod, container and file, the writer application and its scale, no pipeline or experiment
 * running in any namespace, and the backup target reachable with no backup of this id in it.
 */
export async function preflight({ config, clients, report, log, signal }: BackupMlmdRun): Promise<Checked> {
  const { kube, juju, rclone, target } = clients;
  const { object, sidecar } = objectNames(config);
  const [located, scale, workloads] = await Promise.all([
    locateDatabase(kube, config, signal),
    juju.applicationScale(config.writerApplication),
    // Every namespace: multi-user Kubeflow runs pipelines and experiments in the profiles' namespaces.
    kube.listRunningWorkloads(),
    // A backup of this id in the other format is this id's backup too: a rerun never makes a second.
    probeTarget(
      rclone,
      target,
      config.s3,
      [object, sidecar, ...Object.values(objectNames({ ...config, format: config.format === 'dump' ? 'sqlite' : 'dump' }))],
      signal,
    ),
  ]);
  log.info(`pod ${config.namespace}/${located.pod.name}, container ${located.container}: ${located.files.join(', ')}`);
  log.info(`writer ${config.writerApplication} in model ${config.jujuModel}: scale ${scale.scale}, units ${scale.units.join(', ') || 'none'}`);
  log.info(`${target.label}: s3://${config.s3.bucket}/${config.s3.prefix} is reachable; the backup will be s3://${config.s3.bucket}/${object}`);

  const running = runningNames(workloads);
  report.workloads = describeWorkloads(workloads);
  if (running.length) {
    const n = running.length === 1 ? '1 workload is' : `${running.length} workloads are`;
    const list = running.slice(0, 10).join(', ') + (running.length > 10 ? `, and ${running.length - 10} more` : '');
    if (!config.ignoreRunningWorkloads) {
      throw new ActionError(
        `${n} running (${list}; ${report.workloads}). The runbook requires pipelines ` +
          'and experiments to be stopped so that MLMD is not written during the backup; stop them, or set ignore-running-workloads: true.',
      );
    }
    log.warning(`backing up while ${n} running (ignore-running-workloads is true): ${list}`);
  }
  log.info(`running workloads: ${report.workloads}`);
  return { ...located, writerScale: scale.scale };
}
