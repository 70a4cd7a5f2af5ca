import { type Clock, systemClock } from '../core/clock.js';
import type { BadgeReader, BadgeScan, Buzzer } from './types.js';

/** A badge reader driven by method calls: scan(id), unplug(), replug(), badFrame(). */
export class SimulatedBadgeReader implements BadgeReader {
  #clock: Clock;
  #running = false;
  #scanListeners: Array<(scan: BadgeScan) => void> = [];
  #connectionListeners: Array<(connected: boolean, error?: Error) => void> = [];
  #badFrames = 0;

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
  }

  onScan(listener: (scan: BadgeScan) => void): void {
    this.#scanListeners.push(listener);
  }

  onConnectionChange(listener: (connected: boolean, error?: Error) => void): void {
    this.#connectionListeners.push(listener);
  }

  scan(badgeId: string): void {
    if (!this.#running) return;
    const scan = { badgeId, at: this.#clock.now() };
    for (const l of this.#scanListeners) l(scan);
  }

  unplug(error: Error = new Error('reader unplugged')): void {
    for (const l of this.#connectionListeners) l(false, error);
  }

  replug(): void {
    for (const l of this.#connectionListeners) l(true);
  }

  /** A frame with a bad checksum: counted, never reported as a scan. */
  badFrame(): void {
    this.#badFrames++;
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
