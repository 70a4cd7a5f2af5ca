/**
 * An error that goes on the wire as an AWS error: `code` is the type name the SDK turns
 * into an exception class (ValidationException -> the client's ValidationException).
 * Services throw it (or a subclass); the endpoint maps it per protocol in one place
 * (wire-errors.ts), as LocalStack's CommonServiceException does.
 */
export class AwsServiceError extends Error {
  override name = 'AwsServiceError';
  constructor(
    readonly code: string,
    message: string,
    /** HTTP status; when omitted, the protocol's convention for `code` applies. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The request carried no SigV4 signature at all. */
export class MissingAuthenticationTokenError extends AwsServiceError {
  override name = 'MissingAuthenticationTokenError';
  constructor(message = 'Missing Authentication Token') {
    super('MissingAuthenticationTokenException', message);
  }
}

/** The signature was present but wrong, expired or made with unknown credentials. */
export class InvalidSignatureError extends AwsServiceError {
  override name = 'InvalidSignatureError';
  // biome-ignore lint/complexity/noUselessConstructor: it narrows `code` to the two codes AWS uses here
  constructor(code: 'InvalidSignatureException' | 'UnrecognizedClientException', message: string) {
    super(code, message);
  }
}

/** No service or operation answers this request. */
export class UnknownOperationError extends AwsServiceError {
  override name = 'UnknownOperationError';
  constructor(message: string, status = 400) {
    super('UnknownOperationException', message, status);
  }
}
