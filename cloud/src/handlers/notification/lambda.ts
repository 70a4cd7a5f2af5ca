import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SNSClient } from '@aws-sdk/client-sns';
import type { SqsLambdaHandler } from '../../idempotency/sqs-types.js';
import {
  type SubscriberClients,
  sqsLambdaEntry,
  subscriberAwsParts,
  subscriberRuntime,
} from '../../idempotency/subscriber-lambda.js';
import { LogChannel, SnsChannel } from './channels.js';
import { DynamoDbNotificationStore } from './dynamodb-notification-store.js';
import { createNotificationHandler } from './handler.js';
import { notificationRecordBudgetMs, readNotificationEnv } from './lambda-config.js';
import type { NotificationChannel } from './notification.js';
import { type FetchPort, WebhookChannel } from './webhook.js';

/** SDK clients and fetch, injectable so a test can point them at local stand-ins. */
export interface NotificationClients extends SubscriberClients {
  sns?: SNSClient;
  fetch?: FetchPort;
}

const runtime = subscriberRuntime('notification');

/** Build the notification function from its environment (channels: webhook, SNS, log). */
export function buildNotificationHandler(
  env: Record<string, string | undefined> = process.env,
  clients: NotificationClients = {},
): SqsLambdaHandler {
  const config = readNotificationEnv(env);
  const aws = subscriberAwsParts(runtime, config, clients);
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
      new SnsChannel(
        runtime.tracer.captureAWSv3Client(clients.sns ?? new SNSClient({})),
        config.SNS_TOPIC_ARN,
      ),
    );
  }
  channels.push(new LogChannel(aws.log));
  return createNotificationHandler({
    ports: {
      store: new DynamoDbNotificationStore({
        client: aws.doc,
        tableName: config.NOTIFICATION_TABLE,
        // A pending offline check reads the door's presence a grace period after it was
        // written: kept that much longer than a day, however long the grace is.
        retentionSeconds: 86_400 + config.OFFLINE_GRACE_SECONDS,
      }),
      channels,
      eventBridge: aws.eventBridge,
      delayQueue: aws.delayQueue,
      now: Date.now,
      log: aws.log,
    },
    settings: {
      eventBusName: config.EVENT_BUS_NAME,
      collapseSeconds: config.COLLAPSE_SECONDS,
      offlineGraceSeconds: config.OFFLINE_GRACE_SECONDS,
    },
    persistenceStore: aws.persistenceStore,
    // A slow webhook makes a batch of 10 outlast the timeout; hand back what cannot finish.
    recordBudgetMs: notificationRecordBudgetMs({
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      attempts: config.WEBHOOK_ATTEMPTS,
    }),
    onOutcome: (outcome) => runtime.metrics.addMetric(`outcome_${outcome.action}`, MetricUnit.Count, 1),
  });
}

/**
 * The Lambda entry (SQS event source with ReportBatchItemFailures; the queue's redrive
 * policy dead-letters what keeps failing).
 */
export const handler = sqsLambdaEntry(runtime, () => buildNotificationHandler());
