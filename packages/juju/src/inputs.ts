// Inputs that name mysql-k8s applications and their charm backups, read the same way by every
// action that takes them.
import { JUJU_APPLICATION_FORM, isJujuApplication, type Inputs } from '@ml-backup-actions/core';

/** The charm's backup ids are request times: %Y-%m-%dT%H:%M:%SZ. */
export const CHARM_BACKUP_ID = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

const APPLICATIONS_FORM = `a comma- or newline-separated list of mysql-k8s applications, each ${JUJU_APPLICATION_FORM}`;

/** A list of applications, none twice; empty means `fallback`. */
export function readApplications(inputs: Inputs, name = 'applications', fallback = 'kfp-db,katib-db'): string[] {
  const raw = inputs.raw(name) || fallback;
  const names = raw
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = names.filter((n) => !isJujuApplication(n));
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (!names.length || bad.length || twice.length) {
    const why = bad.length
      ? `; not valid: ${bad.map((b) => JSON.stringify(b)).join(', ')}`
      : twice.length
        ? `; named twice: ${[...new Set(twice)].join(', ')}`
        : '';
    inputs.problem(name, `must be ${APPLICATIONS_FORM} (for example kfp-db,katib-db)${why}.`);
  }
  return names;
}

export const BACKUP_IDS_FORM =
  'a JSON object of application to the charm\'s backup-id (%Y-%m-%dT%H:%M:%SZ), as backup-ckf-db\'s backup-ids output gives it, for example {"kfp-db":"2026-11-22T01:30:45Z"}';

/** A JSON object of application to charm backup-id; empty means none ({}). */
export function readBackupIds(inputs: Inputs, name: string): Record<string, string> {
  const raw = inputs.raw(name);
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  const entries = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? Object.entries(parsed) : undefined;
  const bad = entries?.filter(([app, id]) => !isJujuApplication(app) || typeof id !== 'string' || !CHARM_BACKUP_ID.test(id));
  if (!entries || bad?.length) {
    const why = bad?.length ? `; not valid: ${bad.map(([app, id]) => `${JSON.stringify(app)}: ${JSON.stringify(id)}`).join(', ')}` : '';
    inputs.problem(name, `must be ${BACKUP_IDS_FORM}; empty means none${why}.`);
    return {};
  }
  return Object.fromEntries(entries as [string, string][]);
}
