import { Command, CommanderError } from 'commander';
import { PartLoadError } from './errors.js';

/** Where a subcommand lives and how to get it out of the module. */
export interface LazyCommandSpec {
  name: string;
  description: string;
  /** Module specifier, resolved from this file (e.g. `@smartdoor/cloud/cli/cloud-command`). */
  module: string;
  /** The exported factory, e.g. `cloudCommand`. */
  exportName: string;
  /** What to call the part in the message when it cannot be loaded. */
  part: string;
}

/**
 * A subcommand whose module is imported only when it runs, so `smartdoor --help` is
 * fast and one part that cannot load (a broken install) fails its own subcommand with
 * a readable line instead of the whole CLI failing on an import. Its own options and `--help`
 * go through untouched to the real command.
 */
export function lazyCommand(spec: LazyCommandSpec): Command {
  return new Command(spec.name)
    .description(spec.description)
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (_options: unknown, command: Command) => {
      const factory = await loadFactory(spec);
      const real = factory();
      // Its usage lines name the whole command (`Usage: smartdoor start ...`).
      real.name(`smartdoor ${real.name()}`);
      exitTwoOnUsageErrors(real);
      try {
        await real.parseAsync(command.args, { from: 'user' });
      } catch (error) {
        if (!(error instanceof CommanderError)) throw error;
        // Commander has printed the error (or the help); a usage error exits 2, apart
        // from what the commands themselves exit 1 for (a rule that did not fire, ...).
        process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
      }
    });
}

/** Exit code of a usage error: a missing, unknown or invalid option or argument. */
export const EXIT_USAGE = 2;

/** Make commander throw instead of exiting, in the command and every subcommand. */
function exitTwoOnUsageErrors(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) exitTwoOnUsageErrors(sub);
}

/** Import the module and return its command factory, or throw PartLoadError naming the file. */
export async function loadFactory(spec: LazyCommandSpec): Promise<() => Command> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(spec.module)) as Record<string, unknown>;
  } catch (error) {
    throw new PartLoadError(spec.part, spec.module, { cause: error });
  }
  const factory = mod[spec.exportName];
  if (typeof factory !== 'function') {
    throw new PartLoadError(spec.part, `${spec.module} (no export ${spec.exportName})`);
  }
  return factory as () => Command;
}
