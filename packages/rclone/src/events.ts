/** What rclone --use-json-log -v prints, one JSON object a line, turned into typed events. */

export interface RcloneStats {
  bytes: number;
  totalBytes: number;
  transfers: number;
  totalTransfers: number;
  checks: number;
  totalChecks: number;
  deletes: number;
  renames: number;
  errors: number;
  eta: number | null;
  speed: number;
  elapsedTime: number;
  fatalError: boolean;
  retryError: boolean;
}

export type RcloneEvent =
  | { type: 'stats'; stats: RcloneStats }
  /** An object written to the destination: new or replacing one; server-side means copied within the target (into the archive). */
  | { type: 'copied'; object: string; how: 'new' | 'replaced' | 'server-side' }
  | { type: 'deleted'; object: string }
  /** --dry-run: what would have been done (copy, move, move into backup dir, delete), with the object's size. */
  | { type: 'skipped'; action: string; object: string; size: number }
  | { type: 'error'; object: string; message: string }
  | { type: 'log'; level: string; object: string; message: string }
  /** A line that is not JSON, such as rclone's closing "Failed to sync: ..." on stderr. */
  | { type: 'text'; line: string };

interface JsonLine {
  level?: string;
  msg?: string;
  object?: string;
  size?: number;
  skipped?: string;
  stats?: Partial<RcloneStats>;
}

export function parseLine(line: string): RcloneEvent {
  let json: JsonLine;
  try {
    json = line.startsWith('{') ? (JSON.parse(line) as JsonLine) : (undefined as never);
  } catch {
    json = undefined as never;
  }
  if (!json || typeof json !== 'object') return { type: 'text', line };
  const message = String(json.msg ?? '');
  const object = String(json.object ?? '');
  if (json.stats) return { type: 'stats', stats: normaliseStats(json.stats) };
  if (json.skipped !== undefined) return { type: 'skipped', action: json.skipped, object, size: Number(json.size ?? 0) };
  if (message === 'Copied (new)') return { type: 'copied', object, how: 'new' };
  if (message === 'Copied (replaced existing)') return { type: 'copied', object, how: 'replaced' };
  if (message.startsWith('Copied (server-side copy)')) return { type: 'copied', object, how: 'server-side' };
  if (message === 'Deleted') return { type: 'deleted', object };
  if (json.level === 'error' || json.level === 'critical') return { type: 'error', object, message };
  return { type: 'log', level: String(json.level ?? 'info'), object, message };
}

function normaliseStats(s: Partial<RcloneStats>): RcloneStats {
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return {
    bytes: n(s.bytes),
    totalBytes: n(s.totalBytes),
    transfers: n(s.transfers),
    totalTransfers: n(s.totalTransfers),
    checks: n(s.checks),
    totalChecks: n(s.totalChecks),
    deletes: n(s.deletes),
    renames: n(s.renames),
    errors: n(s.errors),
    eta: typeof s.eta === 'number' ? s.eta : null,
    speed: n(s.speed),
    elapsedTime: n(s.elapsedTime),
    fatalError: s.fatalError === true,
    retryError: s.retryError === true,
  };
}
