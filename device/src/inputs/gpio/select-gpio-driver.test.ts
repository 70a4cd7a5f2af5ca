import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GpioDriverUnavailableError } from '../errors.js';
import { makeFakeSysfs } from './fake-sysfs.js';
import { findOnPath, selectGpioDriver } from './select-gpio-driver.js';

describe('Function: selectGpioDriver', () => {
  let binDir: string;
  let withSysfs: ReturnType<typeof makeFakeSysfs>;
  let withoutSysfs: ReturnType<typeof makeFakeSysfs>;
  beforeEach(() => {
    binDir = mkdtempSync(join(tmpdir(), 'smartdoor-bin-'));
    const gpiomon = join(binDir, 'gpiomon');
    writeFileSync(gpiomon, '#!/bin/sh\n');
    chmodSync(gpiomon, 0o755);
    withSysfs = makeFakeSysfs([{ label: 'pinctrl-bcm2711', base: 512, ngpio: 58 }]);
    withoutSysfs = makeFakeSysfs([], { withExport: false });
  });
  afterEach(() => {
    rmSync(binDir, { recursive: true, force: true });
    withSysfs.remove();
    withoutSysfs.remove();
  });

  it('picks sysfs on auto when the export file exists', () => {
    // Prepare + Act
    const choice = selectGpioDriver({ requested: 'auto', sysfsRoot: withSysfs.root, path: binDir });
    // Assess
    expect(choice.driver).toBe('sysfs');
    expect(choice.reason).toMatch(/auto: .*class\/gpio\/export exists/);
  });

  it('picks gpiod on auto without sysfs when gpiomon is on PATH', () => {
    // Prepare + Act
    const choice = selectGpioDriver({
      requested: 'auto',
      sysfsRoot: withoutSysfs.root,
      path: `/nonexistent:${binDir}`,
    });
    // Assess
    expect(choice.driver).toBe('gpiod');
    expect(choice.reason).toContain(join(binDir, 'gpiomon'));
  });

  it('names both missing options on auto when neither is there', () => {
    // Prepare + Act
    const act = () =>
      selectGpioDriver({ requested: 'auto', sysfsRoot: withoutSysfs.root, path: '/nonexistent' });
    // Assess
    expect(act).toThrow(GpioDriverUnavailableError);
    expect(act).toThrow(/no sysfs GPIO.*gpiomon is not on PATH/);
  });

  it('checks an explicit choice', () => {
    // Prepare + Act + Assess
    expect(() =>
      selectGpioDriver({ requested: 'sysfs', sysfsRoot: withoutSysfs.root, path: binDir }),
    ).toThrow(/asks for the sysfs GPIO driver/);
    expect(() => selectGpioDriver({ requested: 'gpiod', sysfsRoot: withSysfs.root, path: '' })).toThrow(
      /apt install gpiod/,
    );
    expect(selectGpioDriver({ requested: 'gpiod', sysfsRoot: withSysfs.root, path: binDir }).driver).toBe(
      'gpiod',
    );
    expect(selectGpioDriver({ requested: 'simulated' }).driver).toBe('simulated');
  });

  it('skips files that are not executable when searching PATH', () => {
    // Prepare
    const plain = join(binDir, 'plain');
    writeFileSync(plain, '');
    // Act + Assess
    expect(findOnPath('plain', binDir)).toBeUndefined();
    expect(findOnPath('gpiomon', binDir)).toBe(join(binDir, 'gpiomon'));
  });
});
