import type { Command } from 'commander';

/** What a command printed and the exit code it set, as the smartdoor binary would run it. */
export interface CommandRun {
  stdout: string;
  stderr: string;
  code: number;
}

/**
 * Build a command with captured output (`make` gets the io every command here takes), run
 * `args`, and answer what it printed and its exit code. Commander's own errors throw
 * (exitOverride) instead of ending the test process.
 */
export async function runCommand(
  make: (io: {
    stdout: (text: string) => void;
    stderr: (text: string) => void;
    setExitCode: (code: number) => void;
  }) => Command,
  args: string[],
): Promise<CommandRun> {
  const result: CommandRun = { stdout: '', stderr: '', code: 0 };
  const command = make({
    stdout: (t) => {
      result.stdout += t;
    },
    stderr: (t) => {
      result.stderr += t;
    },
    setExitCode: (c) => {
      result.code = c;
    },
  });
  command.exitOverride();
  await command.parseAsync(args, { from: 'user' });
  return result;
}
