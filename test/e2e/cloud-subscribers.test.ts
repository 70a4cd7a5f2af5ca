/**
 * Bus rule -> queue (DLQ, max receive count) -> subscriber, as on AWS: a door opening
 * published over MQTT reaches the `identification` subscriber as an SQS event; a subscriber
 * that keeps failing sends it to the dead-letter queue, from which it is redriven.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { LocalCloud, LocalCloudEndpoints, LocalSqsHandler } from '@smartdoor/cloud';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/test-cloud.js';

const run = promisify(execFile);

describe('Method: LocalCloud.registerHandler', () => {
  let test: TestCloud;
  let cloud: LocalCloud;
  let endpoints: LocalCloudEndpoints;
  let behaviour: LocalSqsHandler = async () => ({ batchItemFailures: [] });
  const seen: Array<{ body: Record<string, unknown>; record: Record<string, unknown> }> = [];

  async function openDoor(thingName: string): Promise<string> {
    const key = randomUUID();
    const event = {
      schemaVersion: 1,
      type: 'door.state.changed',
      thingName,
      seq: 1,
      occurredAt: '2026-11-22T12:00:00.123Z',
      idempotencyKey: key,
      state: 'open',
    };
    const port = new URL(endpoints.mqtt!).port;
    await run('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      port,
      '-i',
      thingName,
      '-t',
      `smartdoor/${thingName}/events`,
      '-m',
      JSON.stringify(event),
      '-q',
      '1',
    ]);
    return key;
  }

  const keyOf = (body: Record<string, unknown>) =>
    (body.detail as { metadata: { 'idempotency-key': string } }).metadata['idempotency-key'];

  beforeAll(async () => {
    // Plain MQTT on: mosquitto_pub publishes without a certificate.
    test = await startTestCloud('cloud-subscribers', {
      config: { mqttPort: 0 },
      options: { subscriberQueues: { visibilityTimeoutSeconds: 0, maxReceiveCount: 2, pollIntervalMs: 20 } },
    });
    ({ cloud, endpoints } = test);
    cloud.registerHandler('identification', async (event, context) => {
      for (const record of event.Records)
        seen.push({ body: JSON.parse(record.body), record: record as never });
      return behaviour(event, context);
    });
  });

  afterAll(async () => {
    await test?.close();
  });

  it('invokes the subscriber with an SQS event holding the bus event of a door opening', async () => {
    // Prepare
    behaviour = async () => ({ batchItemFailures: [] });

    // Act
    const key = await openDoor('door-101');

    // Assess
    await vi.waitFor(() => expect(seen.some((s) => keyOf(s.body) === key)).toBe(true), { timeout: 10_000 });
    const got = seen.find((s) => keyOf(s.body) === key)!;
    expect(got.body).toMatchObject({ 'detail-type': 'Door State Changed', source: 'smartdoor.device' });
    expect(got.record).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:smartdoor-identification',
      awsRegion: 'us-east-1',
      attributes: { ApproximateReceiveCount: '1' },
    });
  });

  it('dead-letters a message the subscriber keeps failing, and redrives it', async () => {
    // Prepare
    behaviour = async (event) => ({
      batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })),
    });

    // Act
    const key = await openDoor('door-102');
    await vi.waitFor(
      () =>
        expect(cloud.queues.peek('smartdoor-identification-dlq', 10).some((m) => m.body.includes(key))).toBe(
          true,
        ),
      { timeout: 10_000 },
    );
    const attempts = seen.filter((s) => keyOf(s.body) === key).length;
    const dead = cloud.subscribers.deadLetters().find((d) => d.queue === 'smartdoor-identification-dlq');
    behaviour = async () => ({ batchItemFailures: [] });
    const moved = cloud.subscribers.redrive([dead!.id]);
    await vi.waitFor(() => expect(seen.filter((s) => keyOf(s.body) === key)).toHaveLength(3), {
      timeout: 10_000,
    });

    // Assess
    expect(attempts).toBe(2);
    expect(dead).toMatchObject({ detailType: 'Door State Changed', thingName: 'door-102', attempts: 2 });
    expect(moved).toBe(1);
    await vi.waitFor(() =>
      expect([
        cloud.queues.depth('smartdoor-identification'),
        cloud.queues.depth('smartdoor-identification-dlq'),
      ]).toEqual([
        { visible: 0, inFlight: 0 },
        { visible: 0, inFlight: 0 },
      ]),
    );
    // Presence events wait for the notification subscriber, which this test does not register.
    expect(cloud.subscribers.backlog().queues).toBeGreaterThan(0);
  });
});
