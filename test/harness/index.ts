// A workflow harness for end-to-end tests: runs a workflow's jobs in dependency order, and each
// step's action as the runner would. See README.md.
export { runWorkflow, jobOrder } from './workflow.js';
export { HarnessError } from './expressions.js';
export { Repository, type Lease } from './repository.js';
export { parseFileCommand, runnerTimings, type KillTimings } from './process.js';
export type * from './types.js';
export { ArtifactStore } from './artifacts.js';
