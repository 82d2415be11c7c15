// sqlite3 CLI (3.40) failures, as the lines it prints to stderr, turned into messages for the job log.

const KNOWN: { pattern: RegExp; explain: (file: string) => string }[] = [
  {
    pattern: /file is not a database/,
    explain: (f) => `${f} is not an SQLite database (sqlite3: file is not a database); was the right file copied, and all of it?`,
  },
  {
    pattern: /database disk image is malformed/,
    explain: (f) => `${f} is damaged (sqlite3: database disk image is malformed); take the copy again`,
  },
  {
    pattern: /no such table: MLMDEnv/i,
    explain: (f) => `${f} is not an ML Metadata database (it has no MLMDEnv table)`,
  },
  {
    pattern: /unable to open database/,
    explain: (f) =>
      `sqlite3 could not open ${f}; check that it is readable and, when a -wal file lies beside it, that its folder is writable (SQLite needs a -shm file there to read the -wal)`,
  },
  {
    // Read-only, SQLite cannot roll back the hot -journal an interrupted write left beside the file.
    pattern: /attempt to write a readonly database/,
    explain: (f) =>
      `${f} was copied in the middle of a write (its -journal must be rolled back before it can be read); stop the writer (scale kfp-metadata-writer to 0) and copy it again`,
  },
];

/** The message for a failed sqlite3 run on file. */
export function describeFailure(file: string, code: number | null, stderr: readonly string[]): string {
  const text = stderr.join('\n');
  for (const known of KNOWN) if (known.pattern.test(text)) return known.explain(file);
  const detail = stderr.find((l) => l.trim())?.trim() ?? 'no message';
  return `sqlite3 failed on ${file} (${code === null ? 'killed by a signal' : `exit code ${code}`}): ${detail}`;
}

/** True when the failure says the file's pages are damaged (a finding, not a reason to stop checking). */
export const isCorruption = (stderr: readonly string[]): boolean => /database disk image is malformed|malformed database schema/.test(stderr.join('\n'));
