import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SqsDelayQueue } from '../../idempotency/delay-queue.js';
import { powertoolsLog } from '../../idempotency/powertools-log.js';
import type {
  LambdaContext,
  SqsBatchResponse,
  SqsEvent,
  SqsLambdaHandler,
} from '../../idempotency/sqs-types.js';
import { DynamoDbBadgeDirectory } from './dynamodb-badge-directory.js';
import { DynamoDbCorrelationStore } from './dynamodb-correlation-store.js';
import { createIdentificationHandler } from './handler.js';
import { readIdentificationEnv } from './lambda-config.js';

/** SDK clients, injectable so a test can point them at local stand-ins. */
export interface IdentificationClients {
  dynamodb?: DynamoDBClient;
  eventBridge?: EventBridgeClient;
  iotData?: IoTDataPlaneClient;
  sqs?: SQSClient;
}

const logger = new Logger({ serviceName: 'smartdoor-identification' });
const metrics = new Metrics({ namespace: 'smartdoor', serviceName: 'identification' });
const tracer = new Tracer({ serviceName: 'smartdoor-identification' });

/**
 * Build the identification function from its environment: DynamoDB stores and
 * idempotency, SQS for delayed checks, EventBridge for results, IoT Data Plane for the buzzer.
 */
export function buildIdentificationHandler(
  env: Record<string, string | undefined> = process.env,
  clients: IdentificationClients = {},
): SqsLambdaHandler {
  const config = readIdentificationEnv(env);
  const dynamodb = tracer.captureAWSv3Client(clients.dynamodb ?? new DynamoDBClient({}));
  const doc = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  return createIdentificationHandler({
    ports: {
      correlations: new DynamoDbCorrelationStore({ client: doc, tableName: config.CORRELATION_TABLE }),
      directory: new DynamoDbBadgeDirectory(doc, config.BADGE_TABLE),
      eventBridge: tracer.captureAWSv3Client(clients.eventBridge ?? new EventBridgeClient({})),
      iotData: tracer.captureAWSv3Client(
        clients.iotData ?? new IoTDataPlaneClient({ endpoint: config.IOT_DATA_ENDPOINT }),
      ),
      delayQueue: new SqsDelayQueue({
        client: tracer.captureAWSv3Client(clients.sqs ?? new SQSClient({})),
        queueUrl: config.QUEUE_URL,
      }),
      now: Date.now,
      log: powertoolsLog(logger),
    },
    settings: {
      eventBusName: config.EVENT_BUS_NAME,
      windowSeconds: config.BADGE_WINDOW_SECONDS,
      buzzerDurationMs: config.BUZZER_DURATION_MS,
    },
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: config.IDEMPOTENCY_TABLE,
      awsSdkV3Client: dynamodb,
    }),
    onOutcome: (outcome) => {
      metrics.addMetric(`outcome_${outcome.action}`, MetricUnit.Count, 1);
      if (outcome.action === 'resolved') {
        for (const o of outcome.openings) metrics.addMetric(`entry_${o.result}`, MetricUnit.Count, 1);
      }
    },
  });
}

let built: SqsLambdaHandler | undefined;

/**
 * The Lambda entry (SQS event source with ReportBatchItemFailures). Built on the first
 * invocation, so a bad environment fails that invocation with a readable error rather
 * than the module import.
 */
export async function handler(event: SqsEvent, context: LambdaContext): Promise<SqsBatchResponse> {
  logger.addContext(context as never);
  built ??= buildIdentificationHandler();
  try {
    const result = await built(event, context);
    metrics.addMetric('failed_records', MetricUnit.Count, result.batchItemFailures.length);
    return result;
  } finally {
    metrics.publishStoredMetrics();
  }
}
