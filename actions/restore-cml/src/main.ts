import { ActionError, redact, type ActionDefinition, type Status } from '@ml-backup-actions/core';
import { deriveRestoreRequest, readRecord, type UpgradeRecord } from '@ml-backup-actions/cml';
import { restoreCmlClients, type RestoreCmlClients, type RestoreCmlRun } from './clients.js';
import { readConfig, type RestoreCmlConfig } from './config.js';
import { followRestore } from './follow.js';
import { backupFinished, earlierRestore, originalGone } from './guards.js';
import { newRestoreReport, type RestoreReport } from './report.js';
import { sendRestore } from './send.js';
import { durationSeconds, renderSummary } from './summary.js';

/**
 * Steps 2 and 4 of the upgrade runbook: restore the backup into a new workspace (the interim, or
 * the final one with the original's URL), derived from the upgrade record, and follow it to ready.
 */
async function restoreCml(run: RestoreCmlRun): Promise<Status | void> {
  const { config, report, step, log } = run;
  const state = report.restore;
  let workspaceCrn = config.workspaceCrn;
  if (workspaceCrn) {
    Object.assign(state, { workspaceCrn, how: 'attached', why: 'workspace-crn: a restore started before' });
    log.info(`attaching to the restore of ${workspaceCrn}: following it, not starting one`);
  } else {
    const record = readRecord(config.recordFile);
    const given = config.backupCrn || record.backup?.crn;
    // A dry run before the backup exists (the upgrade's pre-flight, on backup-cml's dry-run record)
    // checks everything else: the request with a stand-in for the backup, the name.
    if (!given && !config.dryRun)
      throw new ActionError(`Input 'backup-crn' is required: the upgrade record ${config.recordFile} names no backup (backup-cml's backup-crn output).`);
    const backupCrn = given || `${PLANNED_BACKUP} of ${record.original.name}`;
    const request = requestFor(record, backupCrn, config);
    const p = request.newWorkspaceParameters;
    Object.assign(state, {
      backupCrn,
      workspaceName: p?.workspaceName,
      environmentName: p?.environmentName,
      request: redact(JSON.stringify(request, null, 2)),
    });

    const earlier = await step('pre-flight', 'Pre-flight: the backup, the name, the URL', async () => {
      if (given) await backupFinished(run, backupCrn);
      else log.info(`no backup yet (the record is from a dry run): the request is checked with "${backupCrn}" in its place`);
      const found = await earlierRestore(run, p?.environmentName ?? '', p?.workspaceName ?? '', backupCrn);
      if (!found && config.useStaticSubdomain) await originalGone(run, record.original);
      return found;
    });
    if (config.dryRun) {
      log.info(
        `dry run: ${earlier ? `${earlier.instanceName} was restored from this backup already (${earlier.crn}); a run would follow it` : 'restoreWorkspace would be sent with'}`,
      );
      if (!earlier) log.info(state.request ?? '');
      return 'checked';
    }
    if (earlier) {
      Object.assign(state, { workspaceCrn: earlier.crn, how: 'attached', why: `${earlier.instanceName} was restored from this backup by an earlier run` });
      log.info(`${earlier.instanceName} (${earlier.crn}) was restored from this backup already: following it, not restoring again`);
    } else {
      Object.assign(state, await step('restore', `Restore ${p?.workspaceName} from the backup`, () => sendRestore(run, request)));
    }
    workspaceCrn = state.workspaceCrn ?? '';
  }
  // Out at once, so that a next job can attach (workspace-crn) if this one hits GitHub's 6-hour limit.
  run.setOutputs({ 'workspace-crn': workspaceCrn, ...(state.workspaceName ? { 'workspace-name': state.workspaceName } : {}) });
  if (!config.wait) {
    log.info('wait is false: the restore runs on; follow it with workspace-crn in a later step');
    return 'started';
  }
  const ready = await step('wait', `Follow the restore of ${state.workspaceName ?? workspaceCrn}`, () => followRestore(run, workspaceCrn));
  if (ready === 'handed over') return 'started';
  log.info(`${ready.instanceName} is ready: ${ready.instanceUrl}, version ${ready.version}`);
}

/** What a pre-flight dry run puts where the backup's CRN will be. */
const PLANNED_BACKUP = '<the backup backup-cml will make>';

/** The request, derived and checked; everything wrong with it in one error, before any CDP call. */
function requestFor(record: UpgradeRecord, backupCrn: string, config: RestoreCmlConfig) {
  const { request, problems } = deriveRestoreRequest(record, {
    backupCrn,
    workspaceName: config.workspaceName,
    environmentName: config.environmentName,
    useStaticSubdomain: config.useStaticSubdomain,
    overrides: config.workspaceParameters,
    existingNfs: config.existingNfs,
    nfsVersion: config.nfsVersion,
    restoreTimeoutMinutes: config.restoreTimeoutMinutes,
  });
  if (problems.length) {
    throw new ActionError(
      `the restore request cannot be sent (nothing was):\n- ${problems.join('\n- ')}\nworkspace-parameters takes any CreateWorkspaceRequest field as JSON.`,
    );
  }
  return request;
}

export const restoreCmlAction: ActionDefinition<RestoreCmlConfig, RestoreCmlClients, RestoreReport> = {
  name: 'restore-cml',
  config: readConfig,
  report: (_config, now) => newRestoreReport(now),
  clients: restoreCmlClients,
  main: restoreCml,
  summary: renderSummary,
  finalOutputs: (_config, report) => {
    const r = report.restore;
    return {
      ...(r.workspaceCrn ? { 'workspace-crn': r.workspaceCrn } : {}),
      ...(r.workspaceName ? { 'workspace-name': r.workspaceName } : {}),
      ...(r.instanceUrl ? { 'instance-url': r.instanceUrl } : {}),
      ...(r.version ? { version: r.version } : {}),
      status: r.instanceStatus ?? report.status,
      'still-running': String(report.status === 'started'),
      'duration-seconds': durationSeconds(report),
    };
  },
};
