import { mkdirSync, readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { SimulatorOptionError } from './errors.js';

/** Parsers for the `smartdoor` subcommands' options: a bad value names the option. */

/** A whole number >= 1 (doors). */
export const wholeNumber = (option: string) => (text: string) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${option} must be a whole number >= 1`);
  return n;
};

/** A number >= 0 (rates). */
export const nonNegative = (option: string) => (text: string) => {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${option} must be a number >= 0`);
  return n;
};

/** A TCP port; 0 asks for any free one. */
export const port = (text: string) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new InvalidArgumentError('a port is 0-65535 (0: any free port)');
  return n;
};

/** The soft limit on open files of this process (`ulimit -n`), where Linux tells it. */
export function openFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Create a folder an option names, or say which option and why not (not a stack trace). */
export function makeFolder(dir: string, option: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (cause) {
    throw new SimulatorOptionError(
      option,
      `cannot create the folder "${dir}" (${(cause as Error).message})`,
      {
        cause,
      },
    );
  }
}
