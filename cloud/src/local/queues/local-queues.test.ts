import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BatchNotTakenError, QueueDoesNotExistError, ReceiptHandleInvalidError } from './errors.js';
import { LocalQueues } from './local-queues.js';

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
      // Prepare: the table as the previous version created it, with two messages.
      const old = new Database(':memory:');
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
        INSERT INTO q_messages VALUES ('m2', 'work', 'second', '{}', 1, 0, 0, NULL, 2, NULL);
        INSERT INTO q_messages VALUES ('m1', 'work', 'first', '{"a":"1"}', 1, 0, 1, 'old-receipt', 1, 'E: why');`);
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
