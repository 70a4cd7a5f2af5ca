import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GpioAccessError, GpioPinOutOfRangeError } from '../errors.js';
import type { DoorSensorReading } from '../types.js';
import { FakeGpioFactory } from './fake-gpio.js';
import { makeFakeSysfs } from './fake-sysfs.js';
import { SysfsReedSwitch } from './sysfs-reed-switch.js';

describe('Class: SysfsReedSwitch', () => {
  let sysfs: ReturnType<typeof makeFakeSysfs>;
  let gpios: FakeGpioFactory;
  beforeEach(() => {
    vi.useFakeTimers({ now: 5_000 });
    // A Pi 5 on kernel 6.6+: the header chip's base is 571, so GPIO17 is sysfs 588.
    sysfs = makeFakeSysfs([{ label: 'pinctrl-rp1', base: 571, ngpio: 54 }]);
    gpios = new FakeGpioFactory();
  });
  afterEach(() => {
    vi.useRealTimers();
    sysfs.remove();
  });
  const make = (extra: Partial<ConstructorParameters<typeof SysfsReedSwitch>[0]> = {}) => {
    const sensor = new SysfsReedSwitch({
      bcmPin: 17,
      sysfsRoot: sysfs.root,
      gpioFactory: gpios.create,
      ...extra,
    });
    const readings: DoorSensorReading[] = [];
    const errors: Error[] = [];
    sensor.onReading((r) => readings.push(r));
    sensor.onError((e) => errors.push(e));
    return { sensor, readings, errors };
  };

  describe('Method: start', () => {
    it('opens the resolved sysfs number as an input on both edges and reports the initial state', async () => {
      // Prepare
      gpios.initialLevels.set(588, 0);
      const { sensor, readings } = make();
      // Act
      await sensor.start();
      // Assess
      const gpio = gpios.get(588);
      expect(gpio.direction()).toBe('in');
      expect(gpio.edge()).toBe('both');
      expect(gpio.activeLow()).toBe(false);
      expect(readings).toEqual([{ state: 'closed', at: 5_000 }]);
      expect(sensor.state).toBe('closed');
      await sensor.stop();
    });

    it('reads a normally-closed switch the other way round', async () => {
      // Prepare
      gpios.initialLevels.set(588, 0);
      const { sensor } = make({ wiring: 'normally-closed' });
      // Act
      await sensor.start();
      // Assess
      expect(sensor.state).toBe('open');
      await sensor.stop();
    });

    it('fails with a clear error for a pin the chip does not have', async () => {
      // Prepare
      const { sensor } = make({ bcmPin: 53 + 1 });
      // Act
      const started = sensor.start();
      // Assess
      await expect(started).rejects.toThrow(GpioPinOutOfRangeError);
    });

    it('wraps a failing export in a GpioAccessError with a hint', async () => {
      // Prepare
      const { sensor } = make({
        gpioFactory: () => {
          throw new Error('EACCES: permission denied, open /sys/class/gpio/export');
        },
      });
      // Act
      const started = sensor.start();
      // Assess
      await expect(started).rejects.toThrow(GpioAccessError);
      await expect(started).rejects.toThrow(/GPIO17 \(sysfs 588\).*gpio group/);
    });
  });

  describe('Method: onReading', () => {
    it('gives exactly one reading per real transition of a bouncing switch', async () => {
      // Prepare
      gpios.initialLevels.set(588, 0);
      const { sensor, readings } = make({ debounceMs: 30 });
      await sensor.start();
      const gpio = gpios.get(588);
      // Act: open with a 10-edge bounce, hold, then close with another bounce.
      for (let i = 0; i < 10; i++) {
        gpio.simulate(i % 2 === 0 ? 1 : 0);
        vi.advanceTimersByTime(1);
      }
      gpio.simulate(1);
      vi.advanceTimersByTime(1_000);
      for (let i = 0; i < 7; i++) {
        gpio.simulate(i % 2 === 0 ? 0 : 1);
        vi.advanceTimersByTime(3);
      }
      vi.advanceTimersByTime(1_000);
      // Assess
      expect(readings.map((r) => r.state)).toEqual(['closed', 'open', 'closed']);
      expect(readings[1]?.at).toBe(5_000);
      expect(readings[2]?.at).toBe(6_010);
      await sensor.stop();
    });

    it('passes read errors from the watch to onError and keeps going', async () => {
      // Prepare
      const { sensor, errors, readings } = make({ debounceMs: 0 });
      await sensor.start();
      const gpio = gpios.get(588);
      // Act
      gpio.simulateError(new Error('EIO'));
      gpio.simulate(1);
      // Assess
      expect(errors[0]).toBeInstanceOf(GpioAccessError);
      expect(errors[0]?.message).toBe('reading GPIO17 failed: EIO');
      expect(readings.at(-1)?.state).toBe('open');
      await sensor.stop();
    });
  });

  describe('Method: stop', () => {
    it('unwatches, unexports and drops a pending debounce', async () => {
      // Prepare
      const { sensor, readings } = make();
      await sensor.start();
      const gpio = gpios.get(588);
      gpio.simulate(1);
      // Act
      await sensor.stop();
      vi.advanceTimersByTime(1_000);
      // Assess
      expect(gpio.watcherCount).toBe(0);
      expect(gpio.unexported).toBe(true);
      expect(readings).toHaveLength(1);
      expect(sensor.state).toBe('unknown');
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});
