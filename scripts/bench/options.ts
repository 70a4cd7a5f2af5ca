import { Command, InvalidArgumentError, Option } from 'commander';

/**
 * A benchmark script's command line (commander): `--help` prints the options, and an
 * unknown option or a bad value ends the run with a readable message and exit code 1,
 * instead of a stack trace or a run with NaN.
 */
export function benchCommand(name: string, description: string): Command {
  return new Command(name).description(description).showHelpAfterError().allowExcessArguments(false);
}

/** An option whose default is written as a user would type it (shown in --help), and parsed like one. */
export function option<T>(
  flags: string,
  description: string,
  parse: (text: string) => T,
  byDefault: string,
): Option {
  return new Option(flags, description).argParser(parse).default(parse(byDefault), byDefault);
}

/** A number above 0 (seconds, rates, counts). */
export const positive =
  (option: string) =>
  (text: string): number => {
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${option} must be a number > 0`);
    return n;
  };

/** A whole number above 0 (doors, events). */
export const positiveInt =
  (option: string) =>
  (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n <= 0)
      throw new InvalidArgumentError(`${option} must be a whole number > 0`);
    return n;
  };

/** Comma-separated numbers above 0: `4000,5000,10000`. */
export const positiveList =
  (option: string) =>
  (text: string): number[] =>
    text.split(',').map((part) => positive(option)(part.trim()));
