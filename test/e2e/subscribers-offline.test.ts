import { DoorAgent } from '@smartdoor/device/agent';
import { SimulatedBadgeReader, SimulatedBuzzer } from '@smartdoor/device/inputs/simulated-badge-reader';
import { SimulatedDoorSensor } from '@smartdoor/device/inputs/simulated-door-sensor';
import { MemoryOutbox } from '@smartdoor/device/outbox/memory-outbox';
import { MqttJsTransport } from '@smartdoor/device/transport/mqttjs-transport';
import { type BusEvent, DetailType, parseAgentConfig } from '@smartdoor/shared';
import { Command } from 'commander';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NotificationConfigError } from '../../cloud/src/handlers/notification/errors.js';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../cloud/src/idempotency/testing/webhook-receiver.js';
import type { LocalCloud } from '../../cloud/src/local/local-cloud.js';
import {
  addSubscriberOptions,
  installLocalSubscribers,
  type LocalSubscribers,
  subscriberConfigFromFlags,
} from '../../cloud/src/local/subscribers.js';
import { waitUntilSettled } from '../support/settled.js';
import { startTestCloud, type TestCloud } from '../support/test-cloud.js';

// The offline grace period end to end: the real agent disconnects from the local cloud's
// broker, IoT lifecycle events become Device Disconnected / Connected on the bus, and the
// notification subscriber alerts only when no reconnect came within the grace period.
let test: TestCloud;
let dir: string;
let hook: WebhookReceiver;
let cloud: LocalCloud;
let subscribers: LocalSubscribers;
const events: BusEvent[] = [];

beforeAll(async () => {
  hook = await startWebhookReceiver();
  test = await startTestCloud('smartdoor-offline', {
    // Plain MQTT on: the agents connect without certificates.
    config: {
      mqttPort: 0,
      webhookUrl: hook.url,
      webhookSecret: 'offline-secret',
      offlineGraceSeconds: 2,
      notificationCollapseSeconds: 0,
    },
    options: { logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }) },
  });
  ({ cloud, dir } = test);
  subscribers = await installLocalSubscribers(cloud);
  cloud.subscribeBus((e) => events.push(e));
});

afterAll(async () => {
  subscribers?.stop();
  await test?.close();
  await hook?.close();
});

async function startAgent(thingName: string): Promise<DoorAgent> {
  const agent = new DoorAgent({
    config: parseAgentConfig({
      thingName,
      dataDir: dir,
      mqtt: { endpoint: cloud.endpoints!.mqtt!, transport: 'mqtt' },
      badgeReader: { enabled: true, path: 'simulated' },
      reedSwitch: { driver: 'simulated' },
      logLevel: 'error',
    }),
    sensor: new SimulatedDoorSensor(),
    badgeReader: new SimulatedBadgeReader(),
    buzzer: new SimulatedBuzzer(),
    transport: new MqttJsTransport({
      url: cloud.endpoints!.mqtt!,
      reconnect: { initialDelayMs: 100, maxDelayMs: 1_000 },
    }),
    outbox: new MemoryOutbox(),
    badgeSecret: 'offline-badge-secret-000',
    logger: pino({ level: 'silent' }),
  });
  await agent.start();
  await vi.waitFor(() => expect(cloud.broker.connectedClientIds).toContain(thingName), { timeout: 10_000 });
  return agent;
}

const presence = (thing: string, type: string) =>
  events.filter(
    (e) =>
      e['detail-type'] === type &&
      (e.detail as { metadata: { thingName: string } }).metadata.thingName === thing,
  );
const offlineHooks = (thing: string) =>
  hook.calls
    .map((c) => JSON.parse(c.body) as { thingName: string; reason: string })
    .filter((b) => b.thingName === thing);

describe('Offline grace period on the local cloud', () => {
  it('raises nothing when a door reconnects within the grace period', async () => {
    // Prepare
    const first = await startAgent('door-off-1');
    // Act
    await first.stop();
    const second = await startAgent('door-off-1');
    await vi.waitFor(() => expect(presence('door-off-1', DetailType.DeviceConnected)).toHaveLength(2), {
      timeout: 10_000,
    });
    await waitUntilSettled(cloud); // the disconnection's grace check handled
    // Assess
    expect(presence('door-off-1', DetailType.DeviceDisconnected)).toHaveLength(1);
    expect(offlineHooks('door-off-1')).toEqual([]);
    await second.stop();
  });

  it('notifies device-offline once when the door stays away past the grace period', async () => {
    // Prepare
    const agent = await startAgent('door-off-2');
    // Act
    await agent.stop();
    // Assess
    await vi.waitFor(() => expect(offlineHooks('door-off-2')).toHaveLength(1), { timeout: 15_000 });
    expect(offlineHooks('door-off-2')[0]).toMatchObject({ reason: 'device-offline' });
    await waitUntilSettled(cloud);
    expect(offlineHooks('door-off-2')).toHaveLength(1);
  });
});

describe('Function: subscriberConfigFromFlags', () => {
  it('maps the four flags of smartdoor cloud to CloudConfig fields, refusing a bad window', async () => {
    // Prepare
    const command = addSubscriberOptions(new Command('cloud').exitOverride()).action(() => {});
    // Act
    await command.parseAsync(
      [
        '--webhook-url',
        'http://127.0.0.1:9/h',
        '--webhook-secret',
        's',
        '--badges',
        'b.csv',
        '--badge-window-seconds',
        '5',
      ],
      { from: 'user' },
    );
    const mapped = subscriberConfigFromFlags(command.opts());
    // Assess
    expect(mapped).toEqual({
      webhookUrl: 'http://127.0.0.1:9/h',
      webhookSecret: 's',
      badgesFile: 'b.csv',
      badgeWindowSeconds: 5,
    });
    const bad = addSubscriberOptions(
      new Command('cloud').exitOverride().configureOutput({ writeErr: () => {} }),
    );
    await expect(bad.parseAsync(['--badge-window-seconds', '0'], { from: 'user' })).rejects.toThrow(
      /whole seconds 1-3600/,
    );
  });

  it('refuses a webhook URL without a secret', async () => {
    // Prepare
    const { createLocalSubscribers } = await import('../../cloud/src/local/subscribers.js');
    const { parseCloudConfig } = await import('@smartdoor/shared');
    // Act
    const make = () =>
      createLocalSubscribers({
        config: parseCloudConfig({ webhookUrl: 'http://127.0.0.1:9/h' }),
        db: cloud.db,
        eventBridge: { send: async () => ({}) } as never,
        iotData: { send: async () => ({}) } as never,
        enqueue: () => {},
        logger: pino({ level: 'silent' }),
      });
    // Assess
    expect(make).toThrow(NotificationConfigError);
    expect(make).toThrow(/webhookSecret is required/);
  });
});
