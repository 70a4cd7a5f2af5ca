import type {
  BinaryValue,
  GpioDirection,
  GpioEdge,
  GpioFactory,
  GpioLike,
  GpioOptions,
  ValueCallback,
} from './gpio-like.js';

/**
 * A GPIO stand-in with onoff's Gpio interface, for tests and for machines without GPIO.
 * `simulate(value)` plays an interrupt: it sets the level and calls the watchers as
 * onoff does when the edge setting matches.
 */
export class FakeGpio implements GpioLike {
  readonly writes: BinaryValue[] = [];
  unexported = false;
  private value: BinaryValue;
  private dir: GpioDirection;
  private edgeSetting: GpioEdge;
  private invert: boolean;
  private readonly watchers = new Set<ValueCallback>();
  /** When set, reads and writes throw it (a line that went away). */
  failWith: Error | undefined;

  constructor(
    readonly sysfsNumber: number,
    direction: GpioDirection,
    edge: GpioEdge = 'none',
    options: GpioOptions = {},
  ) {
    this.dir = direction;
    this.edgeSetting = edge;
    this.invert = options.activeLow ?? false;
    this.value = direction === 'high' ? 1 : 0;
  }

  /** Drive the physical level and fire the watchers when the edge setting wants it. */
  simulate(level: BinaryValue): void {
    const before = this.value;
    this.value = level;
    const rising = before === 0 && level === 1;
    const falling = before === 1 && level === 0;
    const fire =
      this.edgeSetting === 'both' ||
      (this.edgeSetting === 'rising' && rising) ||
      (this.edgeSetting === 'falling' && falling);
    if (fire) for (const w of [...this.watchers]) w(null, this.logical(level));
  }

  /** Make the watchers see a read error, as onoff reports epoll failures. */
  simulateError(error: Error): void {
    for (const w of [...this.watchers]) w(error, 0);
  }

  /** The level as seen after active-low inversion. */
  private logical(level: BinaryValue): BinaryValue {
    return (this.invert ? 1 - level : level) as BinaryValue;
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  async read(): Promise<BinaryValue> {
    return this.readSync();
  }
  readSync(): BinaryValue {
    this.check();
    return this.logical(this.value);
  }
  async write(value: BinaryValue): Promise<void> {
    this.writeSync(value);
  }
  writeSync(value: BinaryValue): void {
    this.check();
    if (this.dir === 'in') throw new Error(`EPERM: GPIO ${this.sysfsNumber} is an input`);
    this.value = this.logical(value);
    this.writes.push(value);
  }
  watch(callback: ValueCallback): void {
    this.check();
    this.watchers.add(callback);
  }
  unwatch(callback?: ValueCallback): void {
    if (callback) this.watchers.delete(callback);
    else this.watchers.clear();
  }
  unwatchAll(): void {
    this.watchers.clear();
  }
  direction(): GpioDirection {
    return this.dir === 'in' ? 'in' : 'out';
  }
  setDirection(direction: GpioDirection): void {
    this.dir = direction;
  }
  edge(): GpioEdge {
    return this.edgeSetting;
  }
  setEdge(edge: GpioEdge): void {
    this.edgeSetting = edge;
  }
  activeLow(): boolean {
    return this.invert;
  }
  setActiveLow(invert: boolean): void {
    this.invert = invert;
  }
  unexport(): void {
    this.unwatchAll();
    this.unexported = true;
  }

  private check(): void {
    if (this.unexported) throw new Error(`GPIO ${this.sysfsNumber} is unexported`);
    if (this.failWith) throw this.failWith;
  }
}

/** A GpioFactory over FakeGpio that keeps what it made, by sysfs number. */
export class FakeGpioFactory {
  readonly made = new Map<number, FakeGpio>();
  /** The physical level new inputs start at, by sysfs number. */
  readonly initialLevels = new Map<number, BinaryValue>();

  readonly create: GpioFactory = (sysfsNumber, direction, edge, options) => {
    const gpio = new FakeGpio(sysfsNumber, direction, edge, options);
    const level = this.initialLevels.get(sysfsNumber);
    if (level !== undefined) gpio.simulate(level);
    this.made.set(sysfsNumber, gpio);
    return gpio;
  };

  get(sysfsNumber: number): FakeGpio {
    const gpio = this.made.get(sysfsNumber);
    if (!gpio) throw new Error(`no fake GPIO ${sysfsNumber} was opened`);
    return gpio;
  }
}
