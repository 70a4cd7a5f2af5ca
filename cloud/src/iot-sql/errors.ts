/**
 * Errors of the IoT SQL evaluator. Every error it throws is an {@link IotSqlError}; the
 * subclass says which stage refused: parsing, checking, or evaluating one message.
 */
export class IotSqlError extends Error {
  override name = 'IotSqlError';
}

/** The statement is not valid IoT SQL. `position` is the 1-based character where it goes wrong. */
export class IotSqlSyntaxError extends IotSqlError {
  override name = 'IotSqlSyntaxError';
  constructor(
    /** 1-based index of the character in the statement where the problem starts. */
    readonly position: number,
    /** What is wrong there, in words, e.g. `expected FROM, found "WHERE"`. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`invalid IoT SQL at position ${position}: ${reason}`, options);
  }
}

/**
 * The statement parses but cannot run here: an unknown function, a function that calls
 * another AWS service (AWS-only), a wrong number of arguments or a bad literal argument.
 */
export class IotSqlCheckError extends IotSqlError {
  override name = 'IotSqlCheckError';
  constructor(
    /** 1-based index of the character where the offending call starts. */
    readonly position: number,
    readonly reason: string,
    /** The function concerned, lower-cased, when there is one. */
    readonly functionName?: string,
    options?: { cause?: unknown },
  ) {
    super(`IoT SQL check failed at position ${position}: ${reason}`, options);
  }
}

/**
 * One message could not be processed by a valid rule, as IoT Core would report a rule
 * error (the message goes to the rule's error action), e.g. a statement that reads JSON
 * fields from a payload that is not JSON.
 */
export class IotSqlEvaluationError extends IotSqlError {
  override name = 'IotSqlEvaluationError';
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`IoT SQL evaluation failed: ${reason}`, options);
  }
}
