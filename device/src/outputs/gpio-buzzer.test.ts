import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GpioAccessError } from '../inputs/errors.js';
import { FakeGpioFactory } from '../inputs/gpio/fake-gpio.js';
import { makeFakeSysfs } from '../inputs/gpio/fake-sysfs.js';
import { GpioBuzzer } from './gpio-buzzer.js';

describe('Class: GpioBuzzer', () => {
  let sysfs: ReturnType<typeof makeFakeSysfs>;
  let gpios: FakeGpioFactory;
  beforeEach(() => {
    vi.useFakeTimers();
    // A Pi 4 on kernel 6.6+: base 512, so GPIO18 is sysfs 530.
    sysfs = makeFakeSysfs([{ label: 'pinctrl-bcm2711', base: 512, ngpio: 58 }]);
    gpios = new FakeGpioFactory();
  });
  afterEach(() => {
    vi.useRealTimers();
    sysfs.remove();
  });
  const make = (activeLow = false) =>
    new GpioBuzzer({ bcmPin: 18, activeLow, sysfsRoot: sysfs.root, gpioFactory: gpios.create });

  describe('Method: sound', () => {
    it('switches on, then off after the duration', async () => {
      // Prepare
      const buzzer = make();
      await buzzer.start();
      const gpio = gpios.get(530);
      // Act
      await buzzer.sound(500);
      const onNow = gpio.readSync();
      vi.advanceTimersByTime(499);
      const stillOn = gpio.readSync();
      vi.advanceTimersByTime(1);
      // Assess
      expect(gpio.direction()).toBe('out');
      expect([onNow, stillOn, gpio.readSync()]).toEqual([1, 1, 0]);
      expect(buzzer.sounding).toBe(false);
      await buzzer.stop();
    });

    it('restarts the time on a new call', async () => {
      // Prepare
      const buzzer = make();
      await buzzer.start();
      const gpio = gpios.get(530);
      await buzzer.sound(500);
      vi.advanceTimersByTime(400);
      // Act
      await buzzer.sound(500);
      vi.advanceTimersByTime(400);
      const afterFirstEnd = gpio.readSync();
      vi.advanceTimersByTime(100);
      // Assess
      expect(afterFirstEnd).toBe(1);
      expect(gpio.readSync()).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
      await buzzer.stop();
    });

    it('drives an active-low stage the other way', async () => {
      // Prepare
      const buzzer = make(true);
      await buzzer.start();
      const gpio = gpios.get(530);
      const idle = gpio.readSync();
      // Act
      await buzzer.sound(100);
      // Assess
      expect(idle).toBe(1);
      expect(gpio.readSync()).toBe(0);
      await buzzer.stop();
      expect(gpio.writes.at(-1)).toBe(1);
    });

    it('refuses to sound before start and for a bad duration', async () => {
      // Prepare
      const buzzer = make();
      // Act + Assess
      await expect(buzzer.sound(100)).rejects.toThrow(GpioAccessError);
      await buzzer.start();
      await expect(buzzer.sound(0)).rejects.toThrow(RangeError);
      await expect(buzzer.sound(60_001)).rejects.toThrow(/between 1 and 60000 ms/);
      await buzzer.stop();
    });
  });

  describe('Method: stop', () => {
    it('switches off at once and unexports', async () => {
      // Prepare
      const buzzer = make();
      await buzzer.start();
      const gpio = gpios.get(530);
      await buzzer.sound(5_000);
      // Act
      await buzzer.stop();
      // Assess
      expect(gpio.writes).toEqual([1, 0]);
      expect(gpio.unexported).toBe(true);
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});
