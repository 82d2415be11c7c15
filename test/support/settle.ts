/**
 * Reads a value until it equals want or ms have passed, and returns the last reading, for state
 * that a peer updates a moment after the call under test returns (a server seeing a socket close).
 */
export async function settle<T>(read: () => T, want: T, ms = 3000): Promise<T> {
  const until = Date.now() + ms;
  let value = read();
  while (value !== want && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
    value = read();
  }
  return value;
}
