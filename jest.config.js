/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }],
    // These packages import JSON without `with { type: 'json' }`; the transform adds it.
    '/node_modules/@actions/(languageservice|workflow-parser)/dist/.+\\.js$': '<rootDir>/test/support/json-import-attributes.cjs',
  },
  transformIgnorePatterns: ['/node_modules/(?!@actions/(languageservice|workflow-parser)/)'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 120_000,
  // Most of a test's time is spent waiting on child processes (rclone, sqlite3, S3 servers) and
  // emulated delays, so on 2 cores three workers finish in 158 s where two take 236 s.
  maxWorkers: 3,
  // default and summary, with ::add-mask:: lines and test keys left out of failure messages
  reporters: ['<rootDir>/test/support/quiet-reporter.cjs', '<rootDir>/test/support/summary-reporter.cjs'],
};
