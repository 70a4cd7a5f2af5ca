import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GpioChipNotFoundError, GpioPinOutOfRangeError } from '../errors.js';

/**
 * Labels of the chip that drives the 40-pin header, best first: the RP1 on a Pi 5, the
 * BCM2711 on a Pi 4/400/CM4, the BCM2835 family before. Other chips (the firmware's
 * expander, rp1 aux banks) are ignored.
 */
export const PI_GPIO_LABELS = ['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835'] as const;

/** @default '/sys' */
export const DEFAULT_SYSFS_ROOT = '/sys';

export interface GpioChipInfo {
  /** Folder name, e.g. gpiochip512. */
  name: string;
  label: string;
  base: number;
  ngpio: number;
}

/** The gpiochips listed by sysfs; unreadable entries are skipped. */
export function listSysfsGpioChips(sysfsRoot: string = DEFAULT_SYSFS_ROOT): GpioChipInfo[] {
  const dir = join(sysfsRoot, 'class', 'gpio');
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith('gpiochip'));
  } catch {
    return [];
  }
  const chips: GpioChipInfo[] = [];
  for (const name of names) {
    try {
      const read = (f: string) => readFileSync(join(dir, name, f), 'utf8').trim();
      const base = Number.parseInt(read('base'), 10);
      const ngpio = Number.parseInt(read('ngpio'), 10);
      if (Number.isNaN(base) || Number.isNaN(ngpio)) continue;
      chips.push({ name, label: read('label'), base, ngpio });
    } catch {
      // A chip folder without label/base/ngpio is not one we can use.
    }
  }
  return chips.sort((a, b) => a.base - b.base);
}

/** The header's chip among the listed chips, by label preference. */
export function findPiGpioChip(chips: GpioChipInfo[]): GpioChipInfo | undefined {
  for (const label of PI_GPIO_LABELS) {
    const chip = chips.find((c) => c.label === label);
    if (chip) return chip;
  }
  return undefined;
}

export interface ResolvedSysfsGpio {
  bcmPin: number;
  sysfsNumber: number;
  chip: GpioChipInfo;
}

/**
 * Turn a BCM pin number into the sysfs GPIO number: base of the header's chip + pin.
 * The base is read, never assumed: from kernel 6.6 it is 512 or more (571 on a Pi 5).
 */
export function resolveSysfsGpio(bcmPin: number, sysfsRoot: string = DEFAULT_SYSFS_ROOT): ResolvedSysfsGpio {
  const chips = listSysfsGpioChips(sysfsRoot);
  const chip = findPiGpioChip(chips);
  if (!chip)
    throw new GpioChipNotFoundError(
      sysfsRoot,
      chips.map((c) => `${c.name} (${c.label})`),
    );
  if (!Number.isInteger(bcmPin) || bcmPin < 0 || bcmPin >= chip.ngpio) {
    throw new GpioPinOutOfRangeError(bcmPin, chip.label, chip.ngpio);
  }
  return { bcmPin, sysfsNumber: chip.base + bcmPin, chip };
}

/** Whether the kernel offers the sysfs GPIO interface (removed in newer releases). */
export function hasSysfsGpio(sysfsRoot: string = DEFAULT_SYSFS_ROOT): boolean {
  return existsSync(join(sysfsRoot, 'class', 'gpio', 'export'));
}
