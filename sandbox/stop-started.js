// @ts-check
// The failure path of a sandbox that starts several servers together under one temporary root.
import { rmSync } from 'node:fs';

/**
 * After one of the servers failed to start: stops those that did start, and removes their root.
 * @param {string} root @param {readonly Promise<{ stop(): Promise<void> }>[]} starting
 */
export async function stopStarted(root, starting) {
  const settled = await Promise.allSettled(starting);
  await Promise.allSettled(settled.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
  rmSync(root, { recursive: true, force: true });
}
