import type { Clock, TimerHandle } from './clock.js';

/**
 * A test clock whose wall clock can be stepped (as NTP does) apart from its monotonic
 * clock, which alone drives timers (as Node's timers do). advance(ms) fires due timers.
 */
export class SteppingClock implements Clock {
  #mono = 0;
  #wallOffset: number;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #nextId = 1;

  constructor(wallStart = Date.UTC(2026, 10, 22, 12)) {
    this.#wallOffset = wallStart;
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

  /** The delays of the pending timers, soonest first. */
  get pendingDelays(): number[] {
    return [...this.#timers.values()].map((t) => t.at - this.#mono).sort((a, b) => a - b);
  }

  /** Step the wall clock only (negative: back). */
  stepWall(ms: number): void {
    this.#wallOffset += ms;
  }

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
