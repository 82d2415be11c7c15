import { ActionError } from '@ml-backup-actions/core';
import type { BackupSetRun } from './clients.js';
import { manifestKey, newManifest, type Manifest, manifestText } from '@ml-backup-actions/ckf-set';
import { runInfo, toolVersions } from './tools.js';

/**
 * Opens a backup set: the manifest is written at once with every component pending, so that a
 * run stopped anywhere after this leaves a manifest that says incomplete. An id already used is refused.
 */
export async function begin({ config, clients, log, signal, env }: BackupSetRun, now = new Date()): Promise<{ manifest: Manifest; url: string }> {
  const { bucket } = clients;
  const key = manifestKey(config.s3.prefix, config.backupId);
  const [existing, tools] = await Promise.all([bucket.size(key), toolVersions(env, signal)]);
  if (existing !== undefined)
    throw new ActionError(
      `${bucket.url(key)} already exists: backup set ${config.backupId} was started before; a set is never overwritten, use another backup-id`,
    );
  for (const [tool, version] of Object.entries(tools)) log.info(`${tool}: ${version}`);
  const manifest = newManifest({
    backupId: config.backupId,
    model: config.jujuModel,
    target: { bucket: config.s3.bucket, endpoint: config.s3.endpoint, ...(config.s3.region ? { region: config.s3.region } : {}) },
    startedAt: now.toISOString(),
    run: runInfo(env),
    tools,
  });
  const url = await bucket.writeText(key, manifestText(manifest));
  log.info(`backup set ${config.backupId} opened: ${url} (incomplete until every component is recorded)`);
  return { manifest, url };
}
