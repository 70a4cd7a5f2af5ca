/**
 * Time and timers, injected everywhere so that tests (and the simulator, which runs
 * thousands of agents) control them. The system clock works with vitest's fake timers.
 */
export type TimerHandle = unknown;

export interface Clock {
  /** Milliseconds since the epoch: for timestamps only, since NTP may step it back or forward. */
  now(): number;
  /**
   * Milliseconds from an arbitrary origin that never steps: for durations, deadlines and
   * rates. Optional so that simple test clocks need not provide it; see monotonicNow.
   */
  monotonic?(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

const stepGuards = new WeakMap<Clock, { last: number; added: number }>();

/**
 * The clock's monotonic reading. A clock without one is read through now() with every
 * backward step taken out (the step counts as no time passing), so even then a wall clock
 * set back cannot stall a timer or a rate for the length of the step; while it never steps
 * back this equals now().
 */
export function monotonicNow(clock: Clock): number {
  if (clock.monotonic) return clock.monotonic();
  const wall = clock.now();
  let guard = stepGuards.get(clock);
  if (!guard) {
    guard = { last: wall, added: 0 };
    stepGuards.set(clock, guard);
  }
  if (wall < guard.last) guard.added += guard.last - wall;
  guard.last = wall;
  return wall + guard.added;
}
