import { type Clock, systemClock } from '../core/clock.js';
import type { DoorSensor, DoorSensorReading } from './types.js';

export interface SimulatedDoorSensorOptions {
  /** The door's state when the sensor starts. @default 'closed' */
  initial?: 'open' | 'closed';
  /** @default systemClock */
  clock?: Clock;
  /** Debounce applied to bounce(): edges closer together than this collapse. @default 0 */
  debounceMs?: number;
}

/**
 * A door sensor driven by method calls, for the simulator and tests: open(), close(),
 * bounce(states, gapMs), fail(error) and recover(). Readings are delivered synchronously, with the
 * injected clock's time, like a real driver after its debounce.
 */
export class SimulatedDoorSensor implements DoorSensor {
  #state: 'open' | 'closed' | 'unknown' = 'unknown';
  #initial: 'open' | 'closed';
  #clock: Clock;
  #running = false;
  #readingListeners: Array<(r: DoorSensorReading) => void> = [];
  #errorListeners: Array<(e: Error) => void> = [];
  #recoveredListeners: Array<() => void> = [];
  debounceMs: number;

  constructor(options: SimulatedDoorSensorOptions = {}) {
    this.#initial = options.initial ?? 'closed';
    this.#clock = options.clock ?? systemClock;
    this.debounceMs = options.debounceMs ?? 0;
  }

  get state(): 'open' | 'closed' | 'unknown' {
    return this.#state;
  }

  async start(): Promise<void> {
    this.#running = true;
    this.#set(this.#state === 'unknown' ? this.#initial : this.#state);
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#readingListeners = [];
    this.#errorListeners = [];
    this.#recoveredListeners = [];
  }

  onReading(listener: (reading: DoorSensorReading) => void): void {
    this.#readingListeners.push(listener);
  }

  onError(listener: (error: Error) => void): void {
    this.#errorListeners.push(listener);
  }

  onRecovered(listener: () => void): void {
    this.#recoveredListeners.push(listener);
  }

  setDebounceMs(ms: number): void {
    this.debounceMs = ms;
  }

  open(): void {
    this.#set('open');
  }

  close(): void {
    this.#set('closed');
  }

  /** Set the door to a state (no reading when it is already there). */
  set(state: 'open' | 'closed'): void {
    this.#set(state);
  }

  /**
   * A bouncing contact: each state in turn, `gapMs` apart on the clock (timers). Gaps
   * shorter than the debounce are swallowed, as a real driver would; only the last
   * state of such a run is reported. Resolves after the last state.
   */
  async bounce(states: Array<'open' | 'closed'>, gapMs: number): Promise<void> {
    for (let i = 0; i < states.length; i++) {
      const last = i === states.length - 1;
      if (gapMs >= this.debounceMs || last) this.#set(states[i]!);
      if (!last) await new Promise<void>((r) => this.#clock.setTimeout(r, gapMs));
    }
  }

  /** Report a read error, as a driver does when the input cannot be read. */
  fail(error: Error): void {
    for (const l of this.#errorListeners) l(error);
  }

  /** Report that the input reads again after errors, the door where it was. */
  recover(): void {
    for (const l of this.#recoveredListeners) l();
  }

  #set(state: 'open' | 'closed'): void {
    if (!this.#running) {
      this.#initial = state;
      return;
    }
    if (state === this.#state) return;
    this.#state = state;
    const reading = { state, at: this.#clock.now() };
    for (const l of this.#readingListeners) l(reading);
  }
}
