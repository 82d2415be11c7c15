import * as core from '@actions/core';
import { actionsLogger, type Logger } from './log.js';

/**
 * The runner an action talks to: its log (annotations, groups), the masks, the step's outputs, the
 * job summary, the failure, and the job's OIDC token. In a workflow that is @actions/core's file and
 * stdout commands; tests run actions in-process with one that records the same commands.
 */
export interface Runner {
  log: Logger;
  setSecret(value: string): void;
  setOutput(name: string, value: string): void;
  /** Appends to the job summary; false when the run has none (a local run). */
  appendSummary(markdown: string): Promise<boolean>;
  /** The error annotation of a failed step (the exit code is runAction's). */
  setFailed(message: string): void;
  /** The job's GitHub OIDC ID token for an audience (needs `permissions: id-token: write`); masked. */
  idToken(audience: string): Promise<string>;
}

export const actionsRunner: Runner = {
  log: actionsLogger,
  setSecret: (value) => core.setSecret(value),
  setOutput: (name, value) => core.setOutput(name, value),
  async appendSummary(markdown) {
    if (!process.env.GITHUB_STEP_SUMMARY) return false;
    await core.summary.addRaw(markdown, true).write();
    core.summary.emptyBuffer();
    return true;
  },
  setFailed: (message) => core.setFailed(message),
  idToken: (audience) => core.getIDToken(audience),
};
