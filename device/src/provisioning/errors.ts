/** Root of every error of device provisioning (claim, CSR, RegisterThing, files). */
export class ProvisioningError extends Error {
  override name = 'ProvisioningError';
}

/** IoT Core answered a provisioning request on its /rejected topic. */
export class ProvisioningRejectedError extends ProvisioningError {
  override name = 'ProvisioningRejectedError';
  constructor(
    readonly operation: string,
    readonly statusCode: number | undefined,
    readonly errorCode: string | undefined,
    errorMessage: string | undefined,
  ) {
    super(
      `${operation} was rejected: ${errorCode ?? 'error'} ${statusCode ?? ''} ${errorMessage ?? ''}`.trim(),
    );
  }
}

/** No answer within the time limit (or the broker closed the claim connection). */
export class ProvisioningTimeoutError extends ProvisioningError {
  override name = 'ProvisioningTimeoutError';
  constructor(
    readonly operation: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The claim connection could not be opened (certificate, key, endpoint). */
export class ClaimConnectionError extends ProvisioningError {
  override name = 'ClaimConnectionError';
  constructor(
    readonly endpoint: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A file (claim certificate, state, config) could not be read or written. */
export class ProvisioningFileError extends ProvisioningError {
  override name = 'ProvisioningFileError';
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The device is already provisioned with another serial number or template. */
export class ProvisioningConflictError extends ProvisioningError {
  override name = 'ProvisioningConflictError';
}
