import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DoorAgent } from '@smartdoor/device/agent';
import { SimulatedBadgeReader, SimulatedBuzzer } from '@smartdoor/device/inputs/simulated-badge-reader';
import { SimulatedDoorSensor } from '@smartdoor/device/inputs/simulated-door-sensor';
import { MemoryOutbox } from '@smartdoor/device/outbox/memory-outbox';
import { MqttJsTransport } from '@smartdoor/device/transport/mqttjs-transport';
import {
  type BusEvent,
  DetailType,
  EventSource,
  newIdempotencyKey,
  parseAgentConfig,
  thingArn,
} from '@smartdoor/shared';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyWebhook } from '../../cloud/src/handlers/notification/webhook.js';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../cloud/src/idempotency/testing/webhook-receiver.js';
import { LocalCloud } from '../../cloud/src/local/local-cloud.js';
import { installLocalSubscribers, type LocalSubscribers } from '../../cloud/src/local/subscribers.js';
import { waitUntilSettled } from '../support/settled.js';

// End to end on the local cloud: the real DoorAgent (MQTT.js over the embedded broker),
// ingest, the local bus and its rules, the subscriber queues, and the subscribers'
// Lambda-style handlers, the local IoT Data Plane for the buzzer; a real HTTP server
// receives the webhook.
// Roles: `hook` the webhook receiver, `events` every event on the bus, `door(name)` an agent.
const SECRET = 'e2e-badge-secret-0123456789';
const WEBHOOK_SECRET = 'e2e-webhook-secret';
const ALICE_BADGE = '0A00001000';

let dir: string;
let hook: WebhookReceiver;
let cloud: LocalCloud;
let subscribers: LocalSubscribers;
let aws: string;
const events: BusEvent[] = [];
const stops: Array<() => Promise<void>> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'smartdoor-subs-'));
  hook = await startWebhookReceiver();
  const badgesFile = join(dir, 'badges.json');
  writeFileSync(
    badgesFile,
    JSON.stringify({ badgeSecret: SECRET, badges: [{ badgeId: ALICE_BADGE, personId: 'alice' }] }),
  );
  cloud = new LocalCloud(
    {
      dataDir: join(dir, 'cloud'),
      mqttPort: 0,
      mqttsPort: 0,
      awsPort: 0,
      httpPort: 0,
      webhookUrl: hook.url,
      webhookSecret: WEBHOOK_SECRET,
      badgesFile,
      badgeWindowSeconds: 1,
    },
    { logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }), dashboard: false },
  );
  const endpoints = await cloud.start();
  aws = endpoints.aws;
  subscribers = await installLocalSubscribers(cloud, {
    webhook: { attempts: 3, backoffBaseMs: 20, timeoutMs: 2_000 },
  });
  // A failed message comes back after 1 s and goes to the DLQ at its 3rd receive (SetQueueAttributes, as on AWS).
  cloud.queues.createQueue('smartdoor-notification', {
    visibilityTimeoutSeconds: 1,
    maxReceiveCount: 2,
    deadLetterQueue: 'smartdoor-notification-dlq',
  });
  cloud.subscribeBus((e) => events.push(e));
});

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  subscribers?.stop();
  await cloud?.stop();
  await hook?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function door(thingName: string) {
  const sensor = new SimulatedDoorSensor();
  const reader = new SimulatedBadgeReader();
  const buzzer = new SimulatedBuzzer();
  const agent = new DoorAgent({
    config: parseAgentConfig({
      thingName,
      dataDir: dir,
      mqtt: { endpoint: cloud.endpoints!.mqtt!, transport: 'mqtt' },
      badgeReader: { enabled: true, path: 'simulated' },
      reedSwitch: { driver: 'simulated' },
      door: { debounceMs: 0 },
      logLevel: 'error',
    }),
    sensor,
    badgeReader: reader,
    buzzer,
    transport: new MqttJsTransport({
      url: cloud.endpoints!.mqtt!,
      reconnect: { initialDelayMs: 100, maxDelayMs: 1_000 },
    }),
    outbox: new MemoryOutbox(),
    badgeSecret: SECRET,
    logger: pino({ level: 'silent' }),
  });
  await agent.start();
  stops.push(() => agent.stop());
  await vi.waitFor(() => expect(cloud.broker.connectedClientIds).toContain(thingName), { timeout: 10_000 });
  return { sensor, reader, buzzer };
}

const of = (thing: string, type: string) =>
  events.filter(
    (e) =>
      e['detail-type'] === type &&
      (e.detail as { metadata: { thingName: string } }).metadata.thingName === thing,
  );
const hooksFor = (thing: string) =>
  hook.calls.filter((c) => (JSON.parse(c.body) as { thingName: string }).thingName === thing);

describe('Subscribers on the local cloud', () => {
  it('identifies a door opened with a known badge and notifies no one', async () => {
    // Prepare
    const d = await door('door-e2e-1');
    // Act
    d.reader.scan(ALICE_BADGE);
    d.sensor.open();
    // Assess
    await vi.waitFor(() => expect(of('door-e2e-1', DetailType.EntryIdentified)).toHaveLength(1), {
      timeout: 15_000,
    });
    expect(of('door-e2e-1', DetailType.EntryIdentified)[0]!.detail).toMatchObject({ personId: 'alice' });
    await waitUntilSettled(cloud); // the opening's window check (if any) handled
    expect(of('door-e2e-1', DetailType.EntryUnidentified)).toEqual([]);
    expect(hooksFor('door-e2e-1')).toEqual([]);
    expect(d.buzzer.sounds).toEqual([]);
  });

  it('declares an opening without a badge unidentified, calls the webhook once with a valid signature and sounds the buzzer', async () => {
    // Prepare
    const d = await door('door-e2e-2');
    // Act
    d.sensor.open();
    // Assess
    await vi.waitFor(() => expect(hooksFor('door-e2e-2')).toHaveLength(1), { timeout: 15_000 });
    await vi.waitFor(() => expect(d.buzzer.sounds).toEqual([2000]), { timeout: 10_000 });
    const unidentified = of('door-e2e-2', DetailType.EntryUnidentified);
    expect(unidentified).toHaveLength(1);
    expect(unidentified[0]!.detail).toMatchObject({ reason: 'no-badge' });
    const call = hooksFor('door-e2e-2')[0]!;
    expect(
      verifyWebhook(
        WEBHOOK_SECRET,
        {
          timestamp: call.headers['x-smartdoor-timestamp'] as string,
          signature: call.headers['x-smartdoor-signature'] as string,
        },
        call.body,
      ),
    ).toBeUndefined();
    await vi.waitFor(() =>
      expect(of('door-e2e-2', DetailType.NotificationSent).length).toBeGreaterThanOrEqual(2),
    );
    await waitUntilSettled(cloud);
    expect(hooksFor('door-e2e-2')).toHaveLength(1);
  });

  it('acts once when the same event is put on the bus 5 times at once', async () => {
    // Prepare
    const client = new EventBridgeClient({
      endpoint: aws,
      region: cloud.config.region,
      credentials: cloud.config.credentials,
    });
    const key = newIdempotencyKey();
    const entry = {
      Source: EventSource.Device,
      DetailType: DetailType.DoorStateChanged,
      Detail: JSON.stringify({
        metadata: { 'idempotency-key': key, seq: 7, thingName: 'door-e2e-3' },
        state: 'open',
      }),
      Time: new Date(),
      Resources: [thingArn(cloud.config.region, cloud.config.accountId, 'door-e2e-3')],
      EventBusName: cloud.config.eventBusName,
    };
    // Act
    await Promise.all(
      Array.from({ length: 5 }, () => client.send(new PutEventsCommand({ Entries: [entry] }))),
    );
    // Assess
    await vi.waitFor(() => expect(hooksFor('door-e2e-3')).toHaveLength(1), { timeout: 15_000 });
    await waitUntilSettled(cloud); // every copy and its window check handled
    expect(of('door-e2e-3', DetailType.EntryUnidentified)).toHaveLength(1);
    expect(hooksFor('door-e2e-3')).toHaveLength(1);
    client.destroy();
  });

  it('retries a webhook that is down, dead-letters the message with the reason on the bus, and delivers once after a redrive', async () => {
    // Prepare
    hook.status = 503;
    const d = await door('door-e2e-4');
    // Act
    d.sensor.open();
    await vi.waitFor(() => expect(cloud.queues.depth('smartdoor-notification-dlq').visible).toBe(1), {
      timeout: 25_000,
    });
    const whileDown = hooksFor('door-e2e-4').length;
    hook.status = 200;
    const moved = cloud.queues.redrive('smartdoor-notification-dlq', 'smartdoor-notification');
    // Assess
    expect(whileDown).toBe(6); // 2 receives x 3 attempts with backoff
    expect(moved).toBe(1);
    const failed = of('door-e2e-4', DetailType.NotificationFailed);
    expect(failed[0]!.detail).toMatchObject({ channel: 'webhook', attempts: 3 });
    expect(String((failed[0]!.detail as { error: string }).error)).toMatch(/webhook unreachable: HTTP 503/);
    await vi.waitFor(() => expect(hooksFor('door-e2e-4').filter((c) => c.answered === 200)).toHaveLength(1), {
      timeout: 15_000,
    });
    await waitUntilSettled(cloud);
    expect(hooksFor('door-e2e-4').filter((c) => c.answered === 200)).toHaveLength(1);
    expect(cloud.queues.depth('smartdoor-notification-dlq').visible).toBe(0);
  }, 60_000);
});
