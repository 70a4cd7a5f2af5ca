/**
 * The ingest function's Lambda entry (Powertools logger, metrics and tracer) run as Lambda
 * would run it, with its EventBridge client pointed at the local cloud through the SDK's
 * standard AWS_ENDPOINT_URL_EVENTBRIDGE setting: the same core as in the local cloud.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/test-cloud.js';

describe('Function: handler (ingest Lambda entry)', () => {
  let test: TestCloud;
  const received: Array<{ detail: { metadata: { 'idempotency-key': string } } }> = [];

  beforeAll(async () => {
    test = await startTestCloud('ingest-lambda');
    test.cloud.subscribeBus((e) => received.push(e as never));
    vi.stubEnv('AWS_ENDPOINT_URL_EVENTBRIDGE', test.endpoints.aws);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    vi.stubEnv('EVENT_BUS_NAME', 'smartdoor');
    vi.stubEnv('ERROR_QUEUE_URL', 'https://sqs.us-east-1.amazonaws.com/000000000000/smartdoor-ingest-errors');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await test?.close();
  });

  it('puts the rule output on the configured bus, taking the account from the function ARN', async () => {
    // Prepare
    const { handler } = await import('@smartdoor/cloud/handlers/ingest/lambda');
    const key = randomUUID();
    const event = {
      schemaVersion: 1,
      type: 'device.heartbeat',
      thingName: 'door-001',
      seq: 3,
      occurredAt: '2026-11-22T12:00:00.123Z',
      idempotencyKey: key,
      uptimeSeconds: 10,
      doorState: 'closed',
      outboxDepth: 0,
      agentVersion: '0.1.0',
    };
    const ruleOutput = {
      payload: Buffer.from(JSON.stringify(event)).toString('base64'),
      thingName: 'door-001',
      clientId: 'door-001',
      receivedAt: Date.now(),
    };

    // Act
    const result = await handler(ruleOutput, {
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:smartdoor-ingest',
      awsRequestId: randomUUID(),
    });

    // Assess
    expect(result).toEqual({ received: 1, put: 1, invalid: 0 });
    await vi.waitFor(() =>
      expect(received.some((e) => e.detail.metadata['idempotency-key'] === key)).toBe(true),
    );
    expect(received.find((e) => e.detail.metadata['idempotency-key'] === key)).toMatchObject({
      'detail-type': 'Device Heartbeat',
      resources: ['arn:aws:iot:us-east-1:000000000000:thing/door-001'],
    });
  });
});
