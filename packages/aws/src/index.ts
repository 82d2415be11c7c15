export { parsePercentDone } from './percent.js';
export { TERMINAL_STATES, describeJob, listVaultJobs, missingOptIns, stopJobs, viewOf, type JobView } from './jobs.js';
