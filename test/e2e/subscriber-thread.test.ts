import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type BusEvent, DetailType, EventSource, newIdempotencyKey, thingArn } from '@smartdoor/shared';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SubscriberQueues } from '../../cloud/src/local/iot/subscriber-queues.js';
import { LocalCloud } from '../../cloud/src/local/local-cloud.js';
import {
  installThreadedSubscribers,
  SUBSCRIBERS_DB_FILE,
} from '../../cloud/src/local/subscriber-thread/subscriber-thread.js';

// Roles: `cloud` is the real local cloud in this thread; the identification and
// notification subscribers run in their worker thread, reached only through the queue's
// event source mapping, the cloud's AWS endpoint and their own SQLite file.
let dir: string;
let cloud: LocalCloud;
let subscribers: { stop(): Promise<void> };
const events: BusEvent[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'smartdoor-subthread-'));
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
      dashboard: false,
      // One receive, then the dead-letter queue: a failing message shows its reason at once.
      subscriberQueues: { maxReceiveCount: 1, visibilityTimeoutSeconds: 0, pollIntervalMs: 50 },
    },
  );
  await cloud.start();
  cloud.subscribeBus((e) => events.push(e));
  subscribers = await installThreadedSubscribers(cloud);
}, 60_000);

afterAll(async () => {
  await subscribers?.stop();
  await cloud?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Function: installThreadedSubscribers', () => {
  it('settles an opening without a badge in the thread: its delayed check comes back over the thread to the queue', async () => {
    // Prepare
    const client = new EventBridgeClient({
      endpoint: cloud.endpoints!.aws,
      region: cloud.config.region,
      credentials: cloud.config.credentials,
    });
    const thingName = 'door-thread-1';
    const key = newIdempotencyKey();
    // Act
    await client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: EventSource.Device,
            DetailType: DetailType.DoorStateChanged,
            Detail: JSON.stringify({
              metadata: { 'idempotency-key': key, seq: 1, thingName },
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
    // Assess: the result on the bus, the opening in the subscribers' own file only
    await vi.waitFor(
      () =>
        expect(
          events.filter(
            (e) =>
              e['detail-type'] === DetailType.EntryUnidentified &&
              (e.detail as { metadata?: { thingName?: string } }).metadata?.thingName === thingName,
          ),
        ).toHaveLength(1),
      { timeout: 15_000 },
    );
    const own = new Database(join(dir, 'cloud', SUBSCRIBERS_DB_FILE), { readonly: true });
    expect(own.prepare('SELECT key FROM identification_openings').all()).toEqual([{ key }]);
    own.close();
    const stateTables = cloud.db
      .prepare("SELECT name FROM sqlite_master WHERE name = 'identification_openings'")
      .all();
    expect(stateTables).toEqual([]);
  }, 30_000);

  it("keeps the thread's reason with a message it failed, up to the dead-letter queue", async () => {
    // Prepare
    const queue = SubscriberQueues.queueName('identification');
    // Act
    cloud.queues.send(queue, '{"not": "a bus event"');
    // Assess
    await vi.waitFor(() => expect(cloud.queues.peek(`${queue}-dlq`)).toHaveLength(1), { timeout: 10_000 });
    const [dead] = cloud.queues.peek(`${queue}-dlq`);
    expect(dead!.lastError).toMatch(/malformed JSON/);
    expect(existsSync(join(dir, 'cloud', SUBSCRIBERS_DB_FILE))).toBe(true);
  }, 30_000);
});
