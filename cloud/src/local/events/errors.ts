import { AwsServiceError } from '../aws-endpoint/errors.js';

/**
 * Root of the local EventBridge's errors. It is an AwsServiceError so that the API maps
 * it to the wire unchanged: `code` is the type name the SDK raises
 * (https://docs.aws.amazon.com/eventbridge/latest/APIReference/CommonErrors.html).
 */
export class EventsError extends AwsServiceError {
  override name = 'EventsError';
}

export class EventsValidationError extends EventsError {
  override name = 'EventsValidationError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('ValidationException', message, 400, options);
  }
}

export class EventsResourceNotFoundError extends EventsError {
  override name = 'EventsResourceNotFoundError';
  constructor(
    readonly resource: string,
    message: string,
  ) {
    super('ResourceNotFoundException', message, 400);
  }
}

export class EventsResourceAlreadyExistsError extends EventsError {
  override name = 'EventsResourceAlreadyExistsError';
  constructor(
    readonly resource: string,
    message: string,
  ) {
    super('ResourceAlreadyExistsException', message, 400);
  }
}

export class EventsInvalidPatternError extends EventsError {
  override name = 'EventsInvalidPatternError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('InvalidEventPatternException', message, 400, options);
  }
}

/** A target could not take an event; `retryable` says whether the retry policy applies. */
export class TargetInvocationError extends Error {
  override name = 'TargetInvocationError';
  constructor(
    /** Short code stored as the DLQ message's ERROR_CODE attribute. */
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
