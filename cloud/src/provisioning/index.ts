export { type BackoffOptions, isThrottling, withBackoff } from './backoff.js';
export {
  BUNDLE_FILES,
  type BulkProvisionOptions,
  type BulkSummary,
  type DoorResult,
  planFleet,
  provisionFleet,
} from './bulk-provisioner.js';
export { resolveMqttEndpoint } from './data-endpoint.js';
export { type DoorRow, parseCsv, parseDoorList } from './door-list.js';
export { assertPolicyExists, stageDoorPolicyName } from './door-policy.js';
export * from './errors.js';
export {
  type DoorProgress,
  type DoorStep,
  JOURNAL_FILE,
  type JournalEntry,
  ProvisionJournal,
} from './journal.js';
export { type RevokeOptions, type RevokeResult, revokeThing } from './revoke.js';
