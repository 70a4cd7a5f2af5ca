import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BatchNotTakenError,
  QueueAttributeValueError,
  QueueDoesNotExistError,
  ReceiptHandleInvalidError,
} from './errors.js';
import { LocalQueues, RETENTION_SWEEP_MS } from './local-queues.js';
import { SqliteQueueStore } from './queue-store.js';

let db: Database.Database;
let queues: LocalQueues;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  db = new Database(':memory:');
  queues = new LocalQueues({ db });
  queues.createQueue('dlq');
  queues.createQueue('work', { visibilityTimeoutSeconds: 10, maxReceiveCount: 2, deadLetterQueue: 'dlq' });
});

afterEach(() => {
  queues.stop();
  db.close();
  vi.useRealTimers();
});

describe('Class: LocalQueues', () => {
  describe('Method: receive', () => {
    it('hides a received message for the visibility timeout, then shows it again', async () => {
      // Prepare
      queues.send('work', 'hello', { a: '1' });
      // Act
      const [first] = queues.receive('work');
      const hidden = queues.receive('work');
      await vi.advanceTimersByTimeAsync(10_001);
      const [again] = queues.receive('work');
      // Assess
      expect(first).toMatchObject({ body: 'hello', attributes: { a: '1' }, receiveCount: 1 });
      expect(hidden).toEqual([]);
      expect(again?.receiveCount).toBe(2);
    });

    it('moves a message past maxReceiveCount to the dead-letter queue', async () => {
      // Prepare
      queues.send('work', 'poison');
      queues.receive('work');
      await vi.advanceTimersByTimeAsync(10_001);
      queues.receive('work');
      await vi.advanceTimersByTimeAsync(10_001);
      // Act
      const third = queues.receive('work');
      // Assess
      expect(third).toEqual([]);
      expect(queues.peek('dlq').map((m) => m.body)).toEqual(['poison']);
    });

    it('refuses an unknown queue with QueueDoesNotExist', () => {
      // Act + Assess
      expect(() => queues.receive('nope')).toThrow(QueueDoesNotExistError);
    });
  });

  describe('Method: deleteMessage', () => {
    it('deletes by receipt handle and refuses a stale one', () => {
      // Prepare
      queues.send('work', 'x');
      const [m] = queues.receive('work');
      // Act
      queues.deleteMessage('work', m!.receiptHandle);
      // Assess
      expect(queues.depth('work')).toEqual({ visible: 0, inFlight: 0 });
      expect(() => queues.deleteMessage('work', m!.receiptHandle)).toThrow(ReceiptHandleInvalidError);
    });

    it("refuses a receipt from an earlier receive, and another queue's receipt", async () => {
      // Prepare
      queues.createQueue('other');
      queues.send('work', 'x');
      const [first] = queues.receive('work');
      await vi.advanceTimersByTimeAsync(10_001);
      const [second] = queues.receive('work');
      // Act / Assess
      expect(() => queues.deleteMessage('work', first!.receiptHandle)).toThrow(ReceiptHandleInvalidError);
      expect(() => queues.deleteMessage('other', second!.receiptHandle)).toThrow(ReceiptHandleInvalidError);
      expect(() => queues.deleteMessage('work', 'not-a-receipt')).toThrow(ReceiptHandleInvalidError);
      queues.deleteMessage('work', second!.receiptHandle);
      expect(queues.depth('work')).toEqual({ visible: 0, inFlight: 0 });
    });
  });

  describe('Data folders of an earlier version', () => {
    it('moves messages from the id-keyed table into the seq-keyed one, in order', () => {
      // Prepare: the table as the previous version created it, with two messages sent now.
      const old = new Database(':memory:');
      const now = Date.now();
      old.exec(`
        CREATE TABLE q_queues (name TEXT PRIMARY KEY, attrs TEXT NOT NULL);
        INSERT INTO q_queues VALUES ('work', '{"visibilityTimeoutSeconds":30}');
        CREATE TABLE q_messages (
          id TEXT PRIMARY KEY, queue TEXT NOT NULL, body TEXT NOT NULL, attrs TEXT NOT NULL,
          sent_at INTEGER NOT NULL, visible_at INTEGER NOT NULL, receive_count INTEGER NOT NULL DEFAULT 0,
          receipt TEXT, seq INTEGER, last_error TEXT);
        CREATE INDEX q_messages_due ON q_messages (queue, visible_at, seq);
        CREATE INDEX q_messages_order ON q_messages (queue, seq);
        CREATE INDEX q_messages_receipt ON q_messages (receipt);
        INSERT INTO q_messages VALUES ('m2', 'work', 'second', '{}', ${now}, 0, 0, NULL, 2, NULL);
        INSERT INTO q_messages VALUES ('m1', 'work', 'first', '{"a":"1"}', ${now}, 0, 1, 'old-receipt', 1, 'E: why');`);
      // Act
      const upgraded = new LocalQueues({ db: old });
      const got = upgraded.receive('work', { max: 10 });
      // Assess
      expect(got.map((m) => [m.messageId, m.body, m.receiveCount, m.lastError])).toEqual([
        ['m1', 'first', 2, 'E: why'],
        ['m2', 'second', 1, undefined],
      ]);
      expect(got[0]?.attributes).toEqual({ a: '1' });
      upgraded.deleteMessage('work', got[0]!.receiptHandle);
      expect(upgraded.depth('work')).toEqual({ visible: 0, inFlight: 1 });
      old.close();
    });
  });

  describe('Method: redrive', () => {
    it('moves dead letters back with a fresh receive count', () => {
      // Prepare
      queues.send('dlq', 'back');
      // Act
      const moved = queues.redrive('dlq', 'work');
      // Assess
      expect(moved).toBe(1);
      expect(queues.receive('work')[0]).toMatchObject({ body: 'back', receiveCount: 1 });
    });
  });

  describe('Method: subscribe', () => {
    it('hands messages to the handler and deletes them on success, keeps them on failure', async () => {
      // Prepare
      const got: string[] = [];
      const unsubscribe = queues.subscribe(
        'work',
        async (messages) => {
          got.push(...messages.map((m) => m.body));
          return messages
            .filter((m) => m.body === 'bad')
            .map((m) => ({ receiptHandle: m.receiptHandle, error: new Error('no') }));
        },
        { pollIntervalMs: 100 },
      );
      // Act
      queues.send('work', 'good');
      queues.send('work', 'bad');
      await vi.advanceTimersByTimeAsync(50);
      // Assess
      expect(got.sort()).toEqual(['bad', 'good']);
      expect(queues.depth('work')).toEqual({ visible: 0, inFlight: 1 });
      // After two receives the bad one goes to the DLQ on the third.
      await vi.advanceTimersByTimeAsync(25_000);
      expect(queues.peek('dlq').map((m) => m.body)).toEqual(['bad']);
      unsubscribe();
    });

    it('fills every free slot in one turn while messages wait, and deletes finished ones in the next', async () => {
      // Prepare: 4 slots of 2 messages, 10 waiting, handlers held until released
      for (let i = 0; i < 10; i++) queues.send('work', `m${i}`);
      const held: Array<() => void> = [];
      const unsubscribe = queues.subscribe(
        'work',
        async (messages) => {
          await Promise.all(messages.map(() => new Promise<void>((resolve) => held.push(resolve))));
          return [];
        },
        { batchSize: 2, concurrency: 4, pollIntervalMs: 1_000 },
      );
      // Act: one timer, one turn
      await vi.advanceTimersToNextTimerAsync();
      // Assess: 4 batches at once, the other 2 messages wait for a free slot
      expect(held).toHaveLength(8);
      expect(queues.depth('work')).toEqual({ visible: 2, inFlight: 8 });
      // Act: the first batch finishes; the next turn deletes it and takes the rest
      held[0]!();
      held[1]!();
      await vi.advanceTimersToNextTimerAsync();
      // Assess
      expect(held).toHaveLength(10);
      expect(queues.depth('work')).toEqual({ visible: 0, inFlight: 8 });
      unsubscribe();
    });

    it('hands each batch in one call, deletes what it did not fail and keeps the reasons of what it did', async () => {
      // Prepare
      for (const body of ['a', 'bad', 'c']) queues.send('work', body);
      const batches: string[][] = [];
      const unsubscribe = queues.subscribe(
        'work',
        async (messages) => {
          batches.push(messages.map((m) => m.body));
          return messages
            .filter((m) => m.body === 'bad')
            .map((m) => ({ receiptHandle: m.receiptHandle, error: new RangeError('not today') }));
        },
        { batchSize: 10, pollIntervalMs: 100 },
      );
      // Act
      await vi.advanceTimersByTimeAsync(50);
      // Assess
      expect(batches).toEqual([['a', 'bad', 'c']]);
      expect(queues.depth('work')).toEqual({ visible: 0, inFlight: 1 });
      await vi.advanceTimersByTimeAsync(25_000);
      expect(queues.peek('dlq').map((m) => [m.body, m.lastError])).toEqual([
        ['bad', 'RangeError: not today'],
      ]);
      unsubscribe();
    });

    it('fails the whole batch when the handler throws', async () => {
      // Prepare
      for (const body of ['a', 'b']) queues.send('work', body);
      const unsubscribe = queues.subscribe(
        'work',
        async () => {
          throw new Error('handler crashed');
        },
        { pollIntervalMs: 100 },
      );
      // Act
      await vi.advanceTimersByTimeAsync(25_000);
      // Assess
      expect(queues.peek('dlq').map((m) => [m.body, m.lastError])).toEqual([
        ['a', 'Error: handler crashed'],
        ['b', 'Error: handler crashed'],
      ]);
      unsubscribe();
    });

    it('puts a batch the handler did not take back as it was, and offers it again only after a poll interval', async () => {
      // Prepare: a consumer that is stopping refuses every batch
      for (const body of ['a', 'b']) queues.send('work', body);
      let calls = 0;
      const unsubscribe = queues.subscribe(
        'work',
        async () => {
          calls++;
          throw new BatchNotTakenError('stopping');
        },
        { pollIntervalMs: 100 },
      );
      // Act
      await vi.advanceTimersByTimeAsync(50);
      const meanwhile = calls;
      await vi.advanceTimersByTimeAsync(1_000);
      unsubscribe();
      // Assess: refused about once per poll interval, never a receive used up
      expect(meanwhile).toBe(1);
      expect(calls).toBeGreaterThan(5);
      expect(calls).toBeLessThan(15);
      expect(queues.depth('work')).toEqual({ visible: 2, inFlight: 0 });
      expect(queues.peek('work').map((m) => [m.body, m.receiveCount, m.lastError])).toEqual([
        ['a', 0, undefined],
        ['b', 0, undefined],
      ]);
      expect(queues.peek('dlq')).toEqual([]);
    });

    it('writes the outcome of a batch that settles after its subscription stopped', async () => {
      // Prepare: two batches held by the handler when the subscription stops
      for (const body of ['ok', 'bad']) queues.send('work', body);
      const held: Array<() => void> = [];
      const unsubscribe = queues.subscribe(
        'work',
        async (messages) => {
          await new Promise<void>((resolve) => held.push(resolve));
          return messages
            .filter((m) => m.body === 'bad')
            .map((m) => ({ receiptHandle: m.receiptHandle, error: new Error('no') }));
        },
        { batchSize: 1, concurrency: 2, pollIntervalMs: 100 },
      );
      await vi.advanceTimersByTimeAsync(10);
      // Act
      unsubscribe();
      for (const release of held) release();
      await vi.advanceTimersByTimeAsync(10);
      // Assess: the handled one deleted, the failed one kept with its reason
      expect(held).toHaveLength(2);
      expect(queues.peek('work').map((m) => [m.body, m.receiveCount, m.lastError])).toEqual([
        ['bad', 1, 'Error: no'],
      ]);
    });
  });
});

describe('Class: LocalQueues (delays)', () => {
  describe('Method: send', () => {
    it('keeps a delayed message invisible for DelaySeconds and refuses more than 900', async () => {
      // Prepare
      queues.send('work', 'later', {}, { delaySeconds: 60 });
      // Act
      const early = queues.receive('work');
      await vi.advanceTimersByTimeAsync(60_000);
      const due = queues.receive('work');
      // Assess
      expect(early).toEqual([]);
      expect(due.map((m) => m.body)).toEqual(['later']);
      expect(() => queues.send('work', 'x', {}, { delaySeconds: 901 })).toThrow(/DelaySeconds/);
    });
  });
});

describe('Class: LocalQueues (message retention)', () => {
  const DAY_MS = 86_400_000;

  describe('Method: receive', () => {
    it('deletes a message past its queue retention instead of returning it', async () => {
      // Prepare
      queues.createQueue('short', { messageRetentionSeconds: 60 });
      queues.send('short', 'old');
      await vi.advanceTimersByTimeAsync(60_001);
      queues.send('short', 'new');
      // Act
      const got = queues.receive('short', { max: 10 });
      // Assess
      expect(got.map((m) => m.body)).toEqual(['new']);
      expect(queues.depth('short')).toEqual({ visible: 0, inFlight: 1 });
    });

    it('fills a batch past expired messages, each received once, with a visibility timeout of 0', async () => {
      // Prepare
      queues.createQueue('short', { messageRetentionSeconds: 60 });
      queues.send('short', 'old-1');
      queues.send('short', 'old-2');
      await vi.advanceTimersByTimeAsync(60_001);
      queues.send('short', 'new-1');
      queues.send('short', 'new-2');
      // Act
      const got = queues.receive('short', { max: 3, visibilityTimeoutSeconds: 0 });
      // Assess
      expect(got.map((m) => m.body)).toEqual(['new-1', 'new-2']);
      expect(queues.depth('short')).toEqual({ visible: 2, inFlight: 0 });
    });

    it('keeps the first send time through a move to the dead-letter queue, whose own retention then applies', async () => {
      // Prepare: the DLQ keeps 14 days, the source queue its default 4.
      queues.createQueue('dlq', { messageRetentionSeconds: 1_209_600 });
      queues.send('work', 'poison');
      for (let i = 0; i < 3; i++) {
        queues.receive('work');
        await vi.advanceTimersByTimeAsync(10_001);
      }
      // Act
      await vi.advanceTimersByTimeAsync(5 * DAY_MS);
      const at5Days = queues.peek('dlq').map((m) => m.body);
      await vi.advanceTimersByTimeAsync(10 * DAY_MS);
      const at15Days = queues.peek('dlq').map((m) => m.body);
      // Assess
      expect(at5Days).toEqual(['poison']);
      expect(at15Days).toEqual([]);
    });
  });

  describe('Method: start', () => {
    it('sweeps the messages past their retention at start and every hour, without a receive', async () => {
      // Prepare: one message already past 4 days when the queues start, one sent then.
      queues.send('work', 'before');
      await vi.advanceTimersByTimeAsync(4 * DAY_MS + 1);
      queues.send('work', 'after');
      // Act
      queues.start();
      const atStart = queues.depth('work');
      await vi.advanceTimersByTimeAsync(4 * DAY_MS - RETENTION_SWEEP_MS / 2);
      const beforeSweep = queues.depth('work');
      // The first sweep more than 4 days after it was sent.
      await vi.advanceTimersByTimeAsync(2 * RETENTION_SWEEP_MS);
      const afterSweep = queues.depth('work');
      // Assess
      expect(atStart).toEqual({ visible: 1, inFlight: 0 });
      expect(beforeSweep).toEqual({ visible: 1, inFlight: 0 });
      expect(afterSweep).toEqual({ visible: 0, inFlight: 0 });
    });
  });

  describe('Method: createQueue, setQueueAttributes', () => {
    it('keeps a retention set before when created again without one, and refuses one out of range', () => {
      // Prepare
      queues.createQueue('dlq', { messageRetentionSeconds: 1_209_600 });
      // Act
      queues.createQueue('dlq');
      queues.setQueueAttributes('work', { messageRetentionSeconds: 600 });
      // Assess
      expect(queues.getQueueAttributes('dlq').messageRetentionSeconds).toBe(1_209_600);
      expect(queues.getQueueAttributes('work')).toMatchObject({
        messageRetentionSeconds: 600,
        visibilityTimeoutSeconds: 10,
        deadLetterQueue: 'dlq',
      });
      for (const bad of [59, 1_209_601, 1.5]) {
        expect(() => queues.createQueue('bad', { messageRetentionSeconds: bad })).toThrow(
          QueueAttributeValueError,
        );
      }
      expect(() => queues.setQueueAttributes('work', { messageRetentionSeconds: 59 })).toThrow(
        'Invalid value for the parameter MessageRetentionPeriod of queue work: 59. Reason: it must be a whole number of seconds from 60 (1 minute) to 1209600 (14 days).',
      );
    });
  });
});

describe('Class: LocalQueues (depth)', () => {
  describe('Method: depth', () => {
    it('counts right through sends, receives, moves, deletes, purges and a rolled-back send', async () => {
      // Prepare
      for (const body of ['a', 'b', 'c', 'd']) queues.send('work', body);
      queues.send('work', 'later', {}, { delaySeconds: 60 });
      const [first] = queues.receive('work');
      expect(() =>
        db.transaction(() => {
          queues.send('work', 'rolled back');
          throw new Error('the outer transaction fails');
        })(),
      ).toThrow('the outer transaction fails');
      // Act
      const mid = queues.depth('work');
      queues.deleteMessage('work', first!.receiptHandle);
      queues.redrive('work', 'dlq');
      const moved = { work: queues.depth('work'), dlq: queues.depth('dlq') };
      queues.purge('dlq');
      // Assess
      expect(mid).toEqual({ visible: 3, inFlight: 2 });
      expect(moved).toEqual({ work: { visible: 0, inFlight: 0 }, dlq: { visible: 4, inFlight: 0 } });
      expect(queues.depth('dlq')).toEqual({ visible: 0, inFlight: 0 });
    });

    it('reads a data folder of an earlier version: its messages counted, the default retention', () => {
      // Prepare: a folder written by the previous version (no retention in the attributes).
      const old = new Database(':memory:');
      const now = Date.now();
      old.exec(`
        CREATE TABLE q_queues (name TEXT PRIMARY KEY, attrs TEXT NOT NULL);
        INSERT INTO q_queues VALUES ('work', '{"visibilityTimeoutSeconds":30}');
        CREATE TABLE q_messages (
          seq INTEGER PRIMARY KEY, id TEXT NOT NULL, queue TEXT NOT NULL, body TEXT NOT NULL,
          attrs TEXT NOT NULL, sent_at INTEGER NOT NULL, visible_at INTEGER NOT NULL,
          receive_count INTEGER NOT NULL DEFAULT 0, receipt TEXT, last_error TEXT);
        CREATE INDEX q_messages_due ON q_messages (queue, visible_at);
        INSERT INTO q_messages (id, queue, body, attrs, sent_at, visible_at)
          VALUES ('m1', 'work', 'a', '{}', ${now}, ${now}), ('m2', 'work', 'b', '{}', ${now}, ${now + 60_000});`);
      // Act
      const upgraded = new LocalQueues({ db: old });
      const depth = upgraded.depth('work');
      upgraded.send('work', 'c');
      // Assess
      expect(depth).toEqual({ visible: 1, inFlight: 1 });
      expect(upgraded.depth('work')).toEqual({ visible: 2, inFlight: 1 });
      expect(upgraded.getQueueAttributes('work').messageRetentionSeconds).toBe(345_600);
      old.close();
    });

    it("answers a large queue's count again for a while, and a small one's never", () => {
      // Prepare: every queue "large" (over -1 messages), and then none.
      const slow = new SqliteQueueStore(db, { depthMemoFromMessages: -1 });
      const quick = new SqliteQueueStore(db, { depthMemoFromMessages: Number.POSITIVE_INFINITY });
      queues.send('work', 'a');
      // Act
      const first = slow.depth('work', Date.now());
      queues.send('work', 'b');
      const again = slow.depth('work', Date.now());
      const fresh = quick.depth('work', Date.now());
      // Assess: the large count is reused (approximate, as SQS's counts), the small one not.
      expect(first).toEqual({ visible: 1, inFlight: 0 });
      expect(again).toEqual(first);
      expect(fresh).toEqual({ visible: 2, inFlight: 0 });
    });
  });
});
