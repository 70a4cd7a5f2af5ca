import { DetailType, EventSource, UnidentifiedReason } from '@smartdoor/shared';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqlitePersistenceLayer } from '../../idempotency/sqlite-persistence-layer.js';
import { SILENT_LOG } from '../../idempotency/sqs-types.js';
import { deviceEvent, HeldDelayQueue, lambdaContext, sqsOf } from '../../idempotency/testing/bus-events.js';
import { type RecordingAws, startRecordingAws } from '../../idempotency/testing/recording-aws.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../idempotency/testing/webhook-receiver.js';
import { DashboardChannel, LogChannel } from './channels.js';
import { createNotificationHandler } from './handler.js';
import type { Notification } from './notification.js';
import { SqliteNotificationStore } from './sqlite-notification-store.js';
import { SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER, verifyWebhook, WebhookChannel } from './webhook.js';

// Roles: `hook` is a real HTTP server receiving the webhook; `aws` records the events the
// handler puts through the real EventBridge SDK client; `delays` holds check messages.
const SECRET = 'webhook-secret-for-tests';
const T0 = Date.parse('2026-11-23T12:00:00.000Z');

let aws: RecordingAws;
let hook: WebhookReceiver;
let db: Database.Database;
let delays: HeldDelayQueue;
let dashboard: Notification[];
let now: number;
let sleeps: number[];
let dashboardFailures: number;

beforeEach(async () => {
  aws = await startRecordingAws();
  hook = await startWebhookReceiver();
  db = new Database(':memory:');
  delays = new HeldDelayQueue();
  dashboard = [];
  now = T0;
  sleeps = [];
  dashboardFailures = 0;
});
afterEach(async () => {
  await aws.close();
  await hook.close();
  db.close();
});

function makeHandler(settings: { collapseSeconds?: number; offlineGraceSeconds?: number } = {}) {
  return createNotificationHandler({
    ports: {
      store: new SqliteNotificationStore(db),
      channels: [
        new WebhookChannel({
          url: hook.url,
          secret: SECRET,
          attempts: 3,
          backoffBaseMs: 100,
          random: () => 1,
          sleep: async (ms) => {
            sleeps.push(ms);
          },
          now: () => now,
        }),
        new DashboardChannel((n) => {
          if (dashboardFailures > 0 && dashboardFailures--) throw new Error('dashboard sink down');
          dashboard.push(n);
        }),
        new LogChannel(SILENT_LOG),
      ],
      eventBridge: aws.eventBridge,
      delayQueue: delays,
      now: () => now,
      log: SILENT_LOG,
    },
    settings: { eventBusName: 'smartdoor', collapseSeconds: 60, offlineGraceSeconds: 30, ...settings },
    persistenceStore: new SqlitePersistenceLayer({ db }),
  });
}

const unidentified = (thing = 'door-1', reason: string = UnidentifiedReason.NoBadge) => ({
  ...deviceEvent(DetailType.EntryUnidentified, thing, new Date(now).toISOString(), {
    reason,
    openedAt: new Date(now).toISOString(),
  }),
  source: EventSource.Identification,
});
const presence = (type: string, thing: string, atMs: number) => ({
  ...deviceEvent(type, thing, new Date(atMs).toISOString(), { clientId: thing }),
  source: EventSource.Presence,
});

describe('Function: createNotificationHandler', () => {
  it('posts one signed webhook call and emits Notification Sent per channel for an unidentified entry', async () => {
    // Prepare
    const handler = makeHandler();
    const event = unidentified();
    // Act
    const res = await handler(sqsOf(event), lambdaContext());
    // Assess
    expect(res.batchItemFailures).toEqual([]);
    expect(hook.calls).toHaveLength(1);
    const call = hook.calls[0]!;
    const verdict = verifyWebhook(
      SECRET,
      {
        timestamp: call.headers[TIMESTAMP_HEADER.toLowerCase()] as string,
        signature: call.headers[SIGNATURE_HEADER.toLowerCase()] as string,
      },
      call.body,
      { now: () => now },
    );
    expect(verdict).toBeUndefined();
    expect(JSON.parse(call.body)).toMatchObject({
      thingName: 'door-1',
      reason: 'entry-unidentified:no-badge',
      subject: DetailType.EntryUnidentified,
      count: 1,
      sourceKey: event.detail.metadata['idempotency-key'],
    });
    expect(dashboard).toHaveLength(1);
    expect(aws.entries.map((e) => [e.Source, e.DetailType, e.Detail.channel])).toEqual([
      ['smartdoor.notification', DetailType.NotificationSent, 'webhook'],
      ['smartdoor.notification', DetailType.NotificationSent, 'dashboard'],
      ['smartdoor.notification', DetailType.NotificationSent, 'log'],
    ]);
  });

  it('notifies once when the same event is delivered 5 times, also concurrently', async () => {
    // Prepare
    const handler = makeHandler({ collapseSeconds: 0 });
    const event = unidentified();
    // Act
    const results = await Promise.all(
      Array.from({ length: 5 }, () => handler(sqsOf(event), lambdaContext())),
    );
    const retries = results.filter((r) => r.batchItemFailures.length > 0).length;
    for (let i = 0; i < retries + 2; i++) await handler(sqsOf(event), lambdaContext());
    // Assess
    expect(hook.calls).toHaveLength(1);
    expect(dashboard).toHaveLength(1);
  });

  it('collapses repeats at one door and reason into one notification, then a summary with the count', async () => {
    // Prepare
    const handler = makeHandler({ collapseSeconds: 60 });
    // Act
    await handler(sqsOf(unidentified('door-1')), lambdaContext());
    now += 5_000;
    await handler(
      sqsOf(unidentified('door-1'), unidentified('door-1'), unidentified('door-2')),
      lambdaContext(),
    );
    const immediate = hook.calls.length;
    now += 60_000;
    const closing = delays.take();
    await handler(sqsOf(...closing), lambdaContext());
    // Assess
    expect(immediate).toBe(2);
    expect(closing).toHaveLength(2);
    const bodies = hook.calls.map((c) => JSON.parse(c.body) as Notification);
    expect(bodies.map((b) => [b.thingName, b.count])).toEqual([
      ['door-1', 1],
      ['door-2', 1],
      ['door-1', 2],
    ]);
    expect(bodies[2]!.summary).toMatch(/2 more times/);
  });

  it('raises nothing when a door reconnects within the grace period', async () => {
    // Prepare
    const handler = makeHandler();
    // Act
    await handler(sqsOf(presence(DetailType.DeviceDisconnected, 'door-1', T0)), lambdaContext());
    await handler(sqsOf(presence(DetailType.DeviceConnected, 'door-1', T0 + 3_000)), lambdaContext());
    now += 30_000;
    const checks = delays.take();
    const res = await handler(sqsOf(...checks), lambdaContext());
    // Assess
    expect(checks).toHaveLength(1);
    expect(res.batchItemFailures).toEqual([]);
    expect(hook.calls).toEqual([]);
  });

  it('notifies device-offline when no reconnect came within the grace period', async () => {
    // Prepare
    const handler = makeHandler();
    // Act
    await handler(sqsOf(presence(DetailType.DeviceDisconnected, 'door-1', T0)), lambdaContext());
    const before = hook.calls.length;
    now += 30_000;
    const checks = delays.take();
    await handler(sqsOf(...checks), lambdaContext());
    // Assess
    expect(before).toBe(0);
    expect(checks).toHaveLength(1);
    expect(JSON.parse(hook.calls[0]!.body)).toMatchObject({ reason: 'device-offline', thingName: 'door-1' });
  });

  it('waits out an offline grace longer than SQS’s 900 s delay, re-sending the check until it is due', async () => {
    // Prepare
    const handler = makeHandler({ offlineGraceSeconds: 1_800 });
    await handler(sqsOf(presence(DetailType.DeviceDisconnected, 'door-1', T0)), lambdaContext());
    await handler(sqsOf(presence(DetailType.DeviceDisconnected, 'door-2', T0)), lambdaContext());
    // Act: SQS delivers the checks after at most 900 s; door-1 reconnects within the grace.
    now += 900_000;
    await handler(sqsOf(...delays.take()), lambdaContext());
    const atMaxDelay = hook.calls.length;
    await handler(sqsOf(presence(DetailType.DeviceConnected, 'door-1', T0 + 1_000_000)), lambdaContext());
    const hops = delays.held.splice(0);
    now += 900_000;
    await handler(sqsOf(...hops.map((h) => h.message)), lambdaContext());
    // Assess
    expect(atMaxDelay).toBe(0);
    expect(hops.map((h) => h.delaySeconds)).toEqual([900, 900]);
    expect(hook.calls.map((c) => JSON.parse(c.body).thingName)).toEqual(['door-2']);
    expect(JSON.parse(hook.calls[0]!.body).summary).toMatch(/no reconnect within 1800 s/);
  });

  it('sends a collapse window’s summary at its end when the window is longer than 900 s', async () => {
    // Prepare
    const handler = makeHandler({ collapseSeconds: 3_600 });
    const checkKeys: string[] = [];
    const deliverChecksAt = async (s: number) => {
      now = T0 + s * 1_000;
      const checks = delays.take();
      checkKeys.push(...checks.map((c) => c.detail.metadata['idempotency-key']));
      await handler(sqsOf(...checks), lambdaContext());
    };
    const alertAt = async (s: number) => {
      now = T0 + s * 1_000;
      await handler(sqsOf(unidentified()), lambdaContext());
    };
    // Act: the check comes back every 900 s at most (SQS's longest delay).
    await alertAt(0);
    await alertAt(100);
    await deliverChecksAt(900);
    const early = hook.calls.length;
    await alertAt(1_000);
    await deliverChecksAt(1_800);
    await deliverChecksAt(2_700);
    await alertAt(3_000);
    await deliverChecksAt(3_600);
    // Assess
    expect(early).toBe(1);
    expect(new Set(checkKeys).size).toBe(4);
    const bodies = hook.calls.map((c) => JSON.parse(c.body) as Notification);
    expect(bodies.map((b) => b.count)).toEqual([1, 3]);
    expect(bodies[1]!.summary).toMatch(
      /3 more times between 2026-11-23T12:00:00.000Z and 2026-11-23T13:00:00.000Z/,
    );
  });

  it('ignores a disconnect older than a known connect', async () => {
    // Prepare
    const handler = makeHandler();
    // Act
    await handler(sqsOf(presence(DetailType.DeviceConnected, 'door-1', T0 + 5_000)), lambdaContext());
    const res = await handler(sqsOf(presence(DetailType.DeviceDisconnected, 'door-1', T0)), lambdaContext());
    // Assess
    expect(res.batchItemFailures).toEqual([]);
    expect(delays.held).toEqual([]);
  });

  it('retries the webhook with backoff, fails the message with the reason, and delivers once when the endpoint is back', async () => {
    // Prepare
    const handler = makeHandler();
    const event = unidentified();
    hook.status = 503;
    // Act
    const first = await handler(sqsOf(event), lambdaContext());
    const callsWhileDown = hook.calls.length;
    hook.status = 200;
    const retry = await handler(sqsOf(event), lambdaContext());
    // Assess
    expect(first.batchItemFailures).toHaveLength(1);
    expect(callsWhileDown).toBe(3);
    expect(sleeps).toEqual([100, 200]);
    const failed = aws.entries.find((e) => e.DetailType === DetailType.NotificationFailed);
    expect(failed?.Detail).toMatchObject({ channel: 'webhook', attempts: 3 });
    expect(String(failed?.Detail.error)).toMatch(/webhook unreachable: HTTP 503/);
    expect(retry.batchItemFailures).toEqual([]);
    expect(hook.calls).toHaveLength(4);
    expect(dashboard).toHaveLength(1);
  });

  it('takes a webhook’s 4xx as final: one call, Notification Failed, and the message is done', async () => {
    // Prepare
    const handler = makeHandler();
    hook.status = 400;
    // Act
    const res = await handler(sqsOf(unidentified()), lambdaContext());
    // Assess
    expect(res.batchItemFailures).toEqual([]);
    expect(hook.calls).toHaveLength(1);
    const failed = aws.entries.filter((e) => e.DetailType === DetailType.NotificationFailed);
    expect(failed.map((e) => [e.Detail.channel, e.Detail.attempts])).toEqual([['webhook', 1]]);
    expect(String(failed[0]!.Detail.error)).toMatch(/HTTP 400/);
  });

  it('does not send a refused webhook call again when the message is retried for another channel', async () => {
    // Prepare
    const handler = makeHandler({ collapseSeconds: 0 });
    const event = unidentified();
    hook.status = 400;
    dashboardFailures = 1;
    // Act
    const first = await handler(sqsOf(event), lambdaContext());
    const retry = await handler(sqsOf(event), lambdaContext());
    // Assess
    expect(first.batchItemFailures).toHaveLength(1);
    expect(retry.batchItemFailures).toEqual([]);
    expect(hook.calls).toHaveLength(1);
    expect(dashboard).toHaveLength(1);
    const failed = aws.entries.filter((e) => e.DetailType === DetailType.NotificationFailed);
    expect(failed.map((e) => e.Detail.channel)).toEqual(['webhook', 'dashboard']);
  });

  it('emits Notification Sent on the retry when PutEvents refused it after the channels delivered', async () => {
    // Prepare
    const handler = makeHandler({ collapseSeconds: 0 });
    const event = unidentified();
    aws.failPutEvents(3);
    // Act
    const first = await handler(sqsOf(event), lambdaContext());
    const retry = await handler(sqsOf(event), lambdaContext());
    // Assess
    expect(first.batchItemFailures).toHaveLength(1);
    expect(retry.batchItemFailures).toEqual([]);
    expect(hook.calls).toHaveLength(1);
    expect(dashboard).toHaveLength(1);
    expect(aws.entries.map((e) => [e.DetailType, e.Detail.channel])).toEqual([
      [DetailType.NotificationSent, 'webhook'],
      [DetailType.NotificationSent, 'dashboard'],
      [DetailType.NotificationSent, 'log'],
    ]);
  });

  it('treats a dropped connection as retryable', async () => {
    // Prepare
    const handler = makeHandler();
    hook.status = 0;
    // Act
    const res = await handler(sqsOf(unidentified()), lambdaContext());
    // Assess
    expect(res.batchItemFailures).toHaveLength(1);
    expect(hook.calls).toHaveLength(3);
  });

  it('ignores events it does not handle and a cleared fault', async () => {
    // Prepare
    const handler = makeHandler();
    const cleared = deviceEvent(DetailType.DeviceFault, 'door-1', new Date(now).toISOString(), {
      fault: 'tamper',
      active: false,
    });
    // Act
    await handler(
      sqsOf(cleared, deviceEvent(DetailType.DeviceHeartbeat, 'door-1', new Date(now).toISOString())),
      lambdaContext(),
    );
    // Assess
    expect(hook.calls).toEqual([]);
  });
});

describe('Function: verifyWebhook', () => {
  it('accepts a good signature and says why it refuses the others', () => {
    // Prepare
    const ts = String(Math.floor(T0 / 1000));
    const sig = signWebhook(SECRET, ts, '{"a":1}');
    const opts = { now: () => T0 };
    // Act / Assess
    expect(sig).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(verifyWebhook(SECRET, { timestamp: ts, signature: sig }, '{"a":1}', opts)).toBeUndefined();
    expect(verifyWebhook(SECRET, { timestamp: ts, signature: sig }, '{"a":2}', opts)).toBe(
      'signature does not match',
    );
    expect(verifyWebhook('other', { timestamp: ts, signature: sig }, '{"a":1}', opts)).toBe(
      'signature does not match',
    );
    expect(
      verifyWebhook(SECRET, { timestamp: ts, signature: sig }, '{"a":1}', { now: () => T0 + 600_000 }),
    ).toBe('timestamp outside the tolerance');
    expect(verifyWebhook(SECRET, { timestamp: undefined, signature: sig }, '{}', opts)).toMatch(
      /X-Smartdoor-Timestamp/,
    );
  });
});
