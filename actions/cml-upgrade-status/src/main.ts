import { Inputs, JobSummary, newReport, type ActionDefinition, type Report } from '@ml-backup-actions/core';
import { UPGRADE_STAGES, standing, upgradeDiagram, type JobState, type Names, type Standing } from '@ml-backup-actions/cml';

export interface StatusConfig {
  /** This job's id, and how it stands so far (job.status); a job of the chain is not in its own needs. */
  job: string;
  jobStatus: string;
  stillRunning: boolean;
  needs: Record<string, JobState>;
  names: Names;
}

const JOB_STATUSES = ['success', 'failure', 'cancelled'] as const;
const NAME_FORM = 'a CML workspace name';
const JOBS = UPGRADE_STAGES.flatMap((s) => s.jobs);

export function readConfig(env: NodeJS.ProcessEnv = process.env): StatusConfig {
  const inputs = new Inputs(env);
  const job = inputs.text('job', {
    required: true,
    form: `a job of cml-upgrade.yml (${JOBS.join(', ')}) or report`,
    valid: (v) => v === 'report' || JOBS.includes(v),
  });
  const config: StatusConfig = {
    job,
    jobStatus: inputs.choice('job-status', JOB_STATUSES, 'success'),
    stillRunning: inputs.boolean('still-running', false),
    needs: needsOf(inputs),
    names: {
      workspace: inputs.text('workspace-name', { required: true, form: NAME_FORM, valid: (v) => v.length <= 100 }),
      interim: inputs.text('interim-workspace-name', { required: true, form: NAME_FORM, valid: (v) => v.length <= 100 }),
      final: inputs.text('final-workspace-name', { required: true, form: NAME_FORM, valid: (v) => v.length <= 100 }),
    },
  };
  inputs.done();
  return config;
}

/** needs: the workflow's toJSON(needs), {job: {result, outputs}}. */
function needsOf(inputs: Inputs): Record<string, JobState> {
  const raw = inputs.raw('needs');
  if (!raw) return {};
  try {
    const value: unknown = JSON.parse(raw);
    if (value && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((j) => typeof j?.result === 'string'))
      return value as Record<string, JobState>;
  } catch {
    // reported below
  }
  inputs.problem('needs', 'must be the workflow\'s ${{ toJSON(needs) }}: a JSON object of {"result", "outputs"} per job.');
  return {};
}

interface StatusReport extends Report {
  standing?: Standing;
}

export const cmlUpgradeStatusAction: ActionDefinition<StatusConfig, Record<string, never>, StatusReport> = {
  name: 'cml-upgrade-status',
  config: readConfig,
  report: (_config, now) => newReport({} as { standing?: Standing }, now, 'status'),
  clients: () => ({}),
  async main({ config, report, log, setOutputs }) {
    const jobs = { ...config.needs };
    if (config.job !== 'report') {
      const result = config.jobStatus;
      jobs[config.job] = { result, outputs: { reached: 'true', 'still-running': String(config.stillRunning) } };
    }
    const s = (report.standing = standing(jobs, config.names));
    log.info(`the upgrade of ${config.names.workspace} stands at ${s.at ? `${s.at.label} (${s.states[s.at.id]})` : 'the end (done)'}`);
    log.info(s.next);
    setOutputs({ stage: s.at?.id ?? 'done', next: s.next });
  },
  summary(config, report) {
    const summary = new JobSummary(`CML upgrade of ${config.names.workspace}: ${report.standing?.at ? report.standing.at.label : 'done'}`);
    if (!report.standing) return summary.paragraph(report.error ?? 'no standing');
    return summary.raw(upgradeDiagram(report.standing)).paragraph(report.standing.next);
  },
};
