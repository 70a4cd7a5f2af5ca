import { GpioAccessError } from '../inputs/errors.js';
import { type GpioFactory, type GpioLike, loadOnoffGpioFactory } from '../inputs/gpio/gpio-like.js';
import { DEFAULT_SYSFS_ROOT, resolveSysfsGpio } from '../inputs/gpio/sysfs-gpio.js';
import { SYSTEM_TIMERS, type Timers } from '../inputs/timers.js';
import type { Buzzer } from '../inputs/types.js';

/** Longest sound accepted, as the command contract allows. */
export const MAX_SOUND_MS = 60_000;

export interface GpioBuzzerOptions {
  /** BCM number of the output driving the transistor (GPIO18 is 18). */
  bcmPin: number;
  /** Drive the pin low to sound (a PNP stage or an active-low module). @default false */
  activeLow?: boolean;
  /** @default '/sys' */
  sysfsRoot?: string;
  /** @default onoff's Gpio, imported lazily */
  gpioFactory?: GpioFactory;
  /** @default the global timers */
  timers?: Timers;
}

/**
 * A buzzer or LED on a GPIO output (sysfs, onoff). sound() switches it on and (re)arms
 * one timer to switch it off, so a new command extends or shortens the current sound.
 * The pin starts and ends low (off), so a crash or stop never leaves it sounding.
 */
export class GpioBuzzer implements Buzzer {
  private gpio: GpioLike | undefined;
  private offTimer: unknown;
  private readonly timers: Timers;

  constructor(private readonly opts: GpioBuzzerOptions) {
    this.timers = opts.timers ?? SYSTEM_TIMERS;
  }

  get sounding(): boolean {
    return this.offTimer !== undefined;
  }

  private get on(): 0 | 1 {
    return this.opts.activeLow ? 0 : 1;
  }
  private get off(): 0 | 1 {
    return this.opts.activeLow ? 1 : 0;
  }

  async start(): Promise<void> {
    if (this.gpio) return;
    const { sysfsNumber } = resolveSysfsGpio(this.opts.bcmPin, this.opts.sysfsRoot ?? DEFAULT_SYSFS_ROOT);
    const factory = this.opts.gpioFactory ?? (await loadOnoffGpioFactory());
    try {
      // 'high'/'low' set the level atomically with the direction: no glitch at export.
      this.gpio = factory(sysfsNumber, this.opts.activeLow ? 'high' : 'low');
    } catch (cause) {
      throw new GpioAccessError(
        `cannot open buzzer GPIO${this.opts.bcmPin} (sysfs ${sysfsNumber}): ${cause instanceof Error ? cause.message : String(cause)}`,
        this.opts.bcmPin,
        { cause },
      );
    }
  }

  /** Resolves once the buzzer is on; it goes off by itself after `durationMs`. */
  async sound(durationMs: number): Promise<void> {
    const gpio = this.gpio;
    if (!gpio) throw new GpioAccessError('buzzer is not started', this.opts.bcmPin);
    if (!Number.isFinite(durationMs) || durationMs <= 0 || durationMs > MAX_SOUND_MS) {
      throw new RangeError(
        `buzzer duration must be between 1 and ${MAX_SOUND_MS} ms, received ${durationMs}`,
      );
    }
    if (this.offTimer !== undefined) this.timers.clearTimeout(this.offTimer);
    gpio.writeSync(this.on);
    this.offTimer = this.timers.setTimeout(() => {
      this.offTimer = undefined;
      this.gpio?.writeSync(this.off);
    }, durationMs);
  }

  async stop(): Promise<void> {
    if (this.offTimer !== undefined) this.timers.clearTimeout(this.offTimer);
    this.offTimer = undefined;
    const gpio = this.gpio;
    this.gpio = undefined;
    if (!gpio) return;
    try {
      gpio.writeSync(this.off);
    } finally {
      gpio.unexport();
    }
  }
}
