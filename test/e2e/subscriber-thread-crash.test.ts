import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type BusEvent, DetailType, EventSource, newIdempotencyKey, thingArn } from '@smartdoor/shared';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalCloud } from '../../cloud/src/local/local-cloud.js';
import { installThreadedSubscribers } from '../../cloud/src/local/subscriber-thread/subscriber-thread.js';

// Roles: `cloud` is the real local cloud; its subscriber thread is the real one, wrapped by
// testing/crash-once-thread.ts so that it crashes when its first invocation arrives.
let dir: string;
let cloud: LocalCloud;
let subscribers: { stop(): Promise<void>; readonly restarts: number };
const events: BusEvent[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'smartdoor-subcrash-'));
  cloud = new LocalCloud(
    {
      dataDir: join(dir, 'cloud'),
      mqttPort: null,
      mqttsPort: 0,
      awsPort: 0,
      httpPort: 0,
      badgeWindowSeconds: 1,
    },
    {
      logger: pino({ level: 'silent' }),
      // A message whose invocation died comes back after 1 s, and may come back twice.
      subscriberQueues: { maxReceiveCount: 3, visibilityTimeoutSeconds: 1, pollIntervalMs: 50 },
    },
  );
  await cloud.start();
  cloud.subscribeBus((e) => events.push(e));
  subscribers = await installThreadedSubscribers(cloud, {
    threadModule: new URL(
      '../../cloud/src/local/subscriber-thread/testing/crash-once-thread.ts',
      import.meta.url,
    ),
  });
}, 60_000);

afterAll(async () => {
  await subscribers?.stop();
  await cloud?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Function: installThreadedSubscribers, when the thread crashes', () => {
  it('restarts the thread, counts the crash, and the message in flight is handled by the new thread', async () => {
    // Prepare
    const client = new EventBridgeClient({
      endpoint: cloud.endpoints!.aws,
      region: cloud.config.region,
      credentials: cloud.config.credentials,
    });
    const thingName = 'door-crash-1';
    // Act: an opening without a badge; its invocation is the one the thread dies in
    await client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: EventSource.Device,
            DetailType: DetailType.DoorStateChanged,
            Detail: JSON.stringify({
              metadata: { 'idempotency-key': newIdempotencyKey(), seq: 1, thingName },
              state: 'open',
            }),
            Time: new Date(),
            Resources: [thingArn(cloud.config.region, cloud.config.accountId, thingName)],
            EventBusName: cloud.config.eventBusName,
          },
        ],
      }),
    );
    client.destroy();
    // Assess: one result (by its key: a retry may put it again, and consumers drop repeats)
    const results = () =>
      events.filter(
        (e) =>
          e['detail-type'] === DetailType.EntryUnidentified &&
          (e.detail as { metadata?: { thingName?: string } }).metadata?.thingName === thingName,
      );
    await vi.waitFor(() => expect(results().length).toBeGreaterThan(0), { timeout: 20_000 });
    const keys = new Set(
      results().map(
        (e) => (e.detail as { metadata: { 'idempotency-key': string } }).metadata['idempotency-key'],
      ),
    );
    expect(keys.size).toBe(1);
    expect(subscribers.restarts).toBe(1);
    expect(cloud.queues.peek('smartdoor-identification-dlq')).toEqual([]);
    const metrics = await (await fetch(`${cloud.endpoints!.dashboard}/metrics`)).text();
    expect(metrics).toMatch(/smartdoor_errors_total\{reason="subscriber-thread-crashed"\} 1\b/);
  }, 40_000);
});
