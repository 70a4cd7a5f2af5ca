import { AwsServiceError } from '../aws-endpoint/errors.js';

/**
 * Root of the local IoT Data Plane's errors. Each carries the AWS error type the IoT Data
 * Plane API documents (https://docs.aws.amazon.com/iot/latest/apireference/API_Operations_AWS_IoT_Data_Plane.html),
 * so the endpoint puts it on the wire as the SDK's matching exception class.
 */
export class IotDataError extends AwsServiceError {
  override name = 'IotDataError';
}

/** InvalidRequestException (400): a bad topic, QoS, shadow name or page size. */
export class InvalidRequestError extends IotDataError {
  override name = 'InvalidRequestError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('InvalidRequestException', message, 400, options);
  }
}

/** RequestEntityTooLargeException (413): a Publish payload over IoT Core's 128 KB. */
export class PayloadTooLargeError extends IotDataError {
  override name = 'PayloadTooLargeError';
  constructor(message: string) {
    super('RequestEntityTooLargeException', message, 413);
  }
}

/** ResourceNotFoundException (404): no retained message on a topic, no such connection. */
export class ResourceNotFoundError extends IotDataError {
  override name = 'ResourceNotFoundError';
  constructor(message: string) {
    super('ResourceNotFoundException', message, 404);
  }
}

/**
 * The HTTP codes the Device Shadow service answers with, and the exception each becomes
 * on the Data Plane API (https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-error-messages.html).
 */
const SHADOW_EXCEPTIONS: Record<ShadowErrorCode, string> = {
  400: 'InvalidRequestException',
  404: 'ResourceNotFoundException',
  409: 'ConflictException',
  413: 'RequestEntityTooLargeException',
  415: 'UnsupportedDocumentEncodingException',
};

export type ShadowErrorCode = 400 | 404 | 409 | 413 | 415;

/**
 * The shadow service refused a request. Over MQTT it becomes the error response document
 * on .../rejected (`{ code, message, timestamp, clientToken }`); over HTTP the exception
 * named in SHADOW_EXCEPTIONS with the same status and message.
 */
export class ShadowRejectedError extends IotDataError {
  override name = 'ShadowRejectedError';
  constructor(
    readonly httpCode: ShadowErrorCode,
    message: string,
    /** The request's clientToken, echoed in the error document when the request had one. */
    readonly clientToken?: string,
  ) {
    super(SHADOW_EXCEPTIONS[httpCode], message, httpCode);
  }
}
