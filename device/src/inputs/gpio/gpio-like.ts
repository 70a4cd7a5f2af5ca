import { GpioDriverUnavailableError } from '../errors.js';

/**
 * The part of onoff's `Gpio` the drivers use, so tests pass a stand-in (FakeGpio) and
 * onoff itself is imported only on a real device (it throws where there is no GPIO).
 */
export type BinaryValue = 0 | 1;
export type GpioDirection = 'in' | 'out' | 'high' | 'low';
export type GpioEdge = 'none' | 'rising' | 'falling' | 'both';
export type ValueCallback = (err: Error | null | undefined, value: BinaryValue) => void;

export interface GpioOptions {
  debounceTimeout?: number;
  activeLow?: boolean;
  reconfigureDirection?: boolean;
}

export interface GpioLike {
  read(): Promise<BinaryValue>;
  readSync(): BinaryValue;
  write(value: BinaryValue): Promise<void>;
  writeSync(value: BinaryValue): void;
  watch(callback: ValueCallback): void;
  unwatch(callback?: ValueCallback): void;
  unwatchAll(): void;
  direction(): GpioDirection;
  setDirection(direction: GpioDirection): void;
  edge(): GpioEdge;
  setEdge(edge: GpioEdge): void;
  activeLow(): boolean;
  setActiveLow(invert: boolean): void;
  unexport(): void;
}

/** Opens a GPIO by its sysfs number (not the BCM number: see resolveSysfsGpio). */
export type GpioFactory = (
  sysfsNumber: number,
  direction: GpioDirection,
  edge?: GpioEdge,
  options?: GpioOptions,
) => GpioLike;

/**
 * The real factory, backed by onoff. Imported lazily: loading onoff on a machine without
 * GPIO (a laptop, CI) fails, and the agent must still run with simulated inputs there.
 */
export async function loadOnoffGpioFactory(): Promise<GpioFactory> {
  let Gpio: typeof import('onoff').Gpio;
  try {
    ({ Gpio } = await import('onoff'));
  } catch (cause) {
    throw new GpioDriverUnavailableError(
      `cannot load onoff (sysfs GPIO): ${cause instanceof Error ? cause.message : String(cause)}; is this a Raspberry Pi with its native epoll module built?`,
      { cause },
    );
  }
  return (sysfsNumber, direction, edge, options) => new Gpio(sysfsNumber, direction, edge, options);
}
