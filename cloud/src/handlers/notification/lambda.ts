import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
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
import { LogChannel, SnsChannel } from './channels.js';
import { DynamoDbNotificationStore } from './dynamodb-notification-store.js';
import { createNotificationHandler } from './handler.js';
import { readNotificationEnv } from './lambda-config.js';
import type { NotificationChannel } from './notification.js';
import { type FetchPort, WebhookChannel } from './webhook.js';

/** SDK clients and fetch, injectable so a test can point them at local stand-ins. */
export interface NotificationClients {
  dynamodb?: DynamoDBClient;
  eventBridge?: EventBridgeClient;
  sns?: SNSClient;
  sqs?: SQSClient;
  fetch?: FetchPort;
}

const logger = new Logger({ serviceName: 'smartdoor-notification' });
const metrics = new Metrics({ namespace: 'smartdoor', serviceName: 'notification' });
const tracer = new Tracer({ serviceName: 'smartdoor-notification' });

/** Build the notification function from its environment (channels: webhook, SNS, log). */
export function buildNotificationHandler(
  env: Record<string, string | undefined> = process.env,
  clients: NotificationClients = {},
): SqsLambdaHandler {
  const config = readNotificationEnv(env);
  const dynamodb = tracer.captureAWSv3Client(clients.dynamodb ?? new DynamoDBClient({}));
  const doc = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  const channels: NotificationChannel[] = [];
  if (config.WEBHOOK_URL && config.WEBHOOK_SECRET) {
    channels.push(
      new WebhookChannel({
        url: config.WEBHOOK_URL,
        secret: config.WEBHOOK_SECRET,
        timeoutMs: config.WEBHOOK_TIMEOUT_MS,
        attempts: config.WEBHOOK_ATTEMPTS,
        ...(clients.fetch ? { fetch: clients.fetch } : {}),
      }),
    );
  }
  if (config.SNS_TOPIC_ARN) {
    channels.push(
      new SnsChannel(tracer.captureAWSv3Client(clients.sns ?? new SNSClient({})), config.SNS_TOPIC_ARN),
    );
  }
  channels.push(new LogChannel(powertoolsLog(logger)));
  return createNotificationHandler({
    ports: {
      store: new DynamoDbNotificationStore({ client: doc, tableName: config.NOTIFICATION_TABLE }),
      channels,
      eventBridge: tracer.captureAWSv3Client(clients.eventBridge ?? new EventBridgeClient({})),
      delayQueue: new SqsDelayQueue({
        client: tracer.captureAWSv3Client(clients.sqs ?? new SQSClient({})),
        queueUrl: config.QUEUE_URL,
      }),
      now: Date.now,
      log: powertoolsLog(logger),
    },
    settings: {
      eventBusName: config.EVENT_BUS_NAME,
      collapseSeconds: config.COLLAPSE_SECONDS,
      offlineGraceSeconds: config.OFFLINE_GRACE_SECONDS,
    },
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: config.IDEMPOTENCY_TABLE,
      awsSdkV3Client: dynamodb,
    }),
    onOutcome: (outcome) => metrics.addMetric(`outcome_${outcome.action}`, MetricUnit.Count, 1),
  });
}

let built: SqsLambdaHandler | undefined;

/**
 * The Lambda entry (SQS event source with ReportBatchItemFailures; the queue's redrive
 * policy dead-letters what keeps failing). Built on the first invocation.
 */
export async function handler(event: SqsEvent, context: LambdaContext): Promise<SqsBatchResponse> {
  logger.addContext(context as never);
  built ??= buildNotificationHandler();
  try {
    const result = await built(event, context);
    metrics.addMetric('failed_records', MetricUnit.Count, result.batchItemFailures.length);
    return result;
  } finally {
    metrics.publishStoredMetrics();
  }
}
