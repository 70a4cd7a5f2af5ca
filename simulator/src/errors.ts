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

/** A part of the project the simulator needs has not landed yet (or failed to load). */
export class MissingPartError extends SimulatorError {
  override name = 'MissingPartError';
  constructor(
    readonly part: string,
    readonly modulePath: string,
    options?: { cause?: unknown },
  ) {
    super(`${part} is not there yet (${modulePath} could not be loaded)`, options);
  }
}
