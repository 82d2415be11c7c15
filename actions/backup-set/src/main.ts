import { ActionError, type ActionDefinition } from '@ml-backup-actions/core';
import { begin } from './begin.js';
import { backupSetClients, type BackupSetClients, type BackupSetRun } from './clients.js';
import { complete } from './complete.js';
import { readConfig, type BackupSetConfig } from './config.js';
import { prune } from './prune.js';
import { recorded } from './recorded.js';
import { newSetReport, type SetReport } from './report.js';
import { renderSummary } from './summary.js';
import { verify } from './verify.js';

/**
 * The backup set around the components: begin opens its manifest (incomplete), complete records
 * what each component job did, verify checks the stored set against it, prune applies retention;
 * recorded tells a rerun job what the set already holds.
 */
async function backupSet(run: BackupSetRun): Promise<void> {
  const { config, clients, report, step, setOutputs } = run;
  const id = config.backupId;
  run.defer('remove the local files', () => clients.bucket.dispose());
  switch (config.mode) {
    case 'begin': {
      const { manifest, url } = await step('begin', `Open backup set ${id}`, () => begin(run));
      Object.assign(report, { manifest, url });
      setOutputs({ 'backup-id': manifest.backupId, 'manifest-url': url, 'started-at': manifest.startedAt, status: manifest.status });
      return;
    }
    case 'complete': {
      const { manifest, url } = await step('complete', `Record backup set ${id}`, () => complete(run));
      Object.assign(report, { manifest, url });
      setOutputs({ 'backup-id': manifest.backupId, 'manifest-url': url, status: manifest.status });
      if (manifest.status !== 'complete') {
        const broken = Object.entries(manifest.components).filter(([, c]) => c.status !== 'complete');
        throw new ActionError(
          `backup set ${id} is incomplete: ${broken.map(([n, c]) => `${n} ${c.status}${c.error ? ` (${c.error})` : ''}`).join('; ')}. Its manifest ${url} says so; do not restore from it`,
        );
      }
      run.log.info(`backup set ${id} is complete: ${url}`);
      return;
    }
    case 'verify': {
      const { manifest, url, verification: v } = await step('verify', `Verify backup set ${id}`, () => verify(run));
      Object.assign(report, { manifest, url });
      setOutputs({ 'backup-id': manifest.backupId, 'manifest-url': url, status: manifest.status, verified: v.ok });
      if (!v.ok)
        throw new ActionError(
          `backup set ${id} failed verification: ${v.checks
            .filter((c) => !c.ok)
            .map((c) => `${c.what}: ${c.detail}`)
            .join('; ')}`,
        );
      return;
    }
    case 'recorded': {
      const found = await step('recorded', `What backup set ${id} has recorded`, () => recorded(run));
      Object.assign(report, { manifest: found.manifest, url: found.url });
      setOutputs({ 'backup-id': id, 'manifest-url': found.url, status: found.manifest?.status ?? 'none', 'backup-ids': JSON.stringify(found.backupIds) });
      return;
    }
    case 'prune': {
      const result = await step('prune', `Retention: keep the newest ${config.keep} backup sets${config.dryRun ? ' (dry run)' : ''}`, () => prune(run));
      report.pruned = result;
      setOutputs({ kept: JSON.stringify(result.kept), deleted: JSON.stringify(result.deleted), 'objects-deleted': config.dryRun ? 0 : result.objects });
      return;
    }
  }
}

export const backupSetAction: ActionDefinition<BackupSetConfig, BackupSetClients, SetReport> = {
  name: 'backup-set',
  config: readConfig,
  report: (config, now) => newSetReport(config.mode, now),
  clients: backupSetClients,
  main: backupSet,
  summary: renderSummary,
  deadline: (config) => ({ minutes: config.timeoutMinutes, stops: 'nothing was left half done' }),
};
