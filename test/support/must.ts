/** The value, or a failing test that names what was missing: what a test writes instead of `value!`. */
export function must<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`expected ${what}, found none`);
  return value;
}
