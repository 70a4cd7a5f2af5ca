/** Root of the pre-provisioning hook's errors. */
export class PreProvisioningHookError extends Error {
  override name = 'PreProvisioningHookError';
}

/**
 * The allow-list could not be read. Thrown, not turned into a refusal: IoT Core then
 * refuses the request with ACCESS_DENIED as it would for a refusal, and the function's
 * Errors metric (alarmed on by the CDK app) says the list, not the device, is at fault.
 */
export class AllowListLookupError extends PreProvisioningHookError {
  override name = 'AllowListLookupError';
  constructor(
    readonly serialNumber: string,
    options?: { cause?: unknown },
  ) {
    super(`could not read the allow-list entry of serial number "${serialNumber}"`, options);
  }
}
