import { ActionError, runAction, setOutputs, withDeadline, type RunContext } from '@ml-backup-actions/core';
import { Juju } from '@ml-backup-actions/juju';
import { begin } from './begin.js';
import { complete } from './complete.js';
import { readConfig } from './config.js';
import { prune } from './prune.js';
import { BackupBucket } from './store.js';
import { pruneSummary, setSummary, verifySummary } from './summary.js';
import { verify } from './verify.js';

/**
 * The backup set around the components: begin opens its manifest (incomplete), complete records
 * what each component job did, verify checks the stored set against it, prune applies retention.
 */
export async function backupSet({ signal: cancelled, log, defer }: RunContext): Promise<void> {
  const config = readConfig();
  const signal = withDeadline(cancelled, config.timeoutMinutes, defer, 'nothing was left half done');
  const bucket = new BackupBucket(config.s3, log, signal);
  defer('remove the local files', () => bucket.dispose());

  switch (config.mode) {
    case 'begin': {
      const { manifest, url } = await log.group(`Open backup set ${config.backupId}`, () => begin(config, bucket, log, signal));
      setOutputs({ 'backup-id': manifest.backupId, 'manifest-url': url, 'started-at': manifest.startedAt, status: manifest.status });
      return;
    }
    case 'complete': {
      const { manifest, url } = await log.group(`Record backup set ${config.backupId}`, () => complete(config, bucket, log));
      setOutputs({ 'backup-id': manifest.backupId, 'manifest-url': url, status: manifest.status });
      await setSummary(manifest, url, manifest.status).write();
      if (manifest.status !== 'complete') {
        const broken = Object.entries(manifest.components).filter(([, c]) => c.status !== 'complete');
        throw new ActionError(`backup set ${config.backupId} is incomplete: ${broken.map(([n, c]) => `${n} ${c.status}${c.error ? ` (${c.error})` : ''}`).join('; ')}. Its manifest ${url} says so; do not restore from it`);
      }
      log.info(`backup set ${config.backupId} is complete: ${url}`);
      return;
    }
    case 'verify': {
      const juju = config.checkDatabases ? new Juju({ model: config.jujuModel, log, signal }) : undefined;
      const { manifest, url } = await log.group(`Verify backup set ${config.backupId}`, () => verify(config, bucket, juju, log, signal));
      const v = manifest.verification!;
      setOutputs({ 'backup-id': manifest.backupId, 'manifest-url': url, status: manifest.status, verified: v.ok });
      await verifySummary(manifest, url).write();
      if (!v.ok) throw new ActionError(`backup set ${config.backupId} failed verification: ${v.checks.filter((c) => !c.ok).map((c) => `${c.what}: ${c.detail}`).join('; ')}`);
      return;
    }
    case 'prune': {
      const result = await log.group(`Retention: keep the newest ${config.keep} backup sets${config.dryRun ? ' (dry run)' : ''}`, () => prune(config, bucket, log));
      setOutputs({ kept: JSON.stringify(result.kept), deleted: JSON.stringify(result.deleted), 'objects-deleted': config.dryRun ? 0 : result.objects });
      await pruneSummary(result, config.keep, config.dryRun).write();
      return;
    }
  }
}

export const run = (): Promise<number> => runAction('backup-set', backupSet);
