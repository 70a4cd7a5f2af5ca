import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';

/** Runs external tools (gpiod's gpiomon, gpioget, gpiodetect); injected so tests use fakes on PATH. */
export interface CommandRunner {
  /** Run to the end; rejects with stderr in the message on a non-zero exit or a timeout. */
  run(
    command: string,
    args: string[],
    opts?: { timeoutMs?: number },
  ): Promise<{ stdout: string; stderr: string }>;
  /** Start a long-lived process (gpiomon). */
  spawn(command: string, args: string[]): ChildProcessWithoutNullStreams;
}

export interface CommandRunnerOptions {
  /** Environment of the child processes (PATH decides which tools run). @default process.env */
  env?: NodeJS.ProcessEnv;
}

export function createCommandRunner(opts: CommandRunnerOptions = {}): CommandRunner {
  const env = opts.env ?? process.env;
  return {
    run: (command, args, runOpts = {}) =>
      new Promise((resolve, reject) => {
        execFile(
          command,
          args,
          { env, timeout: runOpts.timeoutMs ?? 5_000, encoding: 'utf8' },
          (err, stdout, stderr) => {
            if (err) {
              const detail = stderr.trim() || err.message;
              reject(
                Object.assign(new Error(`${command} ${args.join(' ')}: ${detail}`, { cause: err }), {
                  stderr,
                }),
              );
              return;
            }
            resolve({ stdout, stderr });
          },
        );
      }),
    spawn: (command, args) => spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] }),
  };
}
