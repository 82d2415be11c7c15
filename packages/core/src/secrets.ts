import * as core from '@actions/core';

const secrets = new Set<string>();

/**
 * Masks a secret in the runner's log at once and remembers it, so that everything this suite prints,
 * passes to a child's log or writes as output or summary is redacted here too (runs outside Actions,
 * tests and the demo see no runner masking).
 */
export function registerSecret(value: string | undefined, options: { eachLine?: boolean } = {}): void {
  if (!value) return;
  // Each line of a PEM key is a secret of its own; a kubeconfig's lines are not (its credentials are registered one by one).
  const lines = options.eachLine === false ? [] : value.split(/\r?\n/);
  for (const v of [value, ...lines].map((s) => s.trim())) {
    if (v.length < 4 || secrets.has(v)) continue;
    secrets.add(v);
    core.setSecret(v);
  }
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('***');
  return out;
}

export function containsSecret(text: string): boolean {
  for (const s of secrets) if (text.includes(s)) return true;
  return false;
}
