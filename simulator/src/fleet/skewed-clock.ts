import type { Clock } from '@smartdoor/device/core/clock';

/** A door clock that runs ahead or behind by `offsetMs` (timers are not affected). */
export class SkewedClock implements Clock {
  offsetMs = 0;

  constructor(private readonly base: Clock) {}

  now(): number {
    return this.base.now() + this.offsetMs;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    return this.base.setTimeout(fn, ms);
  }

  clearTimeout(handle: unknown): void {
    this.base.clearTimeout(handle);
  }
}
