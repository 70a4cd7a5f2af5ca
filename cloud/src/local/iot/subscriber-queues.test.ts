import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FAILURE_REASON } from '../../idempotency/sqs-batch.js';
import { EventBusService } from '../events/index.js';
import { BatchNotTakenError, LocalQueues } from '../queues/index.js';
import { type LocalSqsHandler, SubscriberQueues } from './subscriber-queues.js';

let db: Database.Database;
let queues: LocalQueues;
let bus: EventBusService;
let subscribers: SubscriberQueues;
const silent = pino({ level: 'silent' });

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  db = new Database(':memory:');
  queues = new LocalQueues({ db });
  bus = new EventBusService({ db, queues, region: 'eu-west-1', accountId: '123456789012' });
  subscribers = new SubscriberQueues({
    queues,
    bus,
    logger: silent,
    region: 'eu-west-1',
    accountId: '123456789012',
    maxReceiveCount: 2,
    visibilityTimeoutSeconds: 1,
    pollIntervalMs: 100,
    errorQueues: ['smartdoor-ingest-errors'],
  });
});

afterEach(async () => {
  subscribers.stop();
  queues.stop();
  await bus.stop();
  db.close();
  vi.useRealTimers();
});

/** Sends one message to `subscriber`'s queue and runs the fake clock past every retry. */
async function deadLetterOne(subscriber: string, handler: LocalSqsHandler): Promise<void> {
  subscribers.register(subscriber, handler);
  queues.send(
    SubscriberQueues.queueName(subscriber),
    JSON.stringify({ 'detail-type': 'Door State Changed' }),
  );
  for (let i = 0; i < 6; i++) await vi.advanceTimersByTimeAsync(1_100);
}

describe('Class: SubscriberQueues', () => {
  describe('Method: register', () => {
    it('invokes the subscriber once per batch received, with every record, as Lambda does', async () => {
      // Prepare: three messages wait before the subscriber comes
      const queue = subscribers.ensureQueue('identification');
      for (const n of [1, 2, 3]) queues.send(queue, JSON.stringify({ n }));
      const invocations: number[][] = [];
      // Act
      subscribers.register('identification', async (event) => {
        invocations.push(event.Records.map((r) => (JSON.parse(r.body) as { n: number }).n));
        return { batchItemFailures: [] };
      });
      await vi.advanceTimersByTimeAsync(50);
      // Assess
      expect(invocations).toEqual([[1, 2, 3]]);
      expect(subscribers.backlog()).toEqual({ queues: 0, deadLetters: 0 });
    });

    it('fails the whole batch when batchItemFailures names a message that is not in it', async () => {
      // Prepare
      const handler: LocalSqsHandler = async () => ({
        batchItemFailures: [{ itemIdentifier: 'not-a-message' }],
      });
      // Act
      await deadLetterOne('notification', handler);
      // Assess
      expect(subscribers.deadLetters()[0]?.reason).toMatch(
        /batchItemFailures names "not-a-message", not a message of this batch: the whole batch failed$/,
      );
    });
  });

  describe('Method: register, an invocation that never settles', () => {
    it('fails its batch at the function timeout with Task timed out, frees its slot, and ignores its late result', async () => {
      // Prepare: one slot, a 5 s function timeout, the first invocation hung until released
      const logger = pino({ level: 'debug' }, { write: () => {} });
      const debug = vi.spyOn(logger, 'debug');
      const one = new SubscriberQueues({
        queues,
        bus,
        logger,
        region: 'eu-west-1',
        accountId: '123456789012',
        maxReceiveCount: 3,
        visibilityTimeoutSeconds: 30,
        timeoutSeconds: 5,
        pollIntervalMs: 100,
        concurrency: 1,
      });
      const queue = one.ensureQueue('notification');
      let release!: () => void;
      const handled: string[] = [];
      one.register('notification', async (event) => {
        const body = event.Records[0]!.body;
        if (body === 'hang')
          await new Promise<void>((resolve) => {
            release = resolve;
          });
        else handled.push(body);
        return { batchItemFailures: [] };
      });
      queues.send(queue, 'hang');
      await vi.advanceTimersByTimeAsync(50);
      queues.send(queue, 'next');
      // Act
      await vi.advanceTimersByTimeAsync(4_900);
      const beforeTimeout = [...handled];
      await vi.advanceTimersByTimeAsync(200);
      release();
      await vi.advanceTimersByTimeAsync(50);
      one.stop();
      // Assess: the slot came back at 5 s; the hung message stays, with Lambda's reason
      expect(beforeTimeout).toEqual([]);
      expect(handled).toEqual(['next']);
      expect(queues.peek(queue).map((m) => [m.body, m.receiveCount])).toEqual([['hang', 1]]);
      expect(queues.peek(queue)[0]?.lastError).toMatch(
        /^SubscriberMessageFailedError: notification failed message .+: Task\.TimedOut: Task timed out after 5\.00 seconds$/,
      );
      expect(debug).toHaveBeenCalledWith(
        expect.objectContaining({ functionName: 'smartdoor-notification', outcome: 'resolved' }),
        'a timed-out invocation settled late; ignored',
      );
    });
  });

  describe('Method: register, a function that is stopping', () => {
    it('puts back a batch the function did not take, its receive count as it was', async () => {
      // Prepare
      const queue = subscribers.ensureQueue('notification');
      queues.send(queue, 'waiting');
      let calls = 0;
      const off = subscribers.register('notification', async () => {
        calls++;
        throw new BatchNotTakenError('the subscriber thread is stopping');
      });
      // Act
      await vi.advanceTimersByTimeAsync(50);
      off();
      // Assess
      expect(calls).toBe(1);
      expect(queues.peek(queue).map((m) => [m.body, m.receiveCount, m.lastError])).toEqual([
        ['waiting', 0, undefined],
      ]);
      expect(queues.depth(queue)).toEqual({ visible: 1, inFlight: 0 });
    });
  });

  describe('Method: deadLetters', () => {
    it('keeps the error a subscriber threw with the message when it reaches the DLQ', async () => {
      // Prepare
      const handler: LocalSqsHandler = async () => {
        throw new TypeError('webhook https://hooks.example answered 503');
      };
      // Act
      await deadLetterOne('notification', handler);
      const letters = subscribers.deadLetters();
      // Assess
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({
        queue: 'smartdoor-notification-dlq',
        attempts: 2,
        detailType: 'Door State Changed',
        reason:
          'SubscriberMessageFailedError: notification failed message ' +
          `${letters[0]?.id}: TypeError: webhook https://hooks.example answered 503`,
      });
    });

    it('keeps the reason of a batch item failure, and says when none was given', async () => {
      // Prepare: one subscriber reports a reason the way createSqsBatchHandler does, one bare.
      const withReason: LocalSqsHandler = async (event) => ({
        batchItemFailures: [
          { itemIdentifier: event.Records[0]!.messageId, [FAILURE_REASON]: 'BadgeDirectoryError: locked' },
        ],
      });
      const bare: LocalSqsHandler = async (event) => ({
        batchItemFailures: [{ itemIdentifier: event.Records[0]!.messageId }],
      });
      // Act
      await deadLetterOne('identification', withReason);
      await deadLetterOne('notification', bare);
      const reasons = Object.fromEntries(subscribers.deadLetters().map((l) => [l.queue, l.reason]));
      // Assess
      expect(reasons['smartdoor-identification-dlq']).toMatch(/: BadgeDirectoryError: locked$/);
      expect(reasons['smartdoor-notification-dlq']).toMatch(
        /: reported in batchItemFailures \(no reason given\)$/,
      );
    });

    it("names the door of an ingest error from the refused record, which has no bus event's metadata", () => {
      // Prepare: a payload the ingest function refused, and a refused lifecycle event
      queues.createQueue('smartdoor-ingest-errors');
      const refused = (record: object) =>
        queues.send('smartdoor-ingest-errors', JSON.stringify({ reason: 'invalid', record, at: 1 }));
      refused({ payload: 'bm90IGpzb24=', thingName: 'door-009', clientId: 'door-009' });
      refused({ eventType: 'connected', clientId: 'door-010' });
      // Act
      const doors = subscribers.deadLetters().map((l) => l.thingName);
      // Assess
      expect(doors).toEqual(['door-009', 'door-010']);
    });

    it('drops the message from the queue without a reason when the subscriber succeeds', async () => {
      // Prepare
      const ok: LocalSqsHandler = async () => ({ batchItemFailures: [] });
      // Act
      await deadLetterOne('identification', ok);
      // Assess
      expect(subscribers.deadLetters()).toEqual([]);
      expect(subscribers.backlog()).toEqual({ queues: 0, deadLetters: 0 });
    });
  });

  describe('Methods: redrive, dismiss', () => {
    /** A subscriber dead letter and a malformed record in the ingest error queue. */
    async function oneOfEach(): Promise<{ dead: string; error: string }> {
      queues.createQueue('smartdoor-ingest-errors');
      queues.send('smartdoor-ingest-errors', JSON.stringify({ reason: 'type: invalid', record: 'x' }));
      await deadLetterOne('notification', async () => {
        throw new Error('webhook answered 503');
      });
      const letters = subscribers.deadLetters();
      return {
        dead: letters.find((l) => l.queue === 'smartdoor-notification-dlq')!.id,
        error: letters.find((l) => l.queue === 'smartdoor-ingest-errors')!.id,
      };
    }

    it('marks only subscriber dead letters as redrivable, and redrives only those', async () => {
      // Prepare
      const { dead, error } = await oneOfEach();
      const before = subscribers.deadLetters().map((l) => [l.id, l.redrivable]);
      // Act
      const byId = subscribers.redrive([error]);
      const all = subscribers.redrive([]);
      // Assess
      expect(before).toEqual(
        expect.arrayContaining([
          [dead, true],
          [error, false],
        ]),
      );
      expect(byId).toBe(0);
      expect(all).toBe(1);
      expect(subscribers.deadLetters().map((l) => l.id)).toEqual([error]);
    });

    it('dismisses error-queue messages and leaves dead letters for a redrive', async () => {
      // Prepare
      const { dead, error } = await oneOfEach();
      // Act
      const n = subscribers.dismiss([dead, error]);
      // Assess
      expect(n).toBe(1);
      expect(subscribers.deadLetters().map((l) => l.id)).toEqual([dead]);
      expect(subscribers.dismiss([])).toBe(0);
    });
  });
});
