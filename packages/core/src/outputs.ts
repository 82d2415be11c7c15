import * as core from '@actions/core';
import { ActionError } from './errors.js';
import { containsSecret } from './secrets.js';

/** Sets the step's outputs; an output carrying a secret is a bug, and the runner would drop it anyway. */
export function setOutputs(outputs: Record<string, string | number | boolean>): void {
  for (const [name, value] of Object.entries(outputs)) {
    const text = String(value);
    if (containsSecret(text)) throw new ActionError(`output '${name}' would contain a secret; refusing to set it`);
    core.setOutput(name, text);
  }
}
