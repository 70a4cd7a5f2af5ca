import { DetailType, deriveIdempotencyKey, newIdempotencyKey } from '@smartdoor/shared';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryPersistenceLayer } from '../../idempotency/memory-persistence-layer.js';
import { SqlitePersistenceLayer } from '../../idempotency/sqlite-persistence-layer.js';
import { FAILURE_REASON } from '../../idempotency/sqs-batch.js';
import { SILENT_LOG } from '../../idempotency/sqs-types.js';
import {
  badgeRead,
  HeldDelayQueue,
  lambdaContext,
  opened,
  sqsOf,
} from '../../idempotency/testing/bus-events.js';
import { type RecordingAws, startRecordingAws } from '../../idempotency/testing/recording-aws.js';
import { parseHoursRule } from './access-policy.js';
import { MemoryBadgeDirectory } from './badge-directory.js';
import { badgeRefOf } from './badge-seed.js';
import { createIdentificationHandler } from './handler.js';
import { KEY_PURPOSE } from './identification-service.js';
import { SqliteBadgeDirectory } from './sqlite-badge-directory.js';
import { SqliteCorrelationStore } from './sqlite-correlation-store.js';

// Roles: `aws` records what reaches EventBridge and IoT Data Plane through the real SDK
// clients; `delays` holds the delayed check messages until the test delivers them.
const SECRET = Buffer.from('0123456789abcdef0123456789abcdef');
const ALICE = badgeRefOf('0004-alice', SECRET);
const NIGHT_ONLY = badgeRefOf('0005-bob', SECRET);
const OTHER_DOOR = badgeRefOf('0006-carol', SECRET);
const UNKNOWN = badgeRefOf('9999-nobody', SECRET);
const T = (s: number) => new Date(Date.parse('2026-11-23T12:00:00.000Z') + s * 1000).toISOString();

let aws: RecordingAws;
let db: Database.Database;
let delays: HeldDelayQueue;
let now: number;

beforeEach(async () => {
  aws = await startRecordingAws();
  db = new Database(':memory:');
  delays = new HeldDelayQueue();
  now = Date.parse(T(0));
});
afterEach(async () => {
  await aws.close();
  db.close();
});

function makeHandler(directory?: { lookup(ref: string): Promise<unknown> }, windowSeconds = 10) {
  const dir = new SqliteBadgeDirectory(db);
  void dir.replaceAll([
    { badgeRef: ALICE, personId: 'alice', doors: ['*'], hours: [], timezone: 'UTC' },
    {
      badgeRef: NIGHT_ONLY,
      personId: 'bob',
      doors: ['door-1'],
      hours: [parseHoursRule('22:00-06:00') as never],
      timezone: 'UTC',
    },
    { badgeRef: OTHER_DOOR, personId: 'carol', doors: ['door-2'], hours: [], timezone: 'UTC' },
  ]);
  return createIdentificationHandler({
    ports: {
      correlations: new SqliteCorrelationStore(db),
      directory: (directory as never) ?? dir,
      eventBridge: aws.eventBridge,
      iotData: aws.iotData,
      delayQueue: delays,
      now: () => now,
      log: SILENT_LOG,
      sleep: async () => {},
    },
    settings: { eventBusName: 'smartdoor', windowSeconds },
    persistenceStore: new SqlitePersistenceLayer({ db }),
  });
}

describe('Function: createIdentificationHandler', () => {
  it('emits Entry Identified and no buzzer when a known badge was read just before the opening', async () => {
    // Prepare
    const handler = makeHandler();
    const open = opened('door-1', T(2));
    // Act
    const res = await handler(sqsOf(badgeRead('door-1', T(0), ALICE), open), lambdaContext());
    // Assess
    expect(res.batchItemFailures).toEqual([]);
    expect(aws.entries).toHaveLength(1);
    expect(aws.entries[0]).toMatchObject({
      Source: 'smartdoor.identification',
      DetailType: DetailType.EntryIdentified,
      EventBusName: 'smartdoor',
      Resources: ['arn:aws:iot:us-east-1:123456789012:thing/door-1'],
      Detail: {
        personId: 'alice',
        openedAt: T(2),
        badgeReadAt: T(0),
        metadata: {
          'idempotency-key': deriveIdempotencyKey(
            open.detail.metadata['idempotency-key'],
            KEY_PURPOSE.result,
          ),
          thingName: 'door-1',
        },
      },
    });
    expect(aws.publishes).toEqual([]);
    expect(delays.held).toEqual([]);
  });

  it('correlates on the device’s milliseconds, not the envelope’s whole seconds', async () => {
    // Prepare: 1.9 s apart, but 12:00:00 and 12:00:01 by the envelope's time.
    const handler = makeHandler(undefined, 1);
    // Act
    await handler(sqsOf(opened('door-1', T(0.05)), badgeRead('door-1', T(1.95), ALICE)), lambdaContext());
    now += 2_000;
    await handler(sqsOf(...delays.take()), lambdaContext());
    // Assess
    expect(aws.entries.map((e) => e.DetailType)).toEqual([DetailType.EntryUnidentified]);
  });

  it('waits for the window, then identifies when the badge read arrives after the opening', async () => {
    // Prepare
    const handler = makeHandler();
    // Act
    await handler(sqsOf(opened('door-1', T(0))), lambdaContext());
    const beforeBadge = aws.entries.length;
    await handler(sqsOf(badgeRead('door-1', T(4), ALICE)), lambdaContext());
    now += 10_000;
    await handler(sqsOf(...delays.take()), lambdaContext());
    // Assess
    expect(beforeBadge).toBe(0);
    expect(aws.entries.map((e) => e.DetailType)).toEqual([DetailType.EntryIdentified]);
  });

  it('declares the entry unidentified and sounds the buzzer when no badge came in the window', async () => {
    // Prepare
    const handler = makeHandler();
    const open = opened('door-1', T(0));
    await handler(sqsOf(open), lambdaContext());
    // Act
    now += 10_000;
    const check = delays.take();
    await handler(sqsOf(...check), lambdaContext());
    // Assess
    expect(check).toHaveLength(1);
    expect(aws.entries).toHaveLength(1);
    expect(aws.entries[0]).toMatchObject({
      DetailType: DetailType.EntryUnidentified,
      Detail: { reason: 'no-badge', openedAt: T(0) },
    });
    expect(aws.publishes).toEqual([
      {
        topic: 'smartdoor/door-1/commands',
        qos: 1,
        payload: {
          name: 'buzzer',
          commandId: deriveIdempotencyKey(open.detail.metadata['idempotency-key'], KEY_PURPOSE.buzzer),
          durationMs: 2000,
          reason: 'entry unidentified: no-badge',
        },
      },
    ]);
  });

  it.each([
    ['unknown-badge', UNKNOWN],
    ['not-allowed-at-door', OTHER_DOOR],
    ['not-allowed-at-hour', NIGHT_ONLY],
  ])('declares the entry unidentified (%s) and sounds the buzzer', async (reason, ref) => {
    // Prepare
    const handler = makeHandler();
    // Act
    await handler(sqsOf(badgeRead('door-1', T(0), ref), opened('door-1', T(1))), lambdaContext());
    // Assess
    expect(aws.entries[0]).toMatchObject({
      DetailType: DetailType.EntryUnidentified,
      Detail: { reason, badgeRef: ref },
    });
    expect(aws.publishes).toHaveLength(1);
  });

  it('lets the read nearest the opening win when a farther one arrives first', async () => {
    // Prepare: the door's order is alice at -1 s, the opening, a stranger at +6 s; the
    // queue hands them over as opening, stranger, alice.
    const handler = makeHandler();
    // Act
    await handler(sqsOf(opened('door-1', T(0))), lambdaContext());
    await handler(sqsOf(badgeRead('door-1', T(6), UNKNOWN)), lambdaContext());
    await handler(sqsOf(badgeRead('door-1', T(-1), ALICE)), lambdaContext());
    now += 10_000;
    await handler(sqsOf(...delays.take()), lambdaContext());
    // Assess
    expect(aws.entries.map((e) => [e.DetailType, e.Detail.personId])).toEqual([
      [DetailType.EntryIdentified, 'alice'],
    ]);
    expect(aws.publishes).toEqual([]);
  });

  it('settles on the nearest read at the window’s end when the nearer, unknown one arrives last', async () => {
    // Prepare
    const handler = makeHandler();
    // Act: alice 5 s after the opening, a stranger 1 s before it, arriving last.
    await handler(sqsOf(opened('door-1', T(0)), badgeRead('door-1', T(5), ALICE)), lambdaContext());
    await handler(sqsOf(badgeRead('door-1', T(-1), UNKNOWN)), lambdaContext());
    now += 10_000;
    await handler(sqsOf(...delays.take()), lambdaContext());
    // Assess
    expect(aws.entries.map((e) => [e.DetailType, e.Detail.reason])).toEqual([
      [DetailType.EntryUnidentified, 'unknown-badge'],
    ]);
    expect(aws.publishes).toHaveLength(1);
  });

  it('does not correlate a badge read outside the window', async () => {
    // Prepare
    const handler = makeHandler();
    // Act
    await handler(sqsOf(badgeRead('door-1', T(0), ALICE), opened('door-1', T(11))), lambdaContext());
    now += 10_000;
    await handler(sqsOf(...delays.take()), lambdaContext());
    // Assess
    expect(aws.entries[0]).toMatchObject({
      DetailType: DetailType.EntryUnidentified,
      Detail: { reason: 'no-badge' },
    });
  });

  it('emits one result when the badge read and the opening are handled at the same time', async () => {
    // Prepare
    const handler = makeHandler();
    // Act
    await Promise.all([
      handler(sqsOf(badgeRead('door-1', T(0), ALICE)), lambdaContext()),
      handler(sqsOf(opened('door-1', T(1))), lambdaContext()),
    ]);
    now += 10_000;
    await handler(sqsOf(...delays.take()), lambdaContext());
    // Assess
    expect(aws.entries.map((e) => e.DetailType)).toEqual([DetailType.EntryIdentified]);
  });

  it('sends the check again when it comes back before it is due (windows beyond the 900 s SQS delay)', async () => {
    // Prepare
    const handler = makeHandler(undefined, 1_200);
    await handler(sqsOf(opened('door-1', T(0))), lambdaContext());
    const [first] = delays.held.splice(0);
    // Act: SQS delivers it after at most 900 s.
    now += 900_000;
    await handler(sqsOf(first!.message), lambdaContext());
    const [second] = delays.held.splice(0);
    now += 300_000;
    await handler(sqsOf(second!.message), lambdaContext());
    // Assess
    expect(first!.delaySeconds).toBe(1_200);
    expect(second!.delaySeconds).toBe(300);
    expect(second!.message.detail.metadata['idempotency-key']).not.toBe(
      first!.message.detail.metadata['idempotency-key'],
    );
    expect(aws.entries.map((e) => e.Detail.reason)).toEqual(['no-badge']);
  });

  it('emits Identification Failed when the directory lookup keeps failing', async () => {
    // Prepare
    const handler = makeHandler({
      lookup: async () => {
        throw new Error('directory table unavailable');
      },
    });
    // Act
    const res = await handler(
      sqsOf(badgeRead('door-1', T(0), ALICE), opened('door-1', T(1))),
      lambdaContext(),
    );
    // Assess
    expect(res.batchItemFailures).toEqual([]);
    expect(aws.entries).toHaveLength(1);
    expect(aws.entries[0]).toMatchObject({ DetailType: DetailType.IdentificationFailed });
    expect(String(aws.entries[0]!.Detail.error)).toMatch(/after 3 attempts: directory table unavailable/);
    expect(aws.publishes).toEqual([]);
  });

  it('yields one result when the same opening is delivered 5 times, also concurrently', async () => {
    // Prepare
    const handler = makeHandler();
    const key = newIdempotencyKey();
    const badge = badgeRead('door-1', T(0), ALICE);
    await handler(sqsOf(badge), lambdaContext());
    // Act
    const results = await Promise.all(
      Array.from({ length: 5 }, () => handler(sqsOf(opened('door-1', T(1), key)), lambdaContext())),
    );
    const retried = results.filter((r) => r.batchItemFailures.length > 0).length;
    for (let i = 0; i < retried; i++) await handler(sqsOf(opened('door-1', T(1), key)), lambdaContext());
    // Assess
    expect(aws.entries).toHaveLength(1);
    expect(aws.entries[0]!.DetailType).toBe(DetailType.EntryIdentified);
  });

  it('reports the record for retry when PutEvents refuses the entry, and emits the same key on retry', async () => {
    // Prepare
    const handler = makeHandler();
    const open = opened('door-1', T(1));
    await handler(sqsOf(badgeRead('door-1', T(0), UNKNOWN)), lambdaContext());
    aws.failPutEvents(1);
    // Act
    const first = await handler(sqsOf(open), lambdaContext());
    const retry = await handler(sqsOf(open), lambdaContext());
    // Assess
    expect(first.batchItemFailures).toHaveLength(1);
    expect(retry.batchItemFailures).toEqual([]);
    expect(aws.entries).toHaveLength(1);
    expect(aws.entries[0]!.Detail.metadata).toMatchObject({
      'idempotency-key': deriveIdempotencyKey(open.detail.metadata['idempotency-key'], KEY_PURPOSE.result),
    });
    expect(aws.publishes).toHaveLength(1);
  });

  it('redoes the buzzer on retry when the command could not be published', async () => {
    // Prepare
    const handler = makeHandler();
    const open = opened('door-1', T(1));
    await handler(sqsOf(badgeRead('door-1', T(0), UNKNOWN)), lambdaContext());
    aws.failPublishes(1);
    // Act
    const first = await handler(sqsOf(open), lambdaContext());
    const retry = await handler(sqsOf(open), lambdaContext());
    // Assess
    expect(first.batchItemFailures).toHaveLength(1);
    expect(retry.batchItemFailures).toEqual([]);
    expect(aws.publishes).toHaveLength(1);
  });

  it('fails a message that is not a bus event, naming what is wrong', async () => {
    // Prepare
    const handler = makeHandler();
    const event = sqsOf({ hello: 'world' });
    // Act
    const res = await handler(event, lambdaContext());
    // Assess
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([event.Records[0]!.messageId]);
    // The reason rides along for the local queue's dead letter (a symbol: JSON never shows it).
    expect((res.batchItemFailures[0] as Record<symbol, string>)[FAILURE_REASON]).toMatch(
      /invalid queued bus event: version: expected "0", received nothing \(field missing\)/,
    );
  });

  it('keeps working with a memory idempotency layer and a memory directory', async () => {
    // Prepare
    const { MemoryCorrelationStore } = await import('./correlation-store.js');
    const handler = createIdentificationHandler({
      ports: {
        correlations: new MemoryCorrelationStore(),
        directory: new MemoryBadgeDirectory([
          { badgeRef: ALICE, personId: 'alice', doors: ['door-1'], hours: [], timezone: 'UTC' },
        ]),
        eventBridge: aws.eventBridge,
        iotData: aws.iotData,
        delayQueue: delays,
        now: () => now,
        log: SILENT_LOG,
      },
      settings: { eventBusName: 'smartdoor', windowSeconds: 10 },
      persistenceStore: new MemoryPersistenceLayer(),
    });
    // Act
    await handler(sqsOf(opened('door-1', T(3)), badgeRead('door-1', T(0), ALICE)), lambdaContext());
    // Assess
    expect(aws.entries.map((e) => e.Detail.personId)).toEqual(['alice']);
  });
});
