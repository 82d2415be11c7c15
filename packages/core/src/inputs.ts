import { InputError } from './errors.js';
import { registerSecret } from './secrets.js';
import { withoutUserinfo } from './validate.js';

interface TextOptions {
  required?: boolean;
  default?: string;
  /** The accepted form, as the error message names it. */
  form?: string;
  /** Returns true when the (non-empty) value is acceptable. */
  valid?: (value: string) => boolean;
}

/**
 * Reads an action's inputs from INPUT_* variables the way @actions/core does, validates each one,
 * and collects every problem so that one run reports them all, before anything is touched.
 */
export class Inputs {
  private readonly problems: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  /** The trimmed value, '' when not set. */
  raw(name: string): string {
    return (this.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
  }

  problem(name: string, message: string): void {
    this.problems.push(`Input '${name}' ${message}`);
  }

  /** Fails with a named problem unless the condition holds; for rules that involve several inputs. */
  require(condition: boolean, name: string, message: string): void {
    if (!condition) this.problem(name, message);
  }

  text(name: string, options: TextOptions = {}): string {
    const value = this.raw(name) || options.default || '';
    if (!value) {
      if (options.required) this.problem(name, `is required${options.form ? `: ${options.form}` : ''}.`);
      return '';
    }
    const shown = maskUserinfo(value);
    if (shown) {
      this.problem(
        name,
        `must not have a user name or password in it (${JSON.stringify(shown)}); give the URL without them, and the credentials in their own secret inputs${options.form ? `. Accepted: ${options.form}` : ''}.`,
      );
    } else if (options.valid && !options.valid(value)) {
      this.problem(name, `must be ${options.form ?? 'valid'}; got ${quote(value)}.`);
    }
    return value;
  }

  /**
   * A credential: masked the moment it is read, and never echoed in an error. A multi-line one (a
   * kubeconfig) is masked whole; the caller masks the credentials inside it.
   */
  secret(name: string, options: { required?: boolean; form?: string; multiline?: boolean } = {}): string {
    const value = this.raw(name);
    registerSecret(value, { eachLine: !options.multiline });
    if (!value && options.required) this.problem(name, `is required${options.form ? `: ${options.form}` : ''}.`);
    if (!options.multiline && /[\r\n]/.test(value)) this.problem(name, 'must be a single line (the value is not shown).');
    return value;
  }

  /** YAML 1.2 core schema booleans, as core.getBooleanInput accepts them. */
  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    if (!value) return fallback;
    if (['true', 'True', 'TRUE'].includes(value)) return true;
    if (['false', 'False', 'FALSE'].includes(value)) return false;
    this.problem(name, `must be true or false; got ${quote(value)}.`);
    return fallback;
  }

  integer(name: string, options: { default: number; min: number; max: number }): number {
    const value = this.raw(name);
    if (!value) return options.default;
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < options.min || n > options.max) {
      this.problem(name, `must be a whole number from ${options.min} to ${options.max}; got ${quote(value)}.`);
      return options.default;
    }
    return n;
  }

  /** A decimal number such as 0.5 or 90 (no sign, no exponent). */
  number(name: string, options: { default: number; min: number; max: number }): number {
    const value = this.raw(name);
    if (!value) return options.default;
    const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
    if (!Number.isFinite(n) || n < options.min || n > options.max) {
      this.problem(name, `must be a number from ${options.min} to ${options.max} (for example 30 or 0.5); got ${quote(value)}.`);
      return options.default;
    }
    return n;
  }

  choice<T extends string>(name: string, values: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (!value) return fallback;
    if ((values as readonly string[]).includes(value)) return value as T;
    this.problem(name, `must be one of ${values.join(', ')}; got ${quote(value)}.`);
    return fallback;
  }

  /** Throws one InputError listing every problem found so far. */
  done(): void {
    if (this.problems.length) throw new InputError(this.problems);
  }
}

/**
 * For a URL with credentials in it (set where a URL goes, e.g. as a repository variable): masks
 * them at once and returns the URL as it may be shown, https://***@host; undefined for any other value.
 */
export function maskUserinfo(value: string): string | undefined {
  const found = withoutUserinfo(value);
  if (!found) return undefined;
  registerSecret(found.userinfo);
  const colon = found.userinfo.indexOf(':');
  if (colon >= 0) registerSecret(decodeURIComponentSafe(found.userinfo.slice(colon + 1)));
  return found.shown;
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function quote(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return JSON.stringify(shown);
}
