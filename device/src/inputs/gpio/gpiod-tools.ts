import { GpiodToolError } from '../errors.js';
import type { BinaryValue } from './gpio-like.js';
import { PI_GPIO_LABELS } from './sysfs-gpio.js';

/**
 * Pure helpers for gpiod's command-line tools. libgpiod v1 (Debian 12: 1.6.3) and v2
 * (Debian 13, Raspberry Pi OS trixie) differ in arguments and output:
 * - v1: `gpiomon [-B bias] [-b] [-F fmt] <chip> <offset>`, `%e` is 1 rising / 0 falling,
 *   stdout is block-buffered in a pipe unless `--line-buffered`.
 * - v2: `gpiomon [-b bias] [-e both] [-F fmt] -c <chip> <offset>`, `%E` is rising/falling,
 *   flushed after each batch of events.
 */
export type GpiodMajor = 1 | 2;
export type GpioBias = 'pull-up' | 'pull-down' | 'as-is';
export type Edge = 'rising' | 'falling';

/** `gpiomon (libgpiod) v1.6.3` or `v2.1` → the major version. */
export function parseGpiodVersion(output: string): GpiodMajor {
  const match = /\(libgpiod\)\s+v?(\d+)\./.exec(output) ?? /\bv(\d+)\.\d+/.exec(output);
  const major = match ? Number(match[1]) : Number.NaN;
  if (major === 1 || major === 2) return major;
  throw new GpiodToolError(
    `cannot tell the libgpiod version from: ${JSON.stringify(output.slice(0, 80))}`,
    'gpiomon',
  );
}

export interface GpiodChipListing {
  name: string;
  label: string;
  lines: number;
}

/** Lines like `gpiochip0 [pinctrl-bcm2711] (58 lines)` (both versions print this). */
export function parseGpiodetect(output: string): GpiodChipListing[] {
  const chips: GpiodChipListing[] = [];
  for (const line of output.split('\n')) {
    const m = /^\s*(\S+)\s+\[([^\]]*)\]\s+\((\d+)\s+lines?\)/.exec(line);
    if (m) chips.push({ name: m[1]!, label: m[2]!, lines: Number(m[3]) });
  }
  return chips;
}

/** The header's chip from gpiodetect's listing, by label preference. */
export function pickPiChip(chips: GpiodChipListing[]): GpiodChipListing | undefined {
  for (const label of PI_GPIO_LABELS) {
    const chip = chips.find((c) => c.label === label);
    if (chip) return chip;
  }
  return undefined;
}

export function gpiomonArgs(major: GpiodMajor, chip: string, offset: number, bias: GpioBias): string[] {
  if (major === 1) return [`--bias=${bias}`, '--line-buffered', '--format=%e %o', chip, String(offset)];
  return [`--bias=${bias}`, '--edges=both', '--format=%E %o', '--chip', chip, String(offset)];
}

export function gpiogetArgs(major: GpiodMajor, chip: string, offset: number, bias: GpioBias): string[] {
  if (major === 1) return [`--bias=${bias}`, chip, String(offset)];
  return [`--bias=${bias}`, '--chip', chip, String(offset)];
}

/**
 * One line of gpiomon output → the edge, or undefined for lines that are not events
 * (banners). Words (v2 `%E`, either version's default `RISING EDGE` / `rising`) win over
 * numbers; a leading number is read with the version's own code.
 */
export function parseGpiomonLine(line: string, major: GpiodMajor): Edge | undefined {
  if (/\brising\b/i.test(line)) return 'rising';
  if (/\bfalling\b/i.test(line)) return 'falling';
  const m = /^\s*(\d+)\s/.exec(`${line} `);
  if (!m) return undefined;
  if (major === 1) return m[1] === '1' ? 'rising' : m[1] === '0' ? 'falling' : undefined;
  return m[1] === '1' ? 'rising' : m[1] === '2' ? 'falling' : undefined;
}

/** gpioget's answer: `0`/`1` (v1, v2 --numeric) or `"17"=active` / `17=inactive` (v2). */
export function parseGpiogetValue(output: string): BinaryValue {
  const text = output.trim();
  if (/=inactive\b/.test(text) || text === '0') return 0;
  if (/=active\b/.test(text) || text === '1') return 1;
  throw new GpiodToolError(`unexpected gpioget output: ${JSON.stringify(text.slice(0, 80))}`, 'gpioget');
}

/**
 * gpioset holding one line at `value` until it is signalled: v1 needs `--mode=signal`
 * (else it exits at once and the line state is not guaranteed), v2 holds by default.
 */
export function gpiosetHoldArgs(major: GpiodMajor, chip: string, offset: number, value: 0 | 1): string[] {
  if (major === 1) return ['--mode=signal', chip, `${offset}=${value}`];
  return ['--chip', chip, `${offset}=${value}`];
}
