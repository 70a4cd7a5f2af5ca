import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LocalQueues } from '../queues/local-queues.js';
import { EventBusService, type PutEventsResult } from './service.js';
import { TEST_ACCOUNT as ACCOUNT, memoryBus, TEST_REGION as REGION } from './testing/memory-bus.js';

// Roles: `bus` is the local EventBridge on an in-memory database; `inbox` a local queue
// target; `view` an in-process function registered as a live view (the dashboard's kind).
const INBOX = `arn:aws:sqs:${REGION}:${ACCOUNT}:inbox`;
const VIEW = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:view`;
const ENTRY = { Source: 'smartdoor.device', DetailType: 'Door State Changed', Detail: '{"state":"open"}' };

let db: Database.Database;
let queues: LocalQueues;
let bus: EventBusService;
let close: () => Promise<void>;

beforeEach(() => {
  ({ db, queues, bus, close } = memoryBus());
  bus.putRule({ name: 'r', eventPattern: '{"source":["smartdoor.device"]}' });
});

afterEach(async () => {
  await bus.stop(); // a test may have put its own bus in `bus`
  await close();
});

describe('Class: EventBusService', () => {
  describe('Method: putEvents', () => {
    it('writes the message of a local queue target with the event, leaving no delivery to run', () => {
      // Prepare
      queues.createQueue('inbox');
      bus.putTargets('r', 'default', [{ id: 'inbox', arn: INBOX }]);
      // Act
      const out = bus.putEvents([ENTRY]);
      // Assess: on the queue before any timer or worker turn ran
      expect(out.failedEntryCount).toBe(0);
      expect(bus.stats().pendingDeliveries).toBe(0);
      const [message] = queues.receive('inbox');
      expect(JSON.parse(message!.body)).toMatchObject({
        id: out.entries[0]!.eventId,
        detail: { state: 'open' },
      });
    });

    it('rolls the queue message back with the event when the transaction around them fails', () => {
      // Prepare
      queues.createQueue('inbox');
      bus.putTargets('r', 'default', [{ id: 'inbox', arn: INBOX }]);
      // Act
      expect(() =>
        bus.store.transaction(() => {
          bus.putEvents([ENTRY]);
          throw new Error('disk gone');
        }),
      ).toThrow('disk gone');
      // Assess
      expect(queues.depth('inbox')).toEqual({ visible: 0, inFlight: 0 });
      expect(bus.store.countEvents()).toBe(0);
    });

    it('journals a delivery for a queue that is gone, so the worker retries it', () => {
      // Prepare
      queues.createQueue('inbox');
      bus.putTargets('r', 'default', [{ id: 'inbox', arn: INBOX }]);
      const [target] = bus.listTargets('r', 'default');
      // A target whose queue no longer exists (PutTargets itself refuses a missing queue).
      bus.store.putTarget('default', 'r', { ...target!, id: 'gone', arn: `${INBOX}-gone` });
      // Act
      bus.putEvents([ENTRY]);
      // Assess
      expect(bus.stats().pendingDeliveries).toBe(1);
      expect(queues.depth('inbox').visible).toBe(1);
    });

    it('invokes a live view once after the commit without journaling its delivery', async () => {
      // Prepare
      const seen: unknown[] = [];
      bus.functions.register('view', async (event) => void seen.push(event), { live: true });
      bus.putTargets('r', 'default', [{ id: 'view', arn: VIEW }]);
      const delivered: string[] = [];
      bus.on('delivered', ({ delivery }) => delivered.push(delivery.ruleName));
      // Act
      const out = bus.putEvents([ENTRY]);
      // Assess
      expect(bus.stats().pendingDeliveries).toBe(0);
      await new Promise((r) => setImmediate(r));
      expect(seen).toEqual([expect.objectContaining({ id: out.entries[0]!.eventId })]);
      expect(delivered).toEqual(['r']);
    });

    it('counts a live view that throws as a failed delivery and reports it, without retrying', async () => {
      // Prepare
      const errors: unknown[] = [];
      await bus.stop();
      bus = new EventBusService({
        db,
        queues,
        region: REGION,
        accountId: ACCOUNT,
        onError: (e) => errors.push(e),
      });
      bus.start();
      let calls = 0;
      bus.functions.register(
        'view',
        async () => {
          calls++;
          throw new Error('browser gone');
        },
        { live: true },
      );
      bus.putTargets('r', 'default', [{ id: 'view', arn: VIEW }]);
      // Act
      bus.putEvents([ENTRY]);
      await new Promise((r) => setTimeout(r, 20));
      // Assess
      expect(calls).toBe(1);
      expect(bus.stats()).toMatchObject({ deliveryFailures: 1, pendingDeliveries: 0 });
      expect(String(errors[0])).toContain('browser gone');
    });
  });

  describe('Method: putEventsGrouped', () => {
    it('commits the requests grouped with one whose processing throws, and tells of theirs only', async () => {
      // Prepare: the store throws while writing the poisoned request's event, after its
      // queue message was sent in the same transaction.
      queues.createQueue('inbox');
      const seen: string[] = [];
      bus.functions.register('view', async (event) => void seen.push((event as { id: string }).id), {
        live: true,
      });
      bus.putTargets('r', 'default', [
        { id: 'inbox', arn: INBOX },
        { id: 'view', arn: VIEW },
      ]);
      const put: string[] = [];
      bus.on('event-put', ({ event }) => put.push(event.id));
      const append = bus.store.appendEvent.bind(bus.store);
      vi.spyOn(bus.store, 'appendEvent').mockImplementation((name, event, now) => {
        if ((event.detail as { poison?: boolean }).poison)
          throw new RangeError('Maximum call stack size exceeded');
        return append(name, event, now);
      });
      const poisoned = { ...ENTRY, Detail: '{"poison":true}' };
      // Act
      const settled = await Promise.allSettled(
        [ENTRY, poisoned, ENTRY].map((entry) => bus.putEventsGrouped([entry])),
      );
      await new Promise((r) => setTimeout(r, 20));
      // Assess
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const ids = [settled[0], settled[2]].map(
        (s) => (s as PromiseFulfilledResult<PutEventsResult>).value.entries[0]!.eventId!,
      );
      expect(queues.depth('inbox').visible).toBe(2);
      expect(bus.store.countEvents()).toBe(2);
      expect(put).toEqual(ids);
      expect(seen).toEqual(ids);
      expect(bus.stats().eventsPut).toBe(2);
    });
  });

  describe('Property: store', () => {
    it('forgets a target a rolled-back transaction wrote, though it was read inside it', () => {
      // Prepare
      queues.createQueue('inbox');
      // Act
      expect(() =>
        bus.store.transaction(() => {
          bus.putTargets('r', 'default', [{ id: 'inbox', arn: INBOX }]);
          expect(bus.listTargets('r', 'default')).toHaveLength(1);
          throw new Error('disk gone');
        }),
      ).toThrow('disk gone');
      // Assess
      expect(bus.listTargets('r', 'default')).toEqual([]);
      expect(bus.putEvents([ENTRY]).failedEntryCount).toBe(0);
      expect(queues.depth('inbox').visible).toBe(0);
    });

    it('hands out rules and targets frozen, so no reader changes what the next one reads', () => {
      // Prepare
      queues.createQueue('inbox');
      bus.putTargets('r', 'default', [{ id: 'inbox', arn: INBOX }]);
      // Act
      const [target] = bus.listTargets('r', 'default');
      // Assess
      expect(() => {
        (target as { arn: string }).arn = 'arn:aws:sqs:us-east-1:123456789012:elsewhere';
      }).toThrow(TypeError);
      expect(bus.listTargets('r', 'default')[0]!.arn).toBe(INBOX);
    });
  });

  describe('Archives', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('holds the log without a record per event, prunes by retention and keeps what a pattern archive still holds', async () => {
      // Prepare: a bus of its own on a fake clock; its `-all` archive replaced by a 1-day one.
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      const own = memoryBus();
      const svc = own.bus;
      svc.archives.deleteArchive('default-all');
      const day = svc.archives.createArchive(
        { name: 'day', busName: 'default', retentionDays: 1 },
        REGION,
        ACCOUNT,
      );
      const opens = svc.archives.createArchive(
        { name: 'opens', busName: 'default', eventPattern: '{"detail":{"state":["open"]}}' },
        REGION,
        ACCOUNT,
      );
      // Act
      svc.putEvents([ENTRY, { ...ENTRY, Detail: '{"state":"closed"}' }]);
      const before = { day: svc.archives.stats(day), opens: svc.archives.stats(opens) };
      await vi.advanceTimersByTimeAsync(2 * 86_400_000);
      svc.putEvents([{ ...ENTRY, Detail: '{"state":"closed"}' }]);
      const later = svc.archives.createArchive({ name: 'later', busName: 'default' }, REGION, ACCOUNT);
      // Assess
      expect(before.day.eventCount).toBe(2);
      expect(before.opens.eventCount).toBe(1);
      expect(svc.archives.stats(day).eventCount).toBe(1);
      expect(svc.archives.stats(opens).eventCount).toBe(1);
      expect(svc.archives.stats(later).eventCount).toBe(0);
      // The old "closed" left the log; the old "open" stays for `opens` (kept forever).
      expect(svc.store.countEvents()).toBe(2);
      await own.close();
    });

    it('logs nothing for a bus without archives', () => {
      // Prepare
      bus.archives.deleteArchive('default-all');
      // Act
      bus.putEvents([ENTRY]);
      // Assess
      expect(bus.store.countEvents()).toBe(0);
    });
  });
});
