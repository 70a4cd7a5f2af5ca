import type { AwsProtocol } from './types.js';

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

/**
 * Default HTTP status per error code for restJson1 services (IoT, IoT Data Plane
 * document these per operation: https://docs.aws.amazon.com/iot/latest/apireference/CommonErrors.html).
 * JSON protocols answer every client error with 400 (DynamoDB, EventBridge: coral services).
 */
const REST_STATUS: Record<string, number> = {
  // Authentication failures: 403 on REST and query services, 400 (like every client error) on JSON ones.
  MissingAuthenticationTokenException: 403,
  InvalidSignatureException: 403,
  UnrecognizedClientException: 403,
  ValidationException: 400,
  InvalidRequestException: 400,
  UnauthorizedException: 401,
  ForbiddenException: 403,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  MethodNotAllowedException: 405,
  ConflictException: 409,
  ResourceAlreadyExistsException: 409,
  VersionConflictException: 409,
  RequestEntityTooLargeException: 413,
  UnsupportedDocumentEncodingException: 415,
  LimitExceededException: 410,
  ThrottlingException: 429,
  InternalFailureException: 500,
  ServiceUnavailableException: 503,
};

/** The status an error gets on the wire for a protocol. */
export function statusFor(protocol: AwsProtocol, err: AwsServiceError): number {
  if (err.status !== undefined) return err.status;
  if (protocol === 'restJson1' || protocol === 'awsQuery') return REST_STATUS[err.code] ?? 400;
  return 400;
}
