import { AwsServiceError } from '../aws-endpoint/errors.js';

/**
 * Root of the local IoT control plane's errors. Each carries the AWS error type the IoT
 * API documents for it (https://docs.aws.amazon.com/iot/latest/apireference/CommonErrors.html),
 * so the endpoint puts it on the wire as the SDK's matching exception class.
 */
export class IotControlError extends AwsServiceError {
  override name = 'IotControlError';
}

/** ResourceNotFoundException (404): no such thing, certificate or policy. */
export class ResourceNotFoundError extends IotControlError {
  override name = 'ResourceNotFoundError';
  constructor(
    readonly resource: string,
    message: string,
  ) {
    super('ResourceNotFoundException', message);
  }
}

/** ResourceAlreadyExistsException (409): a thing with another configuration, a policy, ... */
export class ResourceAlreadyExistsError extends IotControlError {
  override name = 'ResourceAlreadyExistsError';
  constructor(
    readonly resource: string,
    message: string,
  ) {
    super('ResourceAlreadyExistsException', message);
  }
}

/** InvalidRequestException (400): a bad name, a bad CSR, a missing parameter. */
export class InvalidRequestError extends IotControlError {
  override name = 'InvalidRequestError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('InvalidRequestException', message, undefined, options);
  }
}

/** CertificateStateException (406): e.g. activating a revoked certificate. */
export class CertificateStateError extends IotControlError {
  override name = 'CertificateStateError';
  constructor(
    readonly certificateId: string,
    message: string,
  ) {
    super('CertificateStateException', message, 406);
  }
}

/** MalformedPolicyException (400): the policy document is not a JSON object. */
export class MalformedPolicyError extends IotControlError {
  override name = 'MalformedPolicyError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('MalformedPolicyException', message, 400, options);
  }
}
