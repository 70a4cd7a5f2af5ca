export { iotControlApi } from './api.js';
export * from './errors.js';
export {
  type ClaimFiles,
  claimDir,
  type LocalProvisioning,
  type LocalProvisioningOptions,
  startLocalProvisioning,
} from './local-provisioning.js';
export * from './model.js';
export {
  type CreatedCertificate,
  IotRegistry,
  type IotRegistryOptions,
  REGISTRY_CERTIFICATE_CN,
} from './registry.js';
export { SqliteRegistryStore } from './registry-store.js';
