export {
  type DataPlaneBroker,
  type IotDataApiOptions,
  iotDataApi,
  MAX_PUBLISH_BYTES,
  publishOnBroker,
} from './api.js';
export * from './errors.js';
export { iotDataPublishClient, type PublishInput } from './in-process-client.js';
export {
  SHADOW_NAME_RE,
  type ShadowBroker,
  ShadowService,
  type ShadowServiceLogger,
  type ShadowServiceOptions,
} from './service.js';
export {
  applyUpdate,
  computeDelta,
  type Json,
  type JsonObject,
  parseUpdateRequest,
  SHADOW_LIMITS,
  type ShadowDocument,
  type UpdateOutcome,
  type UpdateRequest,
} from './shadow-document.js';
export { deleteResponse, errorDocument, getResponse } from './shadow-responses.js';
export { SqliteShadowStore } from './sqlite-store.js';
export { CLASSIC_SHADOW, MemoryShadowStore, type ShadowStore, type StoredShadow } from './store.js';
