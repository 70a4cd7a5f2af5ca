import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SqsDelayQueue } from './delay-queue.js';
import { powertoolsLog } from './powertools-log.js';
import type {
  LambdaContext,
  SqsBatchResponse,
  SqsEvent,
  SqsLambdaHandler,
  SubscriberLog,
} from './sqs-types.js';

/** Powertools logger, metrics and tracer of one subscriber function. */
export interface SubscriberRuntime {
  logger: Logger;
  metrics: Metrics;
  tracer: Tracer;
}

/** The runtime of `smartdoor-{name}` (service name) in the `smartdoor` metrics namespace. */
export function subscriberRuntime(name: string): SubscriberRuntime {
  return {
    logger: new Logger({ serviceName: `smartdoor-${name}` }),
    metrics: new Metrics({ namespace: 'smartdoor', serviceName: name }),
    tracer: new Tracer({ serviceName: `smartdoor-${name}` }),
  };
}

/** SDK clients every subscriber uses, injectable so a test can point them at local stand-ins. */
export interface SubscriberClients {
  dynamodb?: DynamoDBClient;
  eventBridge?: EventBridgeClient;
  sqs?: SQSClient;
}

/** What every subscriber builds from its environment, traced by X-Ray. */
export interface SubscriberAwsParts {
  /** A DynamoDB document client for the subscriber's own tables. */
  doc: DynamoDBDocumentClient;
  eventBridge: EventBridgeClient;
  /** Delayed re-checks through the subscriber's own queue (SQS DelaySeconds). */
  delayQueue: SqsDelayQueue;
  /** Powertools idempotency records in DynamoDB. */
  persistenceStore: DynamoDBPersistenceLayer;
  log: SubscriberLog;
}

export function subscriberAwsParts(
  runtime: SubscriberRuntime,
  config: { QUEUE_URL: string; IDEMPOTENCY_TABLE: string },
  clients: SubscriberClients = {},
): SubscriberAwsParts {
  const { tracer } = runtime;
  const dynamodb = tracer.captureAWSv3Client(clients.dynamodb ?? new DynamoDBClient({}));
  return {
    doc: DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
    eventBridge: tracer.captureAWSv3Client(clients.eventBridge ?? new EventBridgeClient({})),
    delayQueue: new SqsDelayQueue({
      client: tracer.captureAWSv3Client(clients.sqs ?? new SQSClient({})),
      queueUrl: config.QUEUE_URL,
    }),
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: config.IDEMPOTENCY_TABLE,
      awsSdkV3Client: dynamodb,
    }),
    log: powertoolsLog(runtime.logger),
  };
}

/**
 * The Lambda entry of a subscriber (SQS event source with ReportBatchItemFailures; the
 * queue's redrive policy dead-letters what keeps failing). The handler is built on the
 * first invocation, so a bad environment fails that invocation with a readable error
 * rather than the module import.
 */
export function sqsLambdaEntry(
  runtime: SubscriberRuntime,
  build: () => SqsLambdaHandler,
): (event: SqsEvent, context: LambdaContext) => Promise<SqsBatchResponse> {
  let built: SqsLambdaHandler | undefined;
  return async (event, context) => {
    runtime.logger.addContext(context as never);
    built ??= build();
    try {
      const result = await built(event, context);
      runtime.metrics.addMetric('failed_records', MetricUnit.Count, result.batchItemFailures.length);
      return result;
    } finally {
      runtime.metrics.publishStoredMetrics();
    }
  };
}
