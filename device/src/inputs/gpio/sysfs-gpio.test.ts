import { afterEach, describe, expect, it } from 'vitest';
import { GpioChipNotFoundError, GpioPinOutOfRangeError } from '../errors.js';
import { makeFakeSysfs } from './fake-sysfs.js';
import { hasSysfsGpio, listSysfsGpioChips, resolveSysfsGpio } from './sysfs-gpio.js';

describe('Function: resolveSysfsGpio', () => {
  const trees: Array<{ remove(): void }> = [];
  const tree = (...args: Parameters<typeof makeFakeSysfs>) => {
    const t = makeFakeSysfs(...args);
    trees.push(t);
    return t.root;
  };
  afterEach(() => {
    for (const t of trees.splice(0)) t.remove();
  });

  it.each([
    { label: 'pinctrl-bcm2835', base: 0, ngpio: 54, expected: 17 },
    { label: 'pinctrl-bcm2711', base: 512, ngpio: 58, expected: 529 },
    { label: 'pinctrl-rp1', base: 571, ngpio: 54, expected: 588 },
  ])('adds the base of $label ($base) to the BCM pin', ({ label, base, ngpio, expected }) => {
    // Prepare
    const root = tree([{ label, base, ngpio }]);
    // Act
    const resolved = resolveSysfsGpio(17, root);
    // Assess
    expect(resolved.sysfsNumber).toBe(expected);
    expect(resolved.chip.label).toBe(label);
  });

  it('ignores chips with other labels, whatever their base', () => {
    // Prepare: a Pi 5 lists rp1 plus firmware and aux chips.
    const root = tree([
      { label: 'raspberrypi-exp-gpio', base: 512, ngpio: 8 },
      { label: 'pinctrl-rp1', base: 571, ngpio: 54 },
      { label: 'gpio-brcmstb@107d508500', base: 625, ngpio: 32 },
    ]);
    // Act
    const resolved = resolveSysfsGpio(4, root);
    // Assess
    expect(resolved.sysfsNumber).toBe(575);
    expect(listSysfsGpioChips(root).map((c) => c.base)).toEqual([512, 571, 625]);
  });

  it('refuses a pin beyond ngpio with a clear error', () => {
    // Prepare
    const root = tree([{ label: 'pinctrl-bcm2835', base: 0, ngpio: 54 }]);
    // Act
    const act = () => resolveSysfsGpio(54, root);
    // Assess
    expect(act).toThrow(GpioPinOutOfRangeError);
    expect(act).toThrow('BCM pin 54 is out of range: pinctrl-bcm2835 has 54 lines (0 to 53)');
  });

  it('names the labels it found when no chip matches', () => {
    // Prepare
    const root = tree([{ label: 'some-expander', base: 0, ngpio: 8 }]);
    // Act
    const act = () => resolveSysfsGpio(17, root);
    // Assess
    expect(act).toThrow(GpioChipNotFoundError);
    expect(act).toThrow(/found gpiochip0 \(some-expander\)/);
  });

  it('finds no chip and no export in a tree without sysfs GPIO', () => {
    // Prepare
    const root = tree([], { withExport: false });
    // Act
    const act = () => resolveSysfsGpio(17, `${root}/missing`);
    // Assess
    expect(act).toThrow(/found none/);
    expect(hasSysfsGpio(root)).toBe(false);
  });
});
