import type { ApplicationStatus, UnitState, UnitStatus } from './types.js';

/** Sorts "app/10" after "app/9". */
export function byUnitNumber(a: string, b: string): number {
  const n = (s: string) => Number(s.slice(s.lastIndexOf('/') + 1));
  return n(a) - n(b) || a.localeCompare(b);
}

/** A unit on its way out: juju marks its statuses with life dying/dead, or the pod is terminated. */
export function isDying(unit: UnitStatus): boolean {
  const lives = [unit.workloadStatus.life, unit.jujuStatus.life];
  return lives.includes('dying') || lives.includes('dead') || unit.workloadStatus.current === 'terminated';
}

/** Settled: workload active and the agent idle or running a hook (what juju counts as ready). */
export function isActive(unit: UnitStatus): boolean {
  return !isDying(unit) && unit.workloadStatus.current === 'active' && ['idle', 'executing'].includes(unit.jujuStatus.current);
}

export function isInError(unit: UnitStatus): boolean {
  return unit.workloadStatus.current === 'error' || unit.jujuStatus.current === 'error' || Boolean(unit.statusError);
}

export function unitStates(app: ApplicationStatus): UnitState[] {
  return Object.values(app.units)
    .sort((a, b) => byUnitNumber(a.name, b.name))
    .map((u) => ({
      name: u.name,
      workload: u.statusError ? 'unknown' : u.workloadStatus.current,
      agent: u.statusError ? 'unknown' : u.jujuStatus.current,
      message: u.statusError ?? (u.workloadStatus.message || u.jujuStatus.message),
      dying: isDying(u),
      leader: u.leader,
    }));
}

/** "kfp-db/0 active/idle, kfp-db/1 maintenance/executing dying (running stop hook)" */
export function describeUnits(app: ApplicationStatus): string {
  const states = unitStates(app);
  if (!states.length) return 'no units';
  return states.map((s) => `${s.name} ${s.workload}/${s.agent}${s.dying ? ' dying' : ''}${s.message ? ` (${s.message})` : ''}`).join(', ');
}
