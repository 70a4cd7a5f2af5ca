import { DetailType, EventSource } from '@smartdoor/shared';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deviceEvent, lambdaContext, sqsOf } from '../../idempotency/testing/bus-events.js';
import {
  type LocalDynamoDb,
  startLocalDynamoDb,
  uniqueTableName,
} from '../../idempotency/testing/local-dynamodb.js';
import { type RecordingAws, startRecordingAws } from '../../idempotency/testing/recording-aws.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../idempotency/testing/webhook-receiver.js';
import { buildNotificationHandler, handler as lambdaHandler } from './lambda.js';
import { notificationRecordBudgetMs, readNotificationEnv } from './lambda-config.js';

// The Lambda entry as AWS runs it: DynamoDB (in-process), EventBridge, SNS and SQS through
// the real SDK clients, and a real HTTP server as the webhook.
let ddb: LocalDynamoDb;
let aws: RecordingAws;
let hook: WebhookReceiver;

beforeAll(async () => {
  ddb = await startLocalDynamoDb();
  aws = await startRecordingAws();
  hook = await startWebhookReceiver();
});
afterAll(async () => {
  await hook.close();
  await aws.close();
  await ddb.close();
});

/** The Lambda's handler on tables of its own, with the webhook receiver and `extra` settings. */
async function handlerOnFreshTables(extra: Record<string, string> = {}) {
  const names = {
    IDEMPOTENCY_TABLE: uniqueTableName('idem'),
    NOTIFICATION_TABLE: uniqueTableName('notif'),
  };
  await ddb.createTable(names.IDEMPOTENCY_TABLE, 'id');
  await ddb.createTable(names.NOTIFICATION_TABLE, 'pk');
  return buildNotificationHandler(
    {
      ...names,
      EVENT_BUS_NAME: 'smartdoor',
      QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/smartdoor-notification',
      WEBHOOK_URL: hook.url,
      WEBHOOK_SECRET: 's3cret',
      ...extra,
    },
    { dynamodb: ddb.client, eventBridge: aws.eventBridge, sns: aws.sns, sqs: aws.sqs },
  );
}

describe('Function: buildNotificationHandler', () => {
  it('delivers to the webhook and SNS once, and records Notification Sent for each channel', async () => {
    // Prepare
    const handler = await handlerOnFreshTables({
      SNS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:smartdoor-alerts',
    });
    const event = {
      ...deviceEvent(DetailType.DoorHeldOpen, 'door-7', new Date().toISOString(), { limitSeconds: 30 }),
      source: EventSource.Device,
    };
    // Act
    const first = await handler(sqsOf(event), lambdaContext());
    const again = await handler(sqsOf(event), lambdaContext());
    // Assess
    expect([...first.batchItemFailures, ...again.batchItemFailures]).toEqual([]);
    expect(hook.calls).toHaveLength(1);
    expect(aws.snsMessages).toHaveLength(1);
    expect(aws.snsMessages[0]).toMatchObject({
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:smartdoor-alerts',
    });
    expect(JSON.parse(aws.snsMessages[0]!.Message)).toMatchObject({
      reason: 'door-held-open',
      thingName: 'door-7',
    });
    expect(aws.entries.map((e) => e.Detail.channel)).toEqual(['webhook', 'sns', 'log']);
    expect(aws.sqsMessages.map((m) => m.DelaySeconds)).toEqual([60]);
  });

  it("starts no record the invocation's remaining time cannot hold, and hands it back", async () => {
    // Prepare: 10 s left, less than a record's budget (a webhook timing out 3 x 5 s).
    const handler = await handlerOnFreshTables();
    const held = (thing: string) => ({
      ...deviceEvent(DetailType.DoorHeldOpen, thing, new Date().toISOString(), { limitSeconds: 30 }),
      source: EventSource.Device,
    });
    const batch = sqsOf(held('door-9'), held('door-10'));
    const callsBefore = hook.calls.length;
    // Act
    const result = await handler(batch, { ...lambdaContext(), getRemainingTimeInMillis: () => 10_000 });
    // Assess
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([batch.Records[1]!.messageId]);
    expect(hook.calls.length - callsBefore).toBe(1);
  });
});

describe('Function: notificationRecordBudgetMs', () => {
  it('holds the default webhook worst case (3 x 5 s + 0.6 s backoff) and the AWS calls', () => {
    // Act / Assess
    expect(notificationRecordBudgetMs()).toBe(15_600 + 5_000);
    expect(notificationRecordBudgetMs({ timeoutMs: 1_000, attempts: 1 })).toBe(1_000 + 5_000);
  });
});

describe('Function: handler', () => {
  it('builds itself from the environment on the first invocation, as Lambda runs it', async () => {
    // Prepare: service endpoints from the SDK's standard AWS_ENDPOINT_URL_* variables.
    const names = {
      IDEMPOTENCY_TABLE: uniqueTableName('idem'),
      NOTIFICATION_TABLE: uniqueTableName('notif'),
    };
    await ddb.createTable(names.IDEMPOTENCY_TABLE, 'id');
    await ddb.createTable(names.NOTIFICATION_TABLE, 'pk');
    const stubs: Record<string, string> = {
      ...names,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL: aws.url,
      AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
      EVENT_BUS_NAME: 'smartdoor',
      QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/smartdoor-notification',
      COLLAPSE_SECONDS: '0',
      POWERTOOLS_METRICS_DISABLED: 'true',
    };
    for (const [k, v] of Object.entries(stubs)) vi.stubEnv(k, v);
    const before = aws.entries.length;
    const event = {
      ...deviceEvent(DetailType.DeviceFault, 'door-8', new Date().toISOString(), {
        fault: 'tamper',
        active: true,
      }),
      source: EventSource.Device,
    };
    // Act
    const result = await lambdaHandler(sqsOf(event), lambdaContext());
    vi.unstubAllEnvs();
    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(aws.entries.slice(before).map((e) => [e.DetailType, e.Detail.channel])).toEqual([
      [DetailType.NotificationSent, 'log'],
    ]);
  });
});

describe('Function: readNotificationEnv', () => {
  it('requires a secret with a webhook URL', () => {
    // Prepare / Act
    const read = () =>
      readNotificationEnv({
        EVENT_BUS_NAME: 'b',
        QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/q',
        IDEMPOTENCY_TABLE: 'i',
        NOTIFICATION_TABLE: 'n',
        WEBHOOK_URL: 'https://example.com/hook',
      });
    // Assess
    expect(read).toThrow(/WEBHOOK_SECRET: .*required with WEBHOOK_URL/);
  });
});
