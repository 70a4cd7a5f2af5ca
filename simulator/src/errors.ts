/** Root of every error the simulator raises. */
export class SimulatorError extends Error {
  override name = 'SimulatorError';
}

/** A command-line option or scenario option was wrong; the message names it. */
export class SimulatorOptionError extends SimulatorError {
  override name = 'SimulatorOptionError';
  constructor(
    readonly option: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${option}: ${reason}`, options);
  }
}

/**
 * A part of the project a command needs could not be loaded: a partial or broken install
 * (e.g. a native module not built for this machine). The cause says why.
 */
export class PartLoadError extends SimulatorError {
  override name = 'PartLoadError';
  constructor(
    readonly part: string,
    readonly modulePath: string,
    options?: { cause?: unknown },
  ) {
    super(`${part} could not be loaded (${modulePath})`, options);
  }
}
