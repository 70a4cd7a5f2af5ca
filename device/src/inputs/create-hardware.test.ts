import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAgentConfig } from '@smartdoor/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GpioBuzzer } from '../outputs/gpio-buzzer.js';
import { GpiodBuzzer } from '../outputs/gpiod-buzzer.js';
import { createBadgeReader, createBuzzer, createDoorSensor } from './create-hardware.js';
import { GpioDriverUnavailableError } from './errors.js';
import { FakeGpioFactory } from './gpio/fake-gpio.js';
import { makeFakeSysfs } from './gpio/fake-sysfs.js';
import { GpiodReedSwitch } from './gpio/gpiod-reed-switch.js';
import { SysfsReedSwitch } from './gpio/sysfs-reed-switch.js';
import { SerialBadgeReader } from './serial/serial-badge-reader.js';

const config = (extra: object = {}) =>
  parseAgentConfig({ thingName: 'door-001', mqtt: { endpoint: 'mqtt://127.0.0.1:1883' }, ...extra });

describe('Function: createDoorSensor', () => {
  let sysfs: ReturnType<typeof makeFakeSysfs>;
  beforeEach(() => {
    sysfs = makeFakeSysfs([{ label: 'pinctrl-bcm2835', base: 0, ngpio: 54 }]);
  });
  afterEach(() => sysfs.remove());

  it('builds the sysfs driver on auto with sysfs and uses the shadow debounce', async () => {
    // Prepare
    const gpios = new FakeGpioFactory();
    // Act
    const { sensor, choice } = createDoorSensor(config({ door: { debounceMs: 0 } }), {
      sysfsRoot: sysfs.root,
      gpioFactory: gpios.create,
    });
    await sensor.start();
    gpios.get(17).simulate(1);
    // Assess
    expect(sensor).toBeInstanceOf(SysfsReedSwitch);
    expect(choice.driver).toBe('sysfs');
    expect(sensor.state).toBe('open');
    await sensor.stop();
  });

  it('builds the gpiod driver when asked, and refuses simulated without a builder', () => {
    // Prepare
    const bin = mkdtempSync(join(tmpdir(), 'smartdoor-bin-'));
    writeFileSync(join(bin, 'gpiomon'), '#!/bin/sh\n');
    chmodSync(join(bin, 'gpiomon'), 0o755);
    const gpiod = config({ reedSwitch: { driver: 'gpiod' } });
    // Act
    const built = createDoorSensor(gpiod, { sysfsRoot: sysfs.root, path: bin });
    rmSync(bin, { recursive: true, force: true });
    // Assess
    expect(built.sensor).toBeInstanceOf(GpiodReedSwitch);
    expect(() => createDoorSensor(config({ reedSwitch: { driver: 'simulated' } }))).toThrow(
      GpioDriverUnavailableError,
    );
  });
});

describe('Function: createBadgeReader', () => {
  it('builds a serial reader when enabled, nothing when disabled', () => {
    // Prepare + Act + Assess
    expect(createBadgeReader(config())).toBeInstanceOf(SerialBadgeReader);
    expect(createBadgeReader(config({ badgeReader: { enabled: false } }))).toBeUndefined();
  });
});

describe('Function: createBuzzer', () => {
  it('builds the buzzer on the reed switch GPIO driver when enabled, nothing when disabled', () => {
    // Prepare
    const sysfs = makeFakeSysfs([{ label: 'pinctrl-bcm2711', base: 512, ngpio: 58 }]);
    const noSysfs = makeFakeSysfs([], { withExport: false });
    const bin = mkdtempSync(join(tmpdir(), 'smartdoor-bin-'));
    writeFileSync(join(bin, 'gpiomon'), '#!/bin/sh\n');
    chmodSync(join(bin, 'gpiomon'), 0o755);
    // Act
    const onSysfs = createBuzzer(config({ buzzer: { enabled: true } }), { sysfsRoot: sysfs.root });
    const onGpiod = createBuzzer(config({ buzzer: { enabled: true } }), {
      sysfsRoot: noSysfs.root,
      path: bin,
    });
    const simulated = createBuzzer(
      config({ buzzer: { enabled: true }, reedSwitch: { driver: 'simulated' } }),
    );
    const disabled = createBuzzer(config());
    sysfs.remove();
    noSysfs.remove();
    rmSync(bin, { recursive: true, force: true });
    // Assess
    expect(onSysfs).toBeInstanceOf(GpioBuzzer);
    expect(onGpiod).toBeInstanceOf(GpiodBuzzer);
    expect(simulated).toBeUndefined();
    expect(disabled).toBeUndefined();
  });
});
