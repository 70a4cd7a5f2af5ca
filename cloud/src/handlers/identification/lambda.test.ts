import { DetailType } from '@smartdoor/shared';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { badgeRead, lambdaContext, opened, sqsOf } from '../../idempotency/testing/bus-events.js';
import {
  type LocalDynamoDb,
  startLocalDynamoDb,
  uniqueTableName,
} from '../../idempotency/testing/local-dynamodb.js';
import { type RecordingAws, startRecordingAws } from '../../idempotency/testing/recording-aws.js';
import { badgeRefOf } from './badge-seed.js';
import { putBadgeEntries } from './dynamodb-badge-directory.js';
import { buildIdentificationHandler } from './lambda.js';
import { readIdentificationEnv } from './lambda-config.js';

// The Lambda entry as AWS runs it, with DynamoDB (in-process), EventBridge, IoT Data
// Plane and SQS reached through the real SDK clients.
let ddb: LocalDynamoDb;
let aws: RecordingAws;
const T0 = Date.parse('2026-11-23T12:00:00.000Z');
const ALICE = badgeRefOf('0004-alice', Buffer.from('secret-secret-secret'));

beforeAll(async () => {
  ddb = await startLocalDynamoDb();
  aws = await startRecordingAws();
});
afterAll(async () => {
  await aws.close();
  await ddb.close();
});
afterEach(() => {
  vi.useRealTimers();
});

async function env() {
  const names = {
    IDEMPOTENCY_TABLE: uniqueTableName('idem'),
    CORRELATION_TABLE: uniqueTableName('corr'),
    BADGE_TABLE: uniqueTableName('badges'),
  };
  await ddb.createTable(names.IDEMPOTENCY_TABLE, 'id');
  await ddb.createTable(names.CORRELATION_TABLE, 'pk', 'sk');
  await ddb.createTable(names.BADGE_TABLE, 'badgeRef');
  await putBadgeEntries(ddb.doc, names.BADGE_TABLE, [
    { badgeRef: ALICE, personId: 'alice', doors: ['*'], hours: [], timezone: 'UTC' },
  ]);
  return {
    ...names,
    EVENT_BUS_NAME: 'smartdoor',
    QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/smartdoor-identification',
    IOT_DATA_ENDPOINT: aws.url,
    BADGE_WINDOW_SECONDS: '5',
  };
}

describe('Function: buildIdentificationHandler', () => {
  it('identifies with the DynamoDB directory and settles a badge-less opening through an SQS delayed check', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const handler = buildIdentificationHandler(await env(), {
      dynamodb: ddb.client,
      eventBridge: aws.eventBridge,
      iotData: aws.iotData,
      sqs: aws.sqs,
    });
    const T = (s: number) => new Date(T0 + s * 1000).toISOString();
    // Act
    const a = await handler(sqsOf(badgeRead('door-1', T(0), ALICE), opened('door-1', T(1))), lambdaContext());
    const b = await handler(sqsOf(opened('door-2', T(0))), lambdaContext());
    const delayed = aws.sqsMessages.splice(0);
    vi.setSystemTime(T0 + 5_000);
    const c = await handler(sqsOf(...delayed.map((m) => JSON.parse(m.MessageBody))), lambdaContext());
    // Assess
    expect([a, b, c].flatMap((r) => r.batchItemFailures)).toEqual([]);
    expect(delayed).toHaveLength(1);
    expect(delayed[0]).toMatchObject({
      QueueUrl: expect.stringContaining('smartdoor-identification'),
      DelaySeconds: 5,
    });
    expect(aws.entries.map((e) => [e.DetailType, e.Detail.metadata])).toEqual([
      [DetailType.EntryIdentified, expect.objectContaining({ thingName: 'door-1' })],
      [DetailType.EntryUnidentified, expect.objectContaining({ thingName: 'door-2' })],
    ]);
    expect(aws.publishes.map((p) => p.topic)).toEqual(['smartdoor/door-2/commands']);
  });
});

describe('Function: readIdentificationEnv', () => {
  it('lists every missing or bad variable at once', () => {
    // Prepare / Act
    const read = () => readIdentificationEnv({ QUEUE_URL: 'not a url', BADGE_WINDOW_SECONDS: '0' });
    // Assess
    expect(read).toThrow(
      /EVENT_BUS_NAME.*QUEUE_URL.*IDEMPOTENCY_TABLE.*CORRELATION_TABLE.*BADGE_TABLE.*IOT_DATA_ENDPOINT.*BADGE_WINDOW_SECONDS/,
    );
  });
});
