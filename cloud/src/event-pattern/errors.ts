/**
 * Errors of the event-pattern matcher: one root class, with specific subclasses that carry
 * their context (STYLE.md rule 14).
 */
export class EventPatternError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventPatternError';
  }
}

/**
 * The pattern is not one EventBridge would accept. `message` is the text EventBridge's
 * InvalidEventPatternException gives ("Event pattern is not valid. Reason: ..."), `reason`
 * the part after "Reason: ", `path` the dotted field where it was found ('' at the top).
 */
export class InvalidEventPatternError extends EventPatternError {
  readonly reason: string;
  readonly path: string;
  constructor(reason: string, path: string, options?: { cause?: unknown }) {
    super(`Event pattern is not valid. Reason: ${reason}`, options);
    this.name = 'InvalidEventPatternError';
    this.reason = reason;
    this.path = path;
  }
}

/** An event given as JSON text could not be read (bad JSON, or not an object). */
export class InvalidEventError extends EventPatternError {
  /** Character offset in the JSON text where reading failed. */
  readonly offset: number;
  constructor(message: string, offset: number, options?: { cause?: unknown }) {
    super(`Event is not valid JSON: ${message} at offset ${offset}`, options);
    this.name = 'InvalidEventError';
    this.offset = offset;
  }
}
