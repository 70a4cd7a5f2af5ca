import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import type { SqsLambdaHandler } from '../../idempotency/sqs-types.js';
import {
  type SubscriberClients,
  sqsLambdaEntry,
  subscriberAwsParts,
  subscriberRuntime,
} from '../../idempotency/subscriber-lambda.js';
import { DynamoDbBadgeDirectory } from './dynamodb-badge-directory.js';
import { DynamoDbCorrelationStore } from './dynamodb-correlation-store.js';
import { createIdentificationHandler } from './handler.js';
import { readIdentificationEnv } from './lambda-config.js';

/** SDK clients, injectable so a test can point them at local stand-ins. */
export interface IdentificationClients extends SubscriberClients {
  iotData?: IoTDataPlaneClient;
}

const runtime = subscriberRuntime('identification');

/**
 * Build the identification function from its environment: DynamoDB stores and
 * idempotency, SQS for delayed checks, EventBridge for results, IoT Data Plane for the buzzer.
 */
export function buildIdentificationHandler(
  env: Record<string, string | undefined> = process.env,
  clients: IdentificationClients = {},
): SqsLambdaHandler {
  const config = readIdentificationEnv(env);
  const aws = subscriberAwsParts(runtime, config, clients);
  return createIdentificationHandler({
    ports: {
      correlations: new DynamoDbCorrelationStore({ client: aws.doc, tableName: config.CORRELATION_TABLE }),
      directory: new DynamoDbBadgeDirectory(aws.doc, config.BADGE_TABLE),
      eventBridge: aws.eventBridge,
      iotData: runtime.tracer.captureAWSv3Client(
        clients.iotData ?? new IoTDataPlaneClient({ endpoint: config.IOT_DATA_ENDPOINT }),
      ),
      delayQueue: aws.delayQueue,
      now: Date.now,
      log: aws.log,
    },
    settings: {
      eventBusName: config.EVENT_BUS_NAME,
      windowSeconds: config.BADGE_WINDOW_SECONDS,
      buzzerDurationMs: config.BUZZER_DURATION_MS,
    },
    persistenceStore: aws.persistenceStore,
    onOutcome: (outcome) => {
      runtime.metrics.addMetric(`outcome_${outcome.action}`, MetricUnit.Count, 1);
      if (outcome.action === 'resolved') {
        for (const o of outcome.openings) runtime.metrics.addMetric(`entry_${o.result}`, MetricUnit.Count, 1);
      }
    },
  });
}

/** The Lambda entry (SQS event source with ReportBatchItemFailures). */
export const handler = sqsLambdaEntry(runtime, () => buildIdentificationHandler());
