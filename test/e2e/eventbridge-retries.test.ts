import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_IN_FLIGHT_PER_TARGET } from '../../cloud/src/local/events/delivery-worker.js';
import { EventBusService } from '../../cloud/src/local/events/service.js';
import { LocalQueues } from '../../cloud/src/local/queues/local-queues.js';

// Roles: `bus` is the local EventBridge on an in-memory SQLite database with fake time; `flaky`
// is an in-process function that fails until told otherwise; `dlq` is the target's dead-letter queue.
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const FN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:flaky`;
const DLQ = `arn:aws:sqs:${REGION}:${ACCOUNT}:dlq`;

let db: Database.Database;
let queues: LocalQueues;
let bus: EventBusService;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: new Date('2026-11-22T12:00:00Z') });
  db = new Database(':memory:');
  queues = new LocalQueues({ db });
  // random() = 0.5 makes each delay exactly 3/4 of the exponential step.
  bus = new EventBusService({
    db,
    queues,
    region: REGION,
    accountId: ACCOUNT,
    random: () => 0.5,
    backoff: { baseMs: 1000 },
  });
  bus.start();
  queues.createQueue('dlq');
});

afterEach(async () => {
  await bus.stop();
  queues.stop();
  db.close();
  vi.useRealTimers();
});

function setup(retryPolicy: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number }) {
  const attempts: number[] = [];
  const state = { fail: true, delivered: 0 };
  bus.functions.register('flaky', async () => {
    attempts.push(Date.now());
    if (state.fail) throw new Error('door service unavailable');
    state.delivered++;
  });
  bus.putRule({ name: 'r', eventPattern: '{"source":["smartdoor.device"]}' });
  const failed = bus.putTargets('r', 'default', [
    {
      id: 't',
      arn: FN,
      deadLetterArn: DLQ,
      retryPolicy: {
        maximumRetryAttempts: retryPolicy.MaximumRetryAttempts ?? 185,
        maximumEventAgeInSeconds: retryPolicy.MaximumEventAgeInSeconds ?? 86_400,
      },
    },
  ]);
  expect(failed).toEqual([]);
  return { attempts, state };
}

const put = () =>
  bus.putEvents([
    { Source: 'smartdoor.device', DetailType: 'Door State Changed', Detail: '{"state":"open"}' },
  ]).entries[0]!.eventId!;

describe('Class: EventBusService', () => {
  describe('Method: putEvents (delivery failures)', () => {
    it('retries with exponential backoff, then dead-letters with the reason and the attempt count', async () => {
      // Prepare
      const { attempts } = setup({ MaximumRetryAttempts: 3 });
      const deadLettered = vi.fn();
      bus.on('dead-lettered', deadLettered);
      const start = Date.now();
      // Act
      const id = put();
      await vi.advanceTimersByTimeAsync(60_000);
      // Assess
      expect(attempts.map((t) => t - start)).toEqual([0, 750, 750 + 1500, 750 + 1500 + 3000]);
      const [msg] = queues.peek('dlq');
      expect(JSON.parse(msg!.body)).toMatchObject({
        id,
        source: 'smartdoor.device',
        detail: { state: 'open' },
      });
      expect(msg!.attributes).toMatchObject({
        ERROR_CODE: 'Error',
        ERROR_MESSAGE: 'door service unavailable',
        EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
        RETRY_ATTEMPTS: '3',
        RULE_ARN: `arn:aws:events:${REGION}:${ACCOUNT}:rule/r`,
        TARGET_ARN: FN,
      });
      expect(deadLettered).toHaveBeenCalledTimes(1);
      expect(bus.stats()).toMatchObject({ pendingDeliveries: 0, deadLettered: 1, deliveryFailures: 3 });
    });

    it('dead-letters when the next retry would pass MaximumEventAgeInSeconds', async () => {
      // Prepare
      const { attempts } = setup({ MaximumEventAgeInSeconds: 60 });
      // Act
      put();
      await vi.advanceTimersByTimeAsync(10 * 60_000);
      // Assess: 0, .75, 2.25, 5.25, 11.25, 23.25, 47.25 s; the next (+48 s) would be past 60 s.
      expect(attempts).toHaveLength(7);
      expect(queues.peek('dlq')[0]?.attributes.EXHAUSTED_RETRY_CONDITION).toBe('MaximumEventAgeInSeconds');
    });

    it('sends a non-retryable failure to the DLQ at once', async () => {
      // Prepare
      setup({});
      bus.functions.unregister('flaky');
      // Act
      put();
      await vi.advanceTimersByTimeAsync(1000);
      // Assess
      const [msg] = queues.peek('dlq');
      expect(msg?.attributes.ERROR_CODE).toBe('ResourceNotFoundException');
      expect(msg?.attributes.RETRY_ATTEMPTS).toBe('0');
      expect(msg?.attributes.EXHAUSTED_RETRY_CONDITION).toBeUndefined();
    });
  });

  describe('Method: putEvents (a slow target)', () => {
    it('delivers to a healthy target at once while a hanging one holds at most half the slots', async () => {
      // Prepare
      let slowStarted = 0;
      const fast: number[] = [];
      bus.functions.register(
        'slow',
        async () => {
          slowStarted++;
          await new Promise(() => {});
        },
        { timeoutMs: 5000 },
      );
      bus.functions.register('fast', async () => void fast.push(Date.now()));
      for (const name of ['slow', 'fast']) {
        bus.putRule({ name, eventPattern: JSON.stringify({ 'detail-type': [name] }) });
        bus.putTargets(name, 'default', [
          {
            id: 't',
            arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
            retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 86_400 },
          },
        ]);
      }
      const slowEntries = Array.from({ length: 10 }, () => ({
        Source: 'smartdoor.device',
        DetailType: 'slow',
        Detail: '{}',
      }));
      bus.putEvents(slowEntries);
      bus.putEvents(slowEntries);
      await vi.advanceTimersByTimeAsync(1);
      const putAt = Date.now();
      // Act
      bus.putEvents([{ Source: 'smartdoor.device', DetailType: 'fast', Detail: '{}' }]);
      await vi.advanceTimersByTimeAsync(10);
      const startedBeforeTimeout = slowStarted;
      const inFlight = bus.stats().inFlight;
      await vi.advanceTimersByTimeAsync(5000);
      const afterTimeout = { started: slowStarted, pending: bus.stats().pendingDeliveries };
      const stopped = bus.stop(); // waits its grace period for the hanging attempts
      await vi.advanceTimersByTimeAsync(5000);
      await stopped;
      // Assess
      expect(fast.map((t) => t - putAt)).toEqual([0]);
      expect(startedBeforeTimeout).toBe(MAX_IN_FLIGHT_PER_TARGET);
      expect(inFlight).toBe(MAX_IN_FLIGHT_PER_TARGET);
      // The first eight timed out (no retries, dropped): the next eight took their slots (their
      // rows stay pending while in flight).
      expect(afterTimeout).toEqual({ started: 16, pending: 12 });
    });
  });

  describe('Method: redriveDeadLetters', () => {
    it('delivers each dead letter once to the target it failed at and empties the DLQ', async () => {
      // Prepare
      const { state } = setup({ MaximumRetryAttempts: 0 });
      put();
      put();
      await vi.advanceTimersByTimeAsync(1000);
      expect(queues.depth('dlq').visible).toBe(2);
      state.fail = false;
      // Act
      const out = bus.redriveDeadLetters('dlq');
      await vi.advanceTimersByTimeAsync(1000);
      // Assess
      expect(out).toEqual({ redriven: 2, skipped: 0 });
      expect(state.delivered).toBe(2);
      expect(queues.depth('dlq')).toEqual({ visible: 0, inFlight: 0 });
      expect(bus.stats().pendingDeliveries).toBe(0);
    });

    it('leaves a dead letter whose rule is gone in the DLQ', async () => {
      // Prepare
      setup({ MaximumRetryAttempts: 0 });
      put();
      await vi.advanceTimersByTimeAsync(1000);
      bus.removeTargets('r', 'default', ['t']);
      // Act
      const out = bus.redriveDeadLetters('dlq');
      // Assess
      expect(out).toEqual({ redriven: 0, skipped: 1 });
      expect(queues.depth('dlq').visible).toBe(1);
    });
  });

  describe('Method: stop', () => {
    it('stops after the grace period with a handler hanging, and the next start delivers again', async () => {
      // Prepare
      const calls: string[] = [];
      let hang = true;
      bus.functions.register('flaky', async () => {
        calls.push(hang ? 'hung' : 'ok');
        if (hang) await new Promise(() => {});
      });
      bus.putRule({ name: 'r', eventPattern: '{"source":["smartdoor.device"]}' });
      bus.putTargets('r', 'default', [{ id: 't', arn: FN }]);
      put();
      await vi.advanceTimersByTimeAsync(10);
      // Act
      const stopped = bus.stop();
      await vi.advanceTimersByTimeAsync(5000);
      await stopped;
      hang = false;
      const again = new EventBusService({ db, queues, region: REGION, accountId: ACCOUNT });
      again.functions.register('flaky', async () => void calls.push('ok'));
      again.start();
      await vi.advanceTimersByTimeAsync(10);
      await again.stop();
      // Assess
      expect(calls).toEqual(['hung', 'ok']);
      expect(again.stats().pendingDeliveries).toBe(0);
    });
  });

  describe('Method: putTargets', () => {
    it('refuses a sixth target on a rule with LimitExceededException', () => {
      // Prepare
      bus.functions.register('flaky', async () => {});
      bus.putRule({ name: 'r', eventPattern: '{"source":["a"]}' });
      const five = Array.from({ length: 5 }, (_, i) => ({ id: `t${i}`, arn: FN }));
      bus.putTargets('r', 'default', five);
      // Act
      const err = (() => {
        try {
          bus.putTargets('r', 'default', [{ id: 't5', arn: FN }]);
        } catch (e) {
          return e;
        }
      })();
      // Assess
      expect(err).toMatchObject({ code: 'LimitExceededException' });
    });
  });

  describe('Event: listeners', () => {
    it('reports a throwing listener to onError without failing the put or the delivery', async () => {
      // Prepare
      await bus.stop(); // one service per database at a time
      const errors: unknown[] = [];
      const quiet = new EventBusService({
        db,
        queues,
        region: REGION,
        accountId: ACCOUNT,
        onError: (e) => errors.push(e),
      });
      quiet.start();
      const got: unknown[] = [];
      quiet.functions.register('f', async (e) => void got.push(e));
      quiet.putRule({ name: 'q', eventPattern: '{"source":["smartdoor.device"]}' });
      quiet.putTargets('q', 'default', [{ id: 't', arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:f` }]);
      quiet.on('event-put', () => {
        throw new Error('listener bug');
      });
      // Act
      const out = quiet.putEvents([{ Source: 'smartdoor.device', DetailType: 'x', Detail: '{}' }]);
      await vi.advanceTimersByTimeAsync(100);
      await quiet.stop();
      // Assess
      expect(out.failedEntryCount).toBe(0);
      expect(got).toHaveLength(1);
      expect(errors.map((e) => (e as Error).message)).toEqual(['listener bug']);
    });
  });

  describe('Target: Lambda function', () => {
    it('passes a Lambda-like context and fails an invocation that outlives its timeout', async () => {
      // Prepare
      const contexts: Array<{ id: string; name: string; arn: string; remaining: number }> = [];
      let hang = true;
      bus.functions.register(
        'flaky',
        async (_event, ctx) => {
          contexts.push({
            id: ctx.awsRequestId,
            name: ctx.functionName,
            arn: ctx.invokedFunctionArn,
            remaining: ctx.getRemainingTimeInMillis(),
          });
          if (hang) await new Promise(() => {});
        },
        { timeoutMs: 2000 },
      );
      bus.putRule({ name: 'r', eventPattern: '{"source":["smartdoor.device"]}' });
      bus.putTargets('r', 'default', [{ id: 't', arn: FN }]);
      const failures: string[] = [];
      bus.on('delivery-failed', (f) => failures.push(f.error));
      // Act
      put();
      await vi.advanceTimersByTimeAsync(2001);
      hang = false;
      await vi.advanceTimersByTimeAsync(2000);
      // Assess
      expect(failures).toEqual(['Task.TimedOut: Task timed out after 2000 ms']);
      expect(contexts).toHaveLength(2);
      expect(contexts[0]).toMatchObject({ name: 'flaky', arn: FN, remaining: 2000 });
      expect(contexts[0]!.id).not.toBe(contexts[1]!.id);
      expect(bus.stats()).toMatchObject({ delivered: 1, pendingDeliveries: 0 });
    });
  });
});
