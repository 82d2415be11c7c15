// The fault matrix's rows: each external call of an action in turn made slow, failing once,
// failing always, and a SIGTERM at each step boundary. A row prepares the sandbox, acts once on
// the first stdout line it waits for (or from a timer, for a moment no line marks), and the
// action's own check then holds the run to the same invariants whatever the fault.
import type { InProcessChild } from './in-process.js';
import { poll } from './poll.js';

export type Fault = 'slow' | 'fails once' | 'fails always' | 'SIGTERM';

export interface FaultCase<S> {
  /** "<call or step> · <fault>", as the matrix's table names it. */
  name: string;
  fault: Fault;
  inputs?: Record<string, string>;
  prepare?: (s: S) => unknown;
  /** On each stdout line until it returns true. */
  act?: (line: string, s: S, child: InProcessChild) => boolean;
  /** Polled every 100 ms until it returns true, for a moment no line marks. */
  poll?: (s: S, child: InProcessChild) => Promise<boolean>;
  putBackMs?: number;
}

/** Acts on the first line that contains marker (or matches it). */
export const on =
  <S>(marker: string | RegExp, act: (s: S, child: InProcessChild) => unknown) =>
  (line: string, s: S, child: InProcessChild): boolean => {
    if (typeof marker === 'string' ? !line.includes(marker) : !marker.test(line)) return false;
    act(s, child);
    return true;
  };

export const sigterm = <S>(marker: string | RegExp) => on<S>(marker, (_s, child) => child.kill('SIGTERM'));

/** The run's callbacks for a row: whether it acted, and the onLine the in-process run takes. */
export function driver<S>(c: FaultCase<S>, s: S) {
  const state = { acted: !c.act && !c.poll, at: 0, child: undefined as InProcessChild | undefined };
  const polling = c.poll
    ? poll(async () => {
        if (state.acted || !state.child) return false;
        const done = await c.poll?.(s, state.child);
        if (done && !state.acted) Object.assign(state, { acted: true, at: Date.now() });
        return state.acted;
      }, 100)
    : undefined;
  return {
    state,
    onLine: (line: string, child: InProcessChild) => {
      state.child = child;
      if (!state.acted && c.act?.(line, s, child)) Object.assign(state, { acted: true, at: Date.now() });
    },
    /** Waits for a poll in flight (see poll). */
    stop: () => polling?.stop(),
  };
}
