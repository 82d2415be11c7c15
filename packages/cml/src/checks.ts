import type { Workspace } from '@ml-backup-actions/cdp';
import type { UpgradeRecord } from './record.js';

/** One comparison: pass, fail (the validation fails), or warn (shown; it passes). */
export interface Check {
  name: string;
  result: 'pass' | 'fail' | 'warn';
  expected: string;
  found: string;
}

/** 'different' for the interim workspace (a URL of its own), 'same' for the final restore (the original's). */
export type ExpectUrl = 'same' | 'different';

/** Ready after a restore; resume:finished counts too (low confidence, reference/cml-restore.md §2). */
const READY = ['installation:finished', 'modify:finished', 'resume:finished'];

const check = (name: string, ok: boolean, expected: string, found: string): Check => ({ name, result: ok ? 'pass' : 'fail', expected, found });

/**
 * What CDP says of the restored workspace, against the record of the original (reference/cml-restore.md
 * §5): ready and healthy, restored, not older, at the URL expect-url asks for, on the right storage.
 */
export function controlPlaneChecks(record: UpgradeRecord, w: Workspace, expectUrl: ExpectUrl): Check[] {
  const original = record.original;
  const unhealthy = (w.healthInfoLists ?? []).filter((h) => !h.isHealthy);
  const checks = [
    check('Ready', READY.includes(w.instanceStatus), READY.join(' or '), w.instanceStatus || '(none)'),
    check('No failure message', !w.failureMessage, '(none)', w.failureMessage ?? '(none)'),
    check(
      'Health',
      unhealthy.length === 0,
      'every resource healthy',
      unhealthy.length ? unhealthy.map((h) => `${h.resourceName}: ${h.message || 'unhealthy'}`).join('; ') : `${(w.healthInfoLists ?? []).length} healthy`,
    ),
    check('Restored from a backup', w.isRestored === true, 'isRestored true', `isRestored ${w.isRestored ?? '(not set)'}`),
    check('Version', compareVersions(w.version, original.version) >= 0, `${original.version} or later`, w.version || '(none)'),
    expectUrl === 'same'
      ? check("URL (the original's)", w.instanceUrl === original.instanceUrl, original.instanceUrl, w.instanceUrl)
      : check('URL (its own)', !!w.instanceUrl && w.instanceUrl !== original.instanceUrl, `not ${original.instanceUrl}`, w.instanceUrl || '(none)'),
  ];
  if (record.cloud === 'AZURE') {
    // The NFS is not in the backup: the restored workspace must mount the original's.
    checks.push(check("NFS (the original's)", w.filesystemID === original.filesystemId, original.filesystemId, w.filesystemID || '(none)'));
    if (original.nfsVersion && w.nfsVersion) checks.push(check('NFS version', w.nfsVersion === original.nfsVersion, original.nfsVersion, w.nfsVersion));
  } else {
    // The backup restores into a file system of its own; the original's may be deleted with it.
    checks.push(
      check('File system (its own)', !!w.filesystemID && w.filesystemID !== original.filesystemId, `not ${original.filesystemId}`, w.filesystemID || '(none)'),
    );
  }
  return checks;
}

/** The configuration a restore should carry over (reference/cml-restore.md §1.3): each difference a warning. */
const CARRIED: { name: string; read: (w: Workspace) => unknown }[] = [
  { name: 'httpsEnabled', read: (w) => w.httpsEnabled },
  { name: 'isPrivate', read: (w) => w.isPrivate },
  { name: 'monitoringEnabled', read: (w) => w.monitoringEnabled },
  { name: 'governanceEnabled', read: (w) => w.governanceEnabled },
  { name: 'modelMetricsEnabled', read: (w) => w.modelMetricsEnabled },
  { name: 'loadBalancerIPWhitelists', read: (w) => [...(w.loadBalancerIPWhitelists ?? [])].sort() },
  { name: 'authorizedIPRanges', read: (w) => [...(w.authorizedIPRanges ?? [])].sort() },
  { name: 'subnets', read: (w) => [...(w.subnets ?? [])].sort() },
  { name: 'subnetsForLoadBalancers', read: (w) => [...(w.subnetsForLoadBalancers ?? [])].sort() },
  {
    name: 'instanceGroups',
    read: (w) =>
      (w.instanceGroups ?? [])
        .map(
          (g) =>
            `${g.instanceType} ${g.minInstances}-${g.maxInstances}${g.rootVolumeSize ? ` ${g.rootVolumeSize} GB` : ''}${g.accelerator?.type ? ` ${g.accelerator.type}` : ''}`,
        )
        .sort(),
  },
];

export function configurationDrift(original: Workspace, restored: Workspace): Check[] {
  const shown = (v: unknown) => (v === undefined ? '(not set)' : Array.isArray(v) ? v.join(', ') || '(none)' : String(v));
  return CARRIED.flatMap(({ name, read }) => {
    const [was, is] = [shown(read(original)), shown(read(restored))];
    return was === is ? [] : [{ name: `Configuration: ${name}`, result: 'warn' as const, expected: was, found: is }];
  });
}

/** CML versions such as 2.0.52-b45: the numbers in order, then the build. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => (v.match(/\d+/g) ?? []).map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d) return Math.sign(d);
  }
  return 0;
}
