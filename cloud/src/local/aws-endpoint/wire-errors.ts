import { AwsServiceError } from './errors.js';
import type { AwsProtocol } from './types.js';

/** An error response ready for the wire. */
export interface WireError {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Content type of each protocol's bodies. */
export function contentTypeFor(protocol: AwsProtocol): string {
  switch (protocol) {
    case 'awsJson1_0':
      return 'application/x-amz-json-1.0';
    case 'awsJson1_1':
      return 'application/x-amz-json-1.1';
    case 'restJson1':
      return 'application/json';
    case 'awsQuery':
      return 'text/xml';
  }
}

/**
 * The one place where errors become AWS wire errors (STYLE rule 14).
 * - awsJson1_0/1_1: body `{"__type": code, "message": ...}`, header x-amzn-ErrorType, 400 unless said
 *   (https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html#operation-error-serialization).
 * - restJson1: header x-amzn-ErrorType, body `{"message": ...}`, status per error
 *   (https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html#operation-error-serialization).
 * - awsQuery (SNS): an XML ErrorResponse with Type (Sender/Receiver), Code and Message
 *   (https://smithy.io/2.0/aws/protocols/aws-query-protocol.html#operation-error-serialization).
 * Anything that is not an AwsServiceError is an internal failure: its text stays in the log,
 * not on the wire.
 */
export function toWireError(protocol: AwsProtocol, err: unknown, requestId?: string): WireError {
  const known =
    err instanceof AwsServiceError
      ? err
      : new AwsServiceError('InternalFailure', 'The server encountered an internal error', 500);
  const status = statusFor(protocol, known);
  const headers = { 'content-type': contentTypeFor(protocol), 'x-amzn-errortype': known.code };
  if (protocol === 'awsQuery') {
    const type = status >= 500 ? 'Receiver' : 'Sender';
    const xml =
      `<ErrorResponse><Error><Type>${type}</Type><Code>${escapeXml(known.code)}</Code>` +
      `<Message>${escapeXml(known.message)}</Message></Error><RequestId>${escapeXml(requestId ?? '')}</RequestId></ErrorResponse>`;
    return { status, headers, body: xml };
  }
  const body =
    protocol === 'restJson1' ? { message: known.message } : { __type: known.code, message: known.message };
  return { status, headers, body: JSON.stringify(body) };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
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
