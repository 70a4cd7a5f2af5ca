import { GpioAccessError } from '../errors.js';
import { SYSTEM_TIMERS, type Timers } from '../timers.js';
import type { DoorSensor, DoorSensorReading } from '../types.js';
import { DoorInput, type ReedWiring } from './door-input.js';
import { type BinaryValue, type GpioFactory, type GpioLike, loadOnoffGpioFactory } from './gpio-like.js';
import { DEFAULT_SYSFS_ROOT, resolveSysfsGpio } from './sysfs-gpio.js';

export interface SysfsReedSwitchOptions {
  /** BCM number of the input (GPIO17 is 17). */
  bcmPin: number;
  /** @default 'normally-open' */
  wiring?: ReedWiring;
  /** Reads 0 when the contact is closed (pull-up wiring). @default true */
  activeLow?: boolean;
  /** Quiet time after the last edge before a transition counts. @default 50 */
  debounceMs?: number;
  /** Where sysfs is mounted; tests point it at a fake tree. @default '/sys' */
  sysfsRoot?: string;
  /** Opens the GPIO; tests pass FakeGpioFactory.create. @default onoff's Gpio, imported lazily */
  gpioFactory?: GpioFactory;
  /** @default Date.now */
  now?: () => number;
  /** @default the global timers */
  timers?: Timers;
}

/**
 * The reed switch through the kernel's sysfs GPIO interface (onoff). The BCM pin is mapped
 * to the sysfs number from the chip's base; edges come from onoff's interrupt watch and
 * are debounced here (not by onoff, so the debounce is testable and changeable at run time).
 */
export class SysfsReedSwitch implements DoorSensor {
  private readonly input: DoorInput;
  private gpio: GpioLike | undefined;
  private failing = false;
  private readonly onWatch = (err: Error | null | undefined, value: BinaryValue) => {
    if (err) {
      this.failing = true;
      this.input.error(
        new GpioAccessError(`reading GPIO${this.opts.bcmPin} failed: ${err.message}`, this.opts.bcmPin, {
          cause: err,
        }),
      );
      return;
    }
    if (this.failing) {
      // A good read after errors: the fault is over even if the level did not change.
      this.failing = false;
      this.input.recovered();
    }
    this.input.edge(value);
  };

  constructor(private readonly opts: SysfsReedSwitchOptions) {
    this.input = new DoorInput({
      wiring: opts.wiring ?? 'normally-open',
      activeLow: opts.activeLow ?? true,
      debounceMs: opts.debounceMs ?? 50,
      now: opts.now ?? Date.now,
      timers: opts.timers ?? SYSTEM_TIMERS,
    });
  }

  get state(): 'open' | 'closed' | 'unknown' {
    return this.input.state;
  }
  onReading(listener: (reading: DoorSensorReading) => void): void {
    this.input.onReading(listener);
  }
  onError(listener: (error: Error) => void): void {
    this.input.onError(listener);
  }
  onRecovered(listener: () => void): void {
    this.input.onRecovered(listener);
  }
  setDebounceMs(ms: number): void {
    this.input.setDebounceMs(ms);
  }

  async start(): Promise<void> {
    if (this.gpio) return;
    const { sysfsNumber } = resolveSysfsGpio(this.opts.bcmPin, this.opts.sysfsRoot ?? DEFAULT_SYSFS_ROOT);
    const factory = this.opts.gpioFactory ?? (await loadOnoffGpioFactory());
    let gpio: GpioLike;
    try {
      // Inversion is done in doorStateFromLevel, so onoff sees the physical level.
      gpio = factory(sysfsNumber, 'in', 'both', { activeLow: false });
    } catch (cause) {
      throw new GpioAccessError(
        `cannot open GPIO${this.opts.bcmPin} (sysfs ${sysfsNumber}): ${messageOf(cause)}; is the user in the gpio group?`,
        this.opts.bcmPin,
        { cause },
      );
    }
    let level: BinaryValue;
    try {
      level = gpio.readSync();
    } catch (cause) {
      gpio.unexport();
      throw new GpioAccessError(
        `cannot read GPIO${this.opts.bcmPin}: ${messageOf(cause)}`,
        this.opts.bcmPin,
        { cause },
      );
    }
    this.gpio = gpio;
    this.input.initial(level);
    gpio.watch(this.onWatch);
  }

  async stop(): Promise<void> {
    const gpio = this.gpio;
    this.gpio = undefined;
    this.input.reset();
    if (!gpio) return;
    gpio.unwatch(this.onWatch);
    gpio.unexport();
  }
}

export function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
