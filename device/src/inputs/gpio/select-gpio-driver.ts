import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { GpioDriverUnavailableError } from '../errors.js';
import { DEFAULT_SYSFS_ROOT, hasSysfsGpio } from './sysfs-gpio.js';

export type GpioDriverName = 'sysfs' | 'gpiod' | 'simulated';

export interface GpioDriverChoice {
  driver: GpioDriverName;
  /** Why, in words, for `doctor` and the start-up log. */
  reason: string;
}

export interface SelectGpioDriverOptions {
  /** What the config asks for. */
  requested: 'auto' | GpioDriverName;
  /** @default '/sys' */
  sysfsRoot?: string;
  /** PATH searched for gpiomon. @default process.env.PATH */
  path?: string;
}

/** The first executable called `name` on a PATH string, or undefined. */
export function findOnPath(name: string, path: string = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Pick the GPIO driver. `auto`: sysfs when /sys/class/gpio/export exists, else the GPIO
 * character device through gpiod's gpiomon when it is on PATH, else an error naming
 * both. An explicit choice is checked too, so a wrong config fails at start with a reason.
 */
export function selectGpioDriver(opts: SelectGpioDriverOptions): GpioDriverChoice {
  const sysfsRoot = opts.sysfsRoot ?? DEFAULT_SYSFS_ROOT;
  const exportFile = join(sysfsRoot, 'class', 'gpio', 'export');
  const sysfs = hasSysfsGpio(sysfsRoot);
  const gpiomon = findOnPath('gpiomon', opts.path);
  switch (opts.requested) {
    case 'simulated':
      return { driver: 'simulated', reason: 'config asks for simulated inputs' };
    case 'sysfs':
      if (!sysfs) {
        throw new GpioDriverUnavailableError(
          `config asks for the sysfs GPIO driver but ${exportFile} does not exist (kernel without sysfs GPIO); use driver "gpiod" or "auto"`,
        );
      }
      return { driver: 'sysfs', reason: `config asks for sysfs and ${exportFile} exists` };
    case 'gpiod':
      if (!gpiomon) {
        throw new GpioDriverUnavailableError(
          'config asks for the gpiod driver but gpiomon is not on PATH; install it with: sudo apt install gpiod',
        );
      }
      return { driver: 'gpiod', reason: `config asks for gpiod and ${gpiomon} exists` };
    default:
      if (sysfs) return { driver: 'sysfs', reason: `auto: ${exportFile} exists` };
      if (gpiomon) {
        return {
          driver: 'gpiod',
          reason: `auto: no ${exportFile} (kernel without sysfs GPIO), ${gpiomon} found`,
        };
      }
      throw new GpioDriverUnavailableError(
        `no GPIO driver: ${exportFile} does not exist (no sysfs GPIO) and gpiomon is not on PATH ` +
          '(install it with: sudo apt install gpiod)',
      );
  }
}
