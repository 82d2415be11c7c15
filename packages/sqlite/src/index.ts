export { integrityCheck, mlmdSchemaVersion, rowCounts, userTables, type IntegrityResult } from './checks.js';
export { dumpTo, type DumpResult } from './dump.js';
export { describeFailure } from './errors.js';
export { type SqliteOptions } from './sqlite3.js';
export { checkpointWal, walBytes, type CheckpointResult } from './wal.js';
export { restoreDump } from './restore.js';
