/** The slice of pino the drivers log through; pino's logger fits it. */
export interface InputLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export const SILENT_LOGGER: InputLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
};
