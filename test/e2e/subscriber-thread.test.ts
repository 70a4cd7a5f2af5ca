import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type BusEvent, DetailType, EventSource, newIdempotencyKey, thingArn } from '@smartdoor/shared';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SubscriberQueues } from '../../cloud/src/local/iot/subscriber-queues.js';
import type { LocalCloud, LocalCloudOptions } from '../../cloud/src/local/local-cloud.js';
import {
  installThreadedSubscribers,
  SUBSCRIBERS_DB_FILE,
  type ThreadedSubscribers,
} from '../../cloud/src/local/subscriber-thread/subscriber-thread.js';
import { startTestCloud, type TestCloud } from '../support/test-cloud.js';

// Roles: `cloud` is the real local cloud in this thread; the identification and
// notification subscribers run in their worker thread, reached only through the queue's
// event source mapping, the thread's port and their own SQLite file.

interface ThreadedCloud extends TestCloud {
  subscribers: ThreadedSubscribers;
  events: BusEvent[];
}

async function startThreadedCloud(
  prefix: string,
  subscriberQueues: LocalCloudOptions['subscriberQueues'],
  threadModule?: URL,
): Promise<ThreadedCloud> {
  const t = await startTestCloud(prefix, {
    config: { badgeWindowSeconds: 1 },
    options: { dashboard: true, subscriberQueues },
  });
  const events: BusEvent[] = [];
  t.cloud.subscribeBus((e) => events.push(e));
  const subscribers = await installThreadedSubscribers(t.cloud, threadModule ? { threadModule } : {});
  return {
    ...t,
    subscribers,
    events,
    close: async () => {
      await subscribers.stop();
      await t.close();
    },
  };
}

/** A door opening without a badge, put through the cloud's endpoint as a device event. */
async function putOpening(cloud: LocalCloud, thingName: string, key = newIdempotencyKey()): Promise<void> {
  const client = new EventBridgeClient({
    endpoint: cloud.endpoints!.aws,
    region: cloud.config.region,
    credentials: cloud.config.credentials,
  });
  await client.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: EventSource.Device,
          DetailType: DetailType.DoorStateChanged,
          Detail: JSON.stringify({ metadata: { 'idempotency-key': key, seq: 1, thingName }, state: 'open' }),
          Time: new Date(),
          Resources: [thingArn(cloud.config.region, cloud.config.accountId, thingName)],
          EventBusName: cloud.config.eventBusName,
        },
      ],
    }),
  );
  client.destroy();
}

/** The Entry Unidentified results of a door on the bus. */
const unidentified = (events: BusEvent[], thingName: string) =>
  events.filter(
    (e) =>
      e['detail-type'] === DetailType.EntryUnidentified &&
      (e.detail as { metadata?: { thingName?: string } }).metadata?.thingName === thingName,
  );

describe('Function: installThreadedSubscribers', () => {
  let t: ThreadedCloud;
  beforeAll(async () => {
    // One receive, then the dead-letter queue: a failing message shows its reason within a
    // second. (Not 0 s: a message still in its handler's hands would be visible again and
    // received a second time, which sends it to the dead-letter queue.)
    t = await startThreadedCloud('smartdoor-subthread', {
      maxReceiveCount: 1,
      visibilityTimeoutSeconds: 1,
      pollIntervalMs: 50,
    });
  }, 60_000);
  afterAll(() => t?.close());

  it('settles an opening without a badge in the thread: its delayed check comes back over the thread to the queue', async () => {
    // Prepare
    const thingName = 'door-thread-1';
    const key = newIdempotencyKey();
    const commands: unknown[] = [];
    const off = t.cloud.broker.onMessage(`smartdoor/${thingName}/commands`, (m) => {
      commands.push(JSON.parse(m.payload.toString()));
    });
    // Act
    await putOpening(t.cloud, thingName, key);
    // Assess: the result on the bus, the buzzer command through the broker (the thread's
    // Publish over its port), the opening in the subscribers' own file only
    await vi.waitFor(() => expect(unidentified(t.events, thingName)).toHaveLength(1), { timeout: 15_000 });
    await vi.waitFor(() => expect(commands).toEqual([expect.objectContaining({ name: 'buzzer' })]));
    off();
    const own = new Database(join(t.dir, 'cloud', SUBSCRIBERS_DB_FILE), { readonly: true });
    expect(own.prepare('SELECT key FROM identification_openings').all()).toEqual([{ key }]);
    own.close();
    const stateTables = t.cloud.db
      .prepare("SELECT name FROM sqlite_master WHERE name = 'identification_openings'")
      .all();
    expect(stateTables).toEqual([]);
  }, 30_000);

  it("keeps the thread's reason with a message it failed, up to the dead-letter queue", async () => {
    // Prepare
    const queue = SubscriberQueues.queueName('identification');
    // Act
    t.cloud.queues.send(queue, '{"not": "a bus event"');
    // Assess
    await vi.waitFor(() => expect(t.cloud.queues.peek(`${queue}-dlq`)).toHaveLength(1), { timeout: 10_000 });
    const [dead] = t.cloud.queues.peek(`${queue}-dlq`);
    expect(dead!.lastError).toMatch(/malformed JSON/);
    expect(existsSync(join(t.dir, 'cloud', SUBSCRIBERS_DB_FILE))).toBe(true);
  }, 30_000);
});

describe('Function: installThreadedSubscribers, when the thread crashes', () => {
  let t: ThreadedCloud;
  beforeAll(async () => {
    // The real thread, wrapped to crash when its first invocation arrives. A message whose
    // invocation died comes back after 1 s, and may come back twice.
    t = await startThreadedCloud(
      'smartdoor-subcrash',
      { maxReceiveCount: 3, visibilityTimeoutSeconds: 1, pollIntervalMs: 50 },
      new URL('../../cloud/src/local/subscriber-thread/testing/crash-once-thread.ts', import.meta.url),
    );
  }, 60_000);
  afterAll(() => t?.close());

  it('restarts the thread, counts the crash, and the message in flight is handled by the new thread', async () => {
    // Prepare
    const thingName = 'door-crash-1';
    // Act: the opening's invocation is the one the thread dies in
    await putOpening(t.cloud, thingName);
    // Assess: one result (by its key: a retry may put it again, and consumers drop repeats)
    await vi.waitFor(() => expect(unidentified(t.events, thingName).length).toBeGreaterThan(0), {
      timeout: 20_000,
    });
    const keys = new Set(
      unidentified(t.events, thingName).map(
        (e) => (e.detail as { metadata: { 'idempotency-key': string } }).metadata['idempotency-key'],
      ),
    );
    expect(keys.size).toBe(1);
    expect(t.subscribers.restarts).toBe(1);
    expect(t.cloud.queues.peek(`${SubscriberQueues.queueName('identification')}-dlq`)).toEqual([]);
    const metrics = await (await fetch(`${t.cloud.endpoints!.dashboard}/metrics`)).text();
    expect(metrics).toMatch(/smartdoor_errors_total\{reason="subscriber-thread-crashed"\} 1\b/);
  }, 40_000);
});

describe('Function: installThreadedSubscribers, stopped while an invocation runs', () => {
  let t: ThreadedCloud;
  beforeAll(async () => {
    // A failed message goes straight to the dead-letter queue: a failure cannot hide in a retry.
    t = await startThreadedCloud('smartdoor-substop', {
      maxReceiveCount: 1,
      visibilityTimeoutSeconds: 1,
      pollIntervalMs: 50,
    });
  }, 60_000);
  afterAll(() => t?.close());

  it('lets the invocation finish before it closes the database: its result is put, its message deleted', async () => {
    // Prepare: hold the identification result's PutEvents, so the invocation is mid-flight.
    const thingName = 'door-stop-1';
    let held!: () => void;
    const reached = new Promise<void>((resolve) => {
      held = resolve;
    });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const put = t.cloud.bus.putEventsGrouped.bind(t.cloud.bus);
    const spy = vi.spyOn(t.cloud.bus, 'putEventsGrouped').mockImplementation(async (entries) => {
      if (entries.some((e) => e.Source === EventSource.Identification)) {
        held();
        await gate;
      }
      return put(entries);
    });
    await putOpening(t.cloud, thingName);
    await reached;
    // Act: stop the thread while the invocation waits, then let it go on
    const stopped = t.subscribers.stop();
    await new Promise((r) => setTimeout(r, 200));
    release();
    await stopped;
    // Assess
    spy.mockRestore();
    expect(unidentified(t.events, thingName)).toHaveLength(1);
    const queue = SubscriberQueues.queueName('identification');
    await new Promise((r) => setTimeout(r, 1_500)); // past the visibility timeout
    expect(t.cloud.queues.peek(`${queue}-dlq`)).toEqual([]);
    expect(t.cloud.queues.depth(queue)).toEqual({ visible: 0, inFlight: 0 });
  }, 30_000);
});

describe('Function: installThreadedSubscribers, stopped with a backlog', () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await startTestCloud('smartdoor-subbacklog', {
      options: { subscriberQueues: { maxReceiveCount: 5, visibilityTimeoutSeconds: 30, pollIntervalMs: 50 } },
    });
  }, 60_000);
  afterAll(() => t?.close());

  it('uses up no receive of the messages it did not handle', async () => {
    // Prepare: a backlog waiting before the thread starts (malformed: each one it handles fails)
    const queue = SubscriberQueues.queueName('notification');
    for (let i = 0; i < 2_000; i++) t.cloud.queues.send(queue, `{"not": "a bus event ${i}"}`);
    const subscribers = await installThreadedSubscribers(t.cloud, { logLevel: 'silent' });
    // Act: stopped at once, as on Ctrl-C, then the cloud's own stop a moment later
    await subscribers.stop();
    await new Promise((r) => setTimeout(r, 200));
    // Assess: a receive was counted only for a message the thread failed, with its reason
    const messages = t.cloud.queues.peek(queue, 5_000);
    expect(messages).toHaveLength(2_000);
    const counted = messages.filter((m) => m.receiveCount > 0);
    expect(
      counted.filter(
        (m) => !/SubscriberMessageFailedError: notification failed message/.test(m.lastError ?? ''),
      ),
    ).toEqual([]);
    expect(counted.filter((m) => /stopp/.test(m.lastError ?? ''))).toEqual([]);
    expect(counted.length).toBeLessThan(1_000);
    expect(t.cloud.queues.depth(queue).visible).toBe(2_000 - counted.length);
  }, 30_000);
});
