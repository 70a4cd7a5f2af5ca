import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type BusEvent, DetailType, EventSource, newIdempotencyKey, thingArn } from '@smartdoor/shared';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../cloud/src/idempotency/testing/webhook-receiver.js';
import { LocalCloud } from '../../cloud/src/local/local-cloud.js';
import { installLocalSubscribers, type LocalSubscribers } from '../../cloud/src/local/subscribers.js';

// The delayed window check is a queue message, not a timer: an opening still waiting for
// its badge when the local cloud stops is settled after the restart, once.
let dir: string;
let hook: WebhookReceiver;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'smartdoor-restart-'));
  hook = await startWebhookReceiver();
});
afterAll(async () => {
  await hook.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<{ cloud: LocalCloud; subscribers: LocalSubscribers; events: BusEvent[] }> {
  const cloud = new LocalCloud(
    {
      dataDir: join(dir, 'cloud'),
      mqttPort: null,
      mqttsPort: 0,
      awsPort: 0,
      httpPort: 0,
      webhookUrl: hook.url,
      webhookSecret: 'restart-secret',
      badgeWindowSeconds: 5,
    },
    { logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }), dashboard: false },
  );
  await cloud.start();
  const events: BusEvent[] = [];
  cloud.subscribeBus((e) => events.push(e));
  const subscribers = await installLocalSubscribers(cloud);
  return { cloud, subscribers, events };
}

describe('Subscribers across a local cloud restart', () => {
  it('settles an opening left waiting for its badge when the cloud stopped, once', async () => {
    // Prepare
    const first = await start();
    const client = new EventBridgeClient({
      endpoint: first.cloud.endpoints!.aws,
      region: first.cloud.config.region,
      credentials: first.cloud.config.credentials,
    });
    const detail = {
      metadata: { 'idempotency-key': newIdempotencyKey(), seq: 1, thingName: 'door-rs-1' },
      state: 'open',
    };
    await client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: EventSource.Device,
            DetailType: DetailType.DoorStateChanged,
            Detail: JSON.stringify(detail),
            Time: new Date(),
            Resources: [thingArn('us-east-1', '000000000000', 'door-rs-1')],
            EventBusName: first.cloud.config.eventBusName,
          },
        ],
      }),
    );
    client.destroy();
    // Bus -> queue -> handler takes well under this; the check is due 5 s after the opening.
    await new Promise((r) => setTimeout(r, 1_500));
    const waiting = first.cloud.queues
      .peek('smartdoor-identification')
      .map((m) => (JSON.parse(m.body) as BusEvent)['detail-type']);
    // Act
    first.subscribers.stop();
    await first.cloud.stop();
    const unidentifiedBefore = first.events.filter(
      (e) => e['detail-type'] === DetailType.EntryUnidentified,
    ).length;
    const second = await start();
    // Assess
    await vi.waitFor(() => expect(hook.calls).toHaveLength(1), { timeout: 15_000 });
    expect(waiting).toEqual(['Identification Check Due']);
    expect(unidentifiedBefore).toBe(0);
    expect(second.events.filter((e) => e['detail-type'] === DetailType.EntryUnidentified)).toHaveLength(1);
    expect(JSON.parse(hook.calls[0]!.body)).toMatchObject({
      thingName: 'door-rs-1',
      reason: 'entry-unidentified:no-badge',
    });
    second.subscribers.stop();
    await second.cloud.stop();
  });
});
