/** Fleet provisioning by claim, on the device. */

export { CrtIdentityClient } from './crt-identity-client.js';
export { certificateMatchesKey, createCsr, generateDeviceKey } from './csr.js';
export * from './errors.js';
export {
  type ClaimConnectionOptions,
  type CreateCertificateResponse,
  IDENTITY_TOPICS,
  type IdentityClient,
  type RegisterThingResponse,
} from './identity-client.js';
export { MqttJsIdentityClient } from './mqttjs-identity-client.js';
export { DEFAULT_CERT_DIR, provisionCommand } from './provision-command.js';
export {
  type ProvisionDeviceOptions,
  type ProvisionDeviceResult,
  provisionDevice,
  TOKEN_REUSE_MS,
} from './provision-device.js';
export { type ProvisioningState, readState, STATE_FILE_NAME, statePath } from './provisioning-state.js';
