import { AsyncLocalStorage } from 'node:async_hooks';
import * as core from '@actions/core';

const secrets = new Set<string>();

interface MaskSink {
  announce: (value: string) => void;
  announced: Set<string>;
}
const outside: MaskSink = { announce: (value) => core.setSecret(value), announced: new Set() };
const sinks = new AsyncLocalStorage<MaskSink>();

/**
 * Runs fn with masks going to this runner: each secret registered inside it, by whatever code, is
 * announced to it once (tests run several actions in one process, some at the same time).
 */
export function withMaskSink<T>(announce: (value: string) => void, fn: () => T): T {
  return sinks.run({ announce, announced: new Set() }, fn);
}

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
    const sink = sinks.getStore() ?? outside;
    if (v.length < 4 || sink.announced.has(v)) continue;
    secrets.add(v);
    sink.announced.add(v);
    sink.announce(v);
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
