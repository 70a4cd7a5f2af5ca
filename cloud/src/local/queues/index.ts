export { type Clock, SYSTEM_CLOCK } from './clock.js';
export {
  BatchNotTakenError,
  QueueAttributeValueError,
  QueueDoesNotExistError,
  QueueError,
  QueueValidationError,
  ReceiptHandleInvalidError,
} from './errors.js';
export {
  LocalQueues,
  type LocalQueuesEvents,
  type LocalQueuesOptions,
  type QueueAttributeChanges,
  type QueueBatchHandler,
  RETENTION_SWEEP_MS,
  type SubscribeOptions,
} from './local-queues.js';
export {
  MESSAGE_RETENTION,
  type QueueAttributes,
  type QueueDepth,
  type QueueMessage,
  queueArn,
  queueNameFromArn,
  type ReceivedMessage,
} from './model.js';
export { type QueueStore, SqliteQueueStore } from './queue-store.js';
export { type SqsApiOptions, sqsApi } from './sqs-api.js';
