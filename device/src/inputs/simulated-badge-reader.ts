import { type Clock, systemClock } from '../core/clock.js';
import { BadFrameAlarm } from './bad-frame-alarm.js';
import { BadgeFrameError } from './errors.js';
import type { BadgeReader, BadgeScan, Buzzer } from './types.js';

/** A badge reader driven by method calls: scan(id), unplug(), replug(), badFrame(). */
export class SimulatedBadgeReader implements BadgeReader {
  #clock: Clock;
  #running = false;
  #scanListeners: Array<(scan: BadgeScan) => void> = [];
  #connectionListeners: Array<(connected: boolean, error?: Error) => void> = [];
  #frameErrorListeners: Array<(failing: boolean, error?: Error) => void> = [];
  #badFrames = 0;
  #alarm = new BadFrameAlarm();

  constructor(options: { clock?: Clock } = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  get badFrames(): number {
    return this.#badFrames;
  }

  async start(): Promise<void> {
    this.#running = true;
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#scanListeners = [];
    this.#connectionListeners = [];
    this.#frameErrorListeners = [];
    this.#alarm.reset();
  }

  onScan(listener: (scan: BadgeScan) => void): void {
    this.#scanListeners.push(listener);
  }

  onConnectionChange(listener: (connected: boolean, error?: Error) => void): void {
    this.#connectionListeners.push(listener);
  }

  onFrameErrors(listener: (failing: boolean, error?: Error) => void): void {
    this.#frameErrorListeners.push(listener);
  }

  scan(badgeId: string): void {
    if (!this.#running) return;
    if (this.#alarm.good()) for (const l of this.#frameErrorListeners) l(false);
    const scan = { badgeId, at: this.#clock.now() };
    for (const l of this.#scanListeners) l(scan);
  }

  unplug(error: Error = new Error('reader unplugged')): void {
    for (const l of this.#connectionListeners) l(false, error);
  }

  replug(): void {
    for (const l of this.#connectionListeners) l(true);
  }

  /** A frame with a bad checksum: counted, never reported as a scan; a run of them raises onFrameErrors. */
  badFrame(): void {
    this.#badFrames++;
    if (!this.#alarm.bad(this.#clock.now())) return;
    const error = new BadgeFrameError('bad frames and none read (simulated)', 'simulated');
    for (const l of this.#frameErrorListeners) l(true, error);
  }
}

/** A buzzer that records what it was asked to do. */
export class SimulatedBuzzer implements Buzzer {
  readonly sounds: number[] = [];
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async sound(durationMs: number): Promise<void> {
    this.sounds.push(durationMs);
  }
}
