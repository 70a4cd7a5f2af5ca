import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { createSqsBatchHandler } from '../../idempotency/sqs-batch.js';
import type { SqsLambdaHandler } from '../../idempotency/sqs-types.js';
import {
  type IdentificationOutcome,
  type IdentificationPorts,
  IdentificationService,
  type IdentificationSettings,
} from './identification-service.js';

export interface IdentificationHandlerOptions {
  ports: IdentificationPorts;
  settings: IdentificationSettings;
  /** SQLite locally, DynamoDB on AWS. */
  persistenceStore: BasePersistenceLayer;
  /**
   * Prefix of this handler's idempotency records.
   * @default 'smartdoor-identification'
   */
  keyPrefix?: string;
  /** Called with each outcome (metrics, tests). */
  onOutcome?: (outcome: IdentificationOutcome) => void;
}

/**
 * The identification subscriber as Lambda runs it: an SQS batch, each record handled once
 * per idempotency key, failed records reported for retry. The local cloud invokes the
 * very same function with SQS-shaped events.
 */
export function createIdentificationHandler(options: IdentificationHandlerOptions): SqsLambdaHandler {
  const service = new IdentificationService(options.ports, options.settings);
  return createSqsBatchHandler({
    persistenceStore: options.persistenceStore,
    keyPrefix: options.keyPrefix ?? 'smartdoor-identification',
    log: options.ports.log,
    process: async (event) => {
      const outcome = await service.handle(event);
      options.onOutcome?.(outcome);
      return outcome;
    },
  });
}
