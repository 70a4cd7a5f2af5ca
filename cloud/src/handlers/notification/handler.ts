import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { createSqsBatchHandler } from '../../idempotency/sqs-batch.js';
import type { SqsLambdaHandler } from '../../idempotency/sqs-types.js';
import {
  type NotificationOutcome,
  type NotificationPorts,
  NotificationService,
  type NotificationSettings,
} from './notification-service.js';

export interface NotificationHandlerOptions {
  ports: NotificationPorts;
  settings: NotificationSettings;
  /** SQLite locally, DynamoDB on AWS. */
  persistenceStore: BasePersistenceLayer;
  /**
   * Prefix of this handler's idempotency records.
   * @default 'smartdoor-notification'
   */
  keyPrefix?: string;
  /** The longest one record may take; see SqsBatchHandlerOptions. @default no limit */
  recordBudgetMs?: number;
  /** Called with each outcome (metrics, tests). */
  onOutcome?: (outcome: NotificationOutcome) => void;
}

/**
 * The notification subscriber as Lambda runs it (SQS batch, ReportBatchItemFailures,
 * idempotent per key); the local cloud invokes the same function.
 */
export function createNotificationHandler(options: NotificationHandlerOptions): SqsLambdaHandler {
  const service = new NotificationService(options.ports, options.settings);
  return createSqsBatchHandler({
    persistenceStore: options.persistenceStore,
    keyPrefix: options.keyPrefix ?? 'smartdoor-notification',
    log: options.ports.log,
    ...(options.recordBudgetMs === undefined ? {} : { recordBudgetMs: options.recordBudgetMs }),
    process: async (event) => {
      const outcome = await service.handle(event);
      options.onOutcome?.(outcome);
      return outcome;
    },
  });
}
