import { errorMessage, type Logger } from '@ml-backup-actions/core';
import type { BackupSetRun } from './clients.js';
import type { BackupSetConfig, JobResult } from './config.js';
import type { RowCounts } from '@ml-backup-actions/juju';
import {
  type CharmBackup,
  type ComponentStatus,
  type DatabasesComponent,
  type Manifest,
  type MlmdComponent,
  type MlpipelineComponent,
  manifestKey,
  newManifest,
  overallStatus,
  parseManifest,
  recordComponents,
  manifestText,
  type BackupBucket,
  keyOf,
} from '@ml-backup-actions/ckf-set';
import { archiveClash } from './layout.js';

/** The workflow's job ids for the components (ckf-backup.yml). */
export const COMPONENT_JOBS = { databases: 'databases', mlmd: 'mlmd', mlpipeline: 'mlpipeline' } as const;

/**
 * Records what each component job did in the set's manifest and closes it: complete only when
 * every component job succeeded and left what the manifest needs.
 */
export async function complete({ config, clients, log }: BackupSetRun, now = new Date()): Promise<{ manifest: Manifest; url: string }> {
  const { bucket } = clients;
  const key = manifestKey(config.s3.prefix, config.backupId);
  const manifest = await openManifest(config, bucket, key, log, now);
  const { results } = config;
  const components = {
    databases: databases(results[COMPONENT_JOBS.databases]),
    mlmd: await mlmd(results[COMPONENT_JOBS.mlmd], bucket, log),
    mlpipeline: await mlpipeline(results[COMPONENT_JOBS.mlpipeline], bucket, log),
  };
  components.mlpipeline = ownArchive(components.mlpipeline, { ...manifest, components }, config.s3.prefix);
  if (recordComponents(manifest, components)) {
    log.warning(`backup set ${config.backupId} was verified before; its components changed, so that verification is removed: run mode verify again`);
  }
  manifest.finishedAt = now.toISOString();
  manifest.status = overallStatus(manifest);
  const url = await bucket.writeText(key, manifestText(manifest));
  return { manifest, url };
}

async function openManifest(config: BackupSetConfig, bucket: BackupBucket, key: string, log: Logger, now: Date): Promise<Manifest> {
  if ((await bucket.size(key)) !== undefined) return parseManifest(await bucket.readText(key), bucket.url(key));
  log.warning(`${bucket.url(key)} was not opened by mode begin; it is written now, without tool versions`);
  return newManifest({
    backupId: config.backupId,
    model: config.jujuModel,
    target: { bucket: config.s3.bucket, endpoint: config.s3.endpoint },
    startedAt: now.toISOString(),
    tools: {},
  });
}

const STATUS: Record<string, ComponentStatus> = { success: 'complete', failure: 'failed', cancelled: 'cancelled', skipped: 'skipped' };

/** The job's result as a component status, and why it is not complete. */
function jobStatus(job: JobResult | undefined, name: string): { status: ComponentStatus; error?: string } {
  if (!job) return { status: 'pending', error: `no result from the ${name} job` };
  const status = STATUS[job.result] ?? 'failed';
  if (status === 'complete') return { status };
  return { status, error: job.outputs.error || `the ${name} job ended ${job.result}${job.result === 'skipped' ? '' : '; its log says why'}` };
}

const int = (v: string | undefined): number | undefined => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
const num = (v: string | undefined): number | undefined => (v !== undefined && /^\d+(\.\d+)?$/.test(v) ? Number(v) : undefined);

function jsonObject(v: string | undefined): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = v ? JSON.parse(v) : undefined;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A success that lacks what the manifest needs is not complete. */
function lacking<T extends { status: ComponentStatus; error?: string }>(c: T, what: string): T {
  return c.status === 'complete' ? { ...c, status: 'failed', error: `the job succeeded but ${what}` } : c;
}

function databases(job: JobResult | undefined): DatabasesComponent {
  const c: DatabasesComponent = jobStatus(job, COMPONENT_JOBS.databases);
  const ids = jsonObject(job?.outputs['backup-ids']);
  const locations = jsonObject(job?.outputs['s3-locations']) ?? {};
  // backup-ckf-db's databases output: what a restore is checked against (absent from older versions).
  const facts = jsonObject(job?.outputs.databases) ?? {};
  const duration = num(job?.outputs['duration-seconds']);
  if (duration !== undefined) c.durationSeconds = duration;
  if (ids && Object.keys(ids).length) {
    c.backups = {};
    for (const [app, id] of Object.entries(ids)) {
      c.backups[app] = { ...charmBackupFacts(facts[app]), ...((locations[app] as object | undefined) ?? {}), backupId: String(id) };
    }
  }
  const missing = Object.keys(locations).filter((app) => !c.backups?.[app]);
  if (!c.backups) return lacking(c, 'reported no charm backup-id');
  return missing.length ? lacking(c, `reported no backup-id for ${missing.join(', ')}`) : c;
}

/** The manifest's fields of one entry of the databases output, each only when it has the manifest's type. */
function charmBackupFacts(v: unknown): Partial<CharmBackup> {
  if (typeof v !== 'object' || v === null) return {};
  const o = v as Record<string, unknown>;
  const out: Partial<CharmBackup> = {};
  for (const k of ['integrator', 'endpoint', 'bucket', 'path', 'clusterName', 'countedAt', 'unit'] as const) {
    if (typeof o[k] === 'string') out[k] = o[k];
  }
  if (Number.isInteger(o.charmRevision) && (o.charmRevision as number) >= 0) out.charmRevision = o.charmRevision as number;
  if (isRowCounts(o.rowCounts)) {
    out.rowCounts = o.rowCounts;
    out.rowCountsExact = o.rowCountsExact === true;
  }
  return out;
}

function isRowCounts(v: unknown): v is RowCounts {
  const obj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  return obj(v) && Object.values(v).every((t) => obj(t) && Object.values(t).every((n) => Number.isInteger(n) && (n as number) >= 0));
}

async function mlmd(job: JobResult | undefined, bucket: BackupBucket, log: Logger): Promise<MlmdComponent> {
  const c: MlmdComponent = jobStatus(job, COMPONENT_JOBS.mlmd);
  const out = job?.outputs ?? {};
  const objectUrl = out['object-url'] ?? '';
  const objectKey = objectUrl ? keyOf(objectUrl, bucket.bucket) : undefined;
  const bytes = int(out['size-bytes']);
  const sha256 = out.sha256 ?? '';
  if (!objectKey || bytes === undefined || !/^[0-9a-f]{64}$/.test(sha256)) {
    return lacking(c, objectUrl && !objectKey ? `its object ${objectUrl} is not in bucket ${bucket.bucket}` : 'reported no object, size and sha256');
  }
  c.format = out.format === 'sqlite' ? 'sqlite' : 'dump';
  c.object = { url: objectUrl, bucket: bucket.bucket, key: objectKey, bytes, sha256 };
  c.dbBytes = int(out['db-size-bytes']);
  const paused = num(out['writer-paused-seconds']);
  if (paused !== undefined) c.writerPause = { seconds: paused };
  const sidecarUrl = out['sidecar-url'] ?? '';
  const sidecarKey = sidecarUrl ? keyOf(sidecarUrl, bucket.bucket) : undefined;
  if (!sidecarKey) return lacking(c, 'reported no sidecar in the backup bucket');
  try {
    const text = await bucket.readText(sidecarKey);
    const s = JSON.parse(text) as SidecarV1;
    c.sidecar = { url: sidecarUrl, bucket: bucket.bucket, key: sidecarKey, bytes: Buffer.byteLength(text) };
    c.schemaVersion = s.database?.['schema-version'];
    c.rowCounts = s.database?.['row-counts'];
    c.writerPause = {
      application: s.writer?.application,
      from: s.writer?.['paused-at'],
      to: s.writer?.['resumed-at'],
      seconds: s.writer?.['paused-seconds'] ?? paused ?? 0,
    };
    const started = Date.parse(s['started-at'] ?? '');
    const finished = Date.parse(s['finished-at'] ?? '');
    if (started && finished) c.durationSeconds = Math.round((finished - started) / 100) / 10;
  } catch (err) {
    log.warning(`could not read the MLMD sidecar ${bucket.url(sidecarKey)}: ${errorMessage(err)}`);
    return lacking(c, `its sidecar ${bucket.url(sidecarKey)} could not be read`);
  }
  return c;
}

interface SidecarV1 {
  database?: { 'schema-version'?: number; 'row-counts'?: Record<string, number> };
  writer?: { application?: string; 'paused-at'?: string; 'resumed-at'?: string; 'paused-seconds'?: number };
  'started-at'?: string;
  'finished-at'?: string;
}

/** An archive that shares a folder of the set's layout could not be pruned apart from it: refused. */
function ownArchive(c: MlpipelineComponent, m: Manifest, manifestsPrefix: string): MlpipelineComponent {
  const clash = c.archivePrefix ? archiveClash(c.archivePrefix, m, manifestsPrefix) : undefined;
  if (!clash) return c;
  return {
    ...c,
    status: 'failed',
    error: `its archive prefix ${c.archivePrefix} shares the folder ${clash.prefix} with ${clash.what}, so retention could not tell the archive from them: give sync-minio an archive-prefix of its own (e.g. ${c.prefix ?? 'mlpipeline'}.archive)`,
  };
}

async function mlpipeline(job: JobResult | undefined, bucket: BackupBucket, log: Logger): Promise<MlpipelineComponent> {
  const c: MlpipelineComponent = jobStatus(job, COMPONENT_JOBS.mlpipeline);
  const out = job?.outputs ?? {};
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(out.destination ?? '');
  if (out['archive-prefix']) c.archivePrefix = out['archive-prefix'];
  c.objectsTransferred = int(out['objects-transferred']);
  c.objectsArchived = int(out['objects-archived']);
  if (out.verified) c.verified = out.verified === 'true';
  c.durationSeconds = num(out['duration-seconds']);
  if (!m || m[1] !== bucket.bucket)
    return lacking(c, out.destination ? `its destination ${out.destination} is not in bucket ${bucket.bucket}` : 'reported no destination');
  c.bucket = m[1];
  c.prefix = m[2].replace(/\/+$/, '');
  if (c.status === 'complete' || c.status === 'failed') {
    const listing = await bucket.list(c.prefix);
    c.objects = listing.size;
    c.bytes = [...listing.values()].reduce((a, b) => a + b, 0);
    log.info(`mlpipeline mirror ${bucket.url(c.prefix)}: ${c.objects} objects, ${c.bytes} bytes`);
  }
  return c;
}
