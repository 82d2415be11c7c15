import { ActionError, errorMessage } from '@ml-backup-actions/core';
import { compareRowCounts, type Juju } from '@ml-backup-actions/juju';
import type { DbRestore } from './report.js';

/**
 * After the restore: COUNT(*) per table on the leader, as the backup counted them, against the
 * manifest's. Counts taken while something wrote during the backup (rowCountsExact false) may
 * differ a little: their differences are warnings. Resolves with whether they match (undefined:
 * nothing recorded to compare with).
 */
export async function checkRowCounts(
  juju: Juju,
  db: DbRestore,
  timing: { waitMs: number; intervalMs: number; signal: AbortSignal },
): Promise<boolean | undefined> {
  const expected = db.recorded?.rowCounts;
  if (!expected) {
    db.warnings.push('no row counts were recorded for this backup (backup-ids given, or a backup made before manifest version 2): not compared');
    return undefined;
  }
  db.phase = 'row counts';
  const unit = Object.values((await juju.application(db.application)).units).find((u) => u.leader)?.name ?? db.unit ?? `${db.application}/leader`;
  let found;
  try {
    const password = await juju.checkPassword(unit, timing);
    found = await juju.countRows(unit, password);
  } catch (err) {
    // Not counted is not "differ": the output stays unchecked, and the run fails saying why.
    if (timing.signal.aborted) throw err;
    throw new ActionError(`could not count the rows on ${unit}: ${errorMessage(err)}`, { cause: err });
  }
  db.rowCountDiffs = compareRowCounts(expected, found);
  if (!db.rowCountDiffs.length) return true;
  if (db.recorded?.rowCountsExact === false) {
    db.warnings.push(`row counts differ from those recorded, which were read while rows changed during the backup: ${db.rowCountDiffs.join('; ')}`);
    return true;
  }
  return false;
}
