import type { Timers } from '../timers.js';
import type { DoorSensorReading } from '../types.js';
import type { BinaryValue } from './gpio-like.js';

export type ReedWiring = 'normally-open' | 'normally-closed';

/**
 * The door state a physical level means. Active-low (pull-up) wiring reads 0 when the
 * contact is closed. A normally-open reed switch closes when the magnet is near, i.e.
 * when the door is closed; a normally-closed one opens then.
 */
export function doorStateFromLevel(
  level: BinaryValue,
  wiring: ReedWiring,
  activeLow: boolean,
): 'open' | 'closed' {
  const contactClosed = activeLow ? level === 0 : level === 1;
  const doorClosed = wiring === 'normally-open' ? contactClosed : !contactClosed;
  return doorClosed ? 'closed' : 'open';
}

export interface DoorInputOptions {
  wiring: ReedWiring;
  activeLow: boolean;
  debounceMs: number;
  now: () => number;
  timers: Timers;
}

/**
 * A burst still bouncing after this many debounce periods is a chattering contact, not a
 * door moving: its level is reported then, so that flapping detection sees it (a debounce
 * restarted by every edge would hide a contact chattering for ever).
 */
export const MAX_BURST_DEBOUNCES = 4;

/**
 * What both reed switch drivers share: the listeners, the debounced state and the
 * debounce itself. A transition is reported once the level has stayed put for
 * `debounceMs` after the last edge; its time is that of the burst's first edge, when the
 * door actually moved. A burst that ends where it began reports nothing, unless it was
 * cut at MAX_BURST_DEBOUNCES: then the contact did change, and both changes are reported.
 */
export class DoorInput {
  state: 'open' | 'closed' | 'unknown' = 'unknown';
  private readonly readingListeners: Array<(r: DoorSensorReading) => void> = [];
  private readonly errorListeners: Array<(e: Error) => void> = [];
  private readonly recoveredListeners: Array<() => void> = [];
  private timer: unknown;
  private pendingLevel: BinaryValue | undefined;
  private burstStartedAt = 0;
  private burstEdges = 0;
  private debounceMs: number;

  constructor(private readonly opts: DoorInputOptions) {
    this.debounceMs = opts.debounceMs;
  }

  onReading(listener: (reading: DoorSensorReading) => void): void {
    this.readingListeners.push(listener);
  }
  onError(listener: (error: Error) => void): void {
    this.errorListeners.push(listener);
  }
  onRecovered(listener: () => void): void {
    this.recoveredListeners.push(listener);
  }
  setDebounceMs(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError(`debounce must be a number >= 0, received ${ms}`);
    this.debounceMs = ms;
  }
  get currentDebounceMs(): number {
    return this.debounceMs;
  }

  /** The level read at start: reported at once, no debounce. */
  initial(level: BinaryValue): void {
    this.cancel();
    this.state = doorStateFromLevel(level, this.opts.wiring, this.opts.activeLow);
    this.emit({ state: this.state, at: this.opts.now() });
  }

  /** One edge as the driver saw it (possibly a bounce). */
  edge(level: BinaryValue): void {
    const now = this.opts.now();
    if (this.pendingLevel === undefined) {
      this.burstStartedAt = now;
      this.burstEdges = 0;
    }
    this.burstEdges++;
    this.pendingLevel = level;
    if (this.timer !== undefined) this.opts.timers.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.debounceMs === 0) {
      this.settle(false);
      return;
    }
    const capLeft = this.burstStartedAt + MAX_BURST_DEBOUNCES * this.debounceMs - now;
    if (capLeft <= this.debounceMs) {
      this.timer = this.opts.timers.setTimeout(() => this.settle(true), Math.max(0, capLeft));
      return;
    }
    this.timer = this.opts.timers.setTimeout(() => this.settle(false), this.debounceMs);
  }

  error(error: Error): void {
    for (const l of [...this.errorListeners]) l(error);
  }

  /** The driver reads the input again after errors (e.g. gpiomon restarted). */
  recovered(): void {
    for (const l of [...this.recoveredListeners]) l();
  }

  /** Drop a pending debounce (on stop). */
  cancel(): void {
    if (this.timer !== undefined) this.opts.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.pendingLevel = undefined;
  }

  /** Forget listeners and state (on stop). */
  reset(): void {
    this.cancel();
    this.state = 'unknown';
  }

  private settle(cut: boolean): void {
    this.timer = undefined;
    const level = this.pendingLevel;
    this.pendingLevel = undefined;
    if (level === undefined) return;
    const next = doorStateFromLevel(level, this.opts.wiring, this.opts.activeLow);
    if (next === this.state) {
      // A cut burst that ended where it began still left and came back: say so.
      if (!cut || this.burstEdges < 2) return;
      const away = next === 'open' ? 'closed' : 'open';
      this.emit({ state: away, at: this.burstStartedAt });
      this.emit({ state: next, at: this.opts.now() });
      return;
    }
    this.state = next;
    this.emit({ state: next, at: this.burstStartedAt });
  }

  private emit(reading: DoorSensorReading): void {
    for (const l of [...this.readingListeners]) {
      try {
        l(reading);
      } catch (cause) {
        // A listener's bug must not stop the driver; report it like a read error.
        this.error(cause instanceof Error ? cause : new Error(String(cause)));
      }
    }
  }
}
