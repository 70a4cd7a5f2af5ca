import { GpiodToolError, GpioPinOutOfRangeError } from '../errors.js';
import type { CommandRunner } from './command-runner.js';
import { type GpiodMajor, parseGpiodetect, parseGpiodVersion, pickPiChip } from './gpiod-tools.js';
import { messageOf } from './sysfs-reed-switch.js';

/** Run a gpiod tool, turning any failure into a GpiodToolError that names it. */
export async function runGpiodTool(runner: CommandRunner, name: string, args: string[]): Promise<string> {
  try {
    return (await runner.run(name, args)).stdout;
  } catch (cause) {
    throw new GpiodToolError(`${name} failed: ${messageOf(cause)}`, name, { cause });
  }
}

/** The libgpiod major version, from `<tool> --version`. */
export async function detectGpiodVersion(runner: CommandRunner, tool = 'gpiomon'): Promise<GpiodMajor> {
  return parseGpiodVersion(await runGpiodTool(runner, tool, ['--version']));
}

/**
 * The chip to use: the configured one as is, or with `auto` the header's chip found with
 * gpiodetect (its number changed between kernels on a Pi 5: gpiochip4, later gpiochip0).
 */
export async function resolveGpiodChip(
  runner: CommandRunner,
  wanted: string,
  bcmPin: number,
): Promise<string> {
  if (wanted !== 'auto') return wanted;
  const chips = parseGpiodetect(await runGpiodTool(runner, 'gpiodetect', []));
  const chip = pickPiChip(chips);
  if (!chip) {
    const seen = chips.map((c) => `${c.name} [${c.label}]`).join(', ') || 'none';
    throw new GpiodToolError(
      `gpiodetect lists no Raspberry Pi GPIO chip (found ${seen}); set reedSwitch.gpioChip`,
      'gpiodetect',
    );
  }
  if (bcmPin >= chip.lines) throw new GpioPinOutOfRangeError(bcmPin, chip.label, chip.lines);
  return chip.name;
}
