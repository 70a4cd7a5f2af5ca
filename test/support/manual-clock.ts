import type { Clock, TimerHandle } from '../../device/src/core/clock.js';

/**
 * A clock that moves only when told: advance(ms) fires due timers in time order. For
 * components that take an injected Clock (the global fake timers would also freeze the
 * real network I/O a test runs next to them). Its wall clock can also be stepped apart
 * from its monotonic clock (stepWall, as NTP does); timers follow the monotonic one, as
 * Node's do.
 */
export class ManualClock implements Clock {
  #mono = 0;
  #wallOffset: number;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #nextId = 1;

  constructor(start = Date.UTC(2026, 10, 22, 12)) {
    this.#wallOffset = start;
  }

  now(): number {
    return this.#mono + this.#wallOffset;
  }

  monotonic(): number {
    return this.#mono;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#mono + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as number);
  }

  get pending(): number {
    return this.#timers.size;
  }

  /** The delays of the pending timers, soonest first. */
  get pendingDelays(): number[] {
    return [...this.#timers.values()].map((t) => t.at - this.#mono).sort((a, b) => a - b);
  }

  /** Step the wall clock only (negative: back), leaving timers and the monotonic clock. */
  stepWall(ms: number): void {
    this.#wallOffset += ms;
  }

  /** Move time forward, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const until = this.#mono + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.#timers)
        if (entry[1].at <= until && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#mono = next[1].at;
      next[1].fn();
    }
    this.#mono = until;
  }
}
