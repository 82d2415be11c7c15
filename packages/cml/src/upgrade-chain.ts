/**
 * Where a cml-upgrade run stands, from its jobs' results and outputs (the workflow's `needs`), as a
 * mermaid diagram of the runbook's chain and one sentence of what to do next.
 */

export interface JobState {
  result: string;
  outputs?: Record<string, string>;
}

export interface Names {
  workspace: string;
  interim: string;
  final: string;
}

interface Stage {
  id: string;
  label: string;
  /** The workflow's jobs of this stage: the first does the work, the others follow it by CRN. */
  jobs: string[];
  /** The environment whose reviewers approve the stage. */
  gate?: string;
}

export const UPGRADE_STAGES: readonly Stage[] = [
  { id: 'preflight', label: 'pre-flight', jobs: ['preflight'] },
  { id: 'backup', label: '1 back up', jobs: ['backup', 'backup-2', 'backup-3'] },
  { id: 'restore-interim', label: '2 restore interim', jobs: ['restore-interim', 'restore-interim-2', 'restore-interim-3'] },
  { id: 'validate-interim', label: 'validate interim', jobs: ['validate-interim'] },
  { id: 'delete-original', label: '3 delete original', jobs: ['delete-original'], gate: 'cml-upgrade-delete-original' },
  { id: 'restore-final', label: "4 restore, original's URL", jobs: ['restore-final', 'restore-final-2', 'restore-final-3'] },
  { id: 'validate-final', label: 'validate final', jobs: ['validate-final'] },
  { id: 'delete-interim', label: '5 delete interim', jobs: ['delete-interim'], gate: 'cml-upgrade-delete-interim' },
];

export type StageState = 'done' | 'handed over' | 'failed' | 'rejected' | 'cancelled' | 'not yet';

/** A stage's state from its jobs: a failed gate job that never reached its first step was not approved. */
export function stageState(stage: Stage, jobs: Record<string, JobState>): StageState {
  const ran = stage.jobs.map((id) => jobs[id]).filter((j): j is JobState => !!j && j.result !== 'skipped');
  if (!ran.length) return 'not yet';
  if (ran.some((j) => j.result === 'failure')) {
    const failed = ran.find((j) => j.result === 'failure');
    return stage.gate && failed?.outputs?.reached !== 'true' ? 'rejected' : 'failed';
  }
  if (ran.some((j) => j.result === 'cancelled')) return 'cancelled';
  return ran.at(-1)?.outputs?.['still-running'] === 'true' ? 'handed over' : 'done';
}

export interface Standing {
  states: Record<string, StageState>;
  /** The first stage not done. */
  at?: Stage;
  next: string;
}

export function standing(jobs: Record<string, JobState>, names: Names): Standing {
  const states = Object.fromEntries(UPGRADE_STAGES.map((s) => [s.id, stageState(s, jobs)]));
  // A job's needs hold only some earlier jobs: a stage before one that ran was done.
  let later = false;
  for (const s of [...UPGRADE_STAGES].reverse()) {
    if (later && states[s.id] === 'not yet') states[s.id] = 'done';
    later ||= states[s.id] !== 'not yet';
  }
  const at = UPGRADE_STAGES.find((s) => states[s.id] !== 'done');
  return { states, at, next: nextStep(at, at ? states[at.id] : 'done', jobs, names) };
}

const RERUN = 'Re-run failed jobs continues where it stopped: no second backup, restore or delete.';

function nextStep(at: Stage | undefined, state: StageState, jobs: Record<string, JobState>, n: Names): string {
  if (!at)
    return `The upgrade is done: ${n.final} has the original's URL; the original workspace and the interim ${n.interim} are deleted, their file systems kept (delete-cml's kept-filesystem-id).`;
  const untouched = UPGRADE_STAGES.indexOf(at) <= UPGRADE_STAGES.findIndex((s) => s.id === 'delete-original');
  const original = untouched ? ` The original ${n.workspace} is untouched.` : '';
  switch (state) {
    case 'rejected':
      return at.id === 'delete-original'
        ? `The approval to delete the original was not given (rejected, or the job never started): ${n.workspace} is untouched and the interim ${n.interim} is kept. ` +
            `To go on, re-run failed jobs and approve in ${at.gate}. To give up, delete ${n.interim} in CDP keeping its storage (on Azure it is the original's NFS).`
        : `The approval to delete the interim was not given: ${n.final} serves the original's URL and ${n.interim} is kept. Re-run failed jobs and approve in ${at.gate} to delete it.`;
    case 'failed':
      if (at.id.startsWith('validate'))
        return `validate-cml found ${at.id === 'validate-interim' ? n.interim : n.final} not like the record (its summary lists what differs): no delete was attempted and no approval is asked.${original} Fix the workspace, then ${RERUN}`;
      return `${at.label} failed: its log says why.${original} ${RERUN}`;
    case 'cancelled':
      return `The run was cancelled during ${at.label}; what CDP was doing runs on.${original} ${RERUN}`;
    case 'handed over':
      return `${at.label} runs on in CDP; the next job follows it by CRN.`;
    default: {
      const before = UPGRADE_STAGES[UPGRADE_STAGES.indexOf(at) - 1];
      const proof = at.id === 'delete-original' ? n.interim : n.final;
      if (at.gate && before && jobs[before.jobs[0]]?.result === 'success')
        return `Next: ${at.label} waits for a reviewer of environment ${at.gate}. The validation of ${proof} above is what to check; delete-cml proves it again right before it deletes.`;
      return `Next: ${at.label}.${original}`;
    }
  }
}

const CLASS: Record<StageState, string> = {
  done: 'ok',
  'handed over': 'run',
  failed: 'bad',
  rejected: 'bad',
  cancelled: 'bad',
  'not yet': 'wait',
};

/** The chain as a mermaid flowchart, each stage with its state; the gates are marked. */
export function upgradeDiagram(s: Standing): string {
  const lines = ['```mermaid', 'flowchart LR'];
  UPGRADE_STAGES.forEach((stage, i) => {
    const state = s.states[stage.id];
    const here = s.at?.id === stage.id ? ' ◀ here' : '';
    const node = `  ${stage.id.replace(/-/g, '_')}["${stage.gate ? '🔒 ' : ''}${stage.label}<br/>${state}${here}"]:::${CLASS[state]}`;
    lines.push(i ? `  ${UPGRADE_STAGES[i - 1].id.replace(/-/g, '_')} --> ${node.trim()}` : node);
  });
  lines.push(
    '  classDef ok fill:#dafbe1,stroke:#1a7f37',
    '  classDef run fill:#ddf4ff,stroke:#0969da',
    '  classDef bad fill:#ffebe9,stroke:#cf222e',
    '  classDef wait fill:#f6f8fa,stroke:#8c959f',
    '```',
  );
  return lines.join('\n');
}
