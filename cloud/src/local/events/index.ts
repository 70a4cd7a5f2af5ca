export { eventsApi } from './api.js';
export { type BackoffOptions, backoffDelay } from './backoff.js';
export type { ExhaustedCondition } from './delivery-worker.js';
export {
  EventsError,
  EventsInvalidPatternError,
  EventsResourceAlreadyExistsError,
  EventsResourceNotFoundError,
  EventsValidationError,
  TargetInvocationError,
} from './errors.js';
export { inProcessEventBridge, putEventsClient, putEventsOnBus } from './in-process-client.js';
export { checkTargetInput, renderTemplate, type TargetInput, transformInput } from './input-transformer.js';
export { evaluateJsonPath, parseJsonPath } from './json-path.js';
export * from './model.js';
export { checkEntry, formatEventTime, type PutEventsEntryInput } from './put-events.js';
export { PRUNE_INTERVAL_MS } from './replayer.js';
export { busNameOf, type FailedTarget, RuleBook } from './rule-book.js';
export {
  DEFAULT_ARCHIVE_RETENTION_DAYS,
  EventBusService,
  type EventBusServiceEvents,
  type EventBusServiceOptions,
  type EventBusStats,
  type PutEventsResult,
  putEventsResponse,
} from './service.js';
export { SqliteEventsStore } from './sqlite-store.js';
export type { EventsStore } from './store.js';
export type { ApiDestination } from './targets/http-target.js';
export type { FunctionOptions, LambdaContext, LambdaHandler } from './targets/lambda-target.js';
