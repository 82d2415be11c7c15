// The tests' poll: one call at a time, and none left running once stop() returns.
import { describe, expect, test } from '@jest/globals';
import { poll } from '../support/poll.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('poll', () => {
  test('stop() waits for the call in flight, and calls never overlap', async () => {
    let running = 0;
    let most = 0;
    let finished = 0;
    const p = poll(async () => {
      most = Math.max(most, ++running);
      await sleep(60);
      running--;
      finished++;
      return false;
    }, 5);
    await sleep(30);
    await p.stop();
    expect(running).toBe(0);
    expect(finished).toBeGreaterThanOrEqual(1);
    expect(most).toBe(1);
    const after = finished;
    await sleep(50);
    expect(finished).toBe(after);
  });

  test('a check that throws ends the polling, and stop() rethrows it', async () => {
    let calls = 0;
    const p = poll(async () => {
      calls++;
      throw new Error('listing refused');
    }, 5);
    await sleep(40);
    await expect(p.stop()).rejects.toThrow('listing refused');
    expect(calls).toBe(1);
  });
});
