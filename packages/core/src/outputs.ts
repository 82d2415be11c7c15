import * as core from '@actions/core';
import { ActionError, errorMessage } from './errors.js';
import { containsSecret, redact } from './secrets.js';

/** Sets the step's outputs; an output carrying a secret is a bug, and the runner would drop it anyway. */
export function setOutputs(outputs: Record<string, string | number | boolean>): void {
  for (const [name, value] of Object.entries(outputs)) {
    const text = String(value);
    if (containsSecret(text)) throw new ActionError(`output '${name}' would contain a secret; refusing to set it`);
    core.setOutput(name, text);
  }
}

/**
 * The `error` output of a failed run: what went wrong, in the action's own words, for a later
 * job (a backup set's manifest) to record. Registered secrets are redacted first.
 */
export function setErrorOutput(failure: unknown): void {
  if (failure) core.setOutput('error', redact(errorMessage(failure)));
}
