import { afterEach, describe, expect, it, vi } from 'vitest';
import { IOT_RULES } from '../../definitions/iot-rules.js';
import { lambdaAction } from './lambda-action.js';
import { type RuleActionInput, RulesEngine } from './rules-engine.js';

const input = (n: number): RuleActionInput => ({
  ruleName: 'r',
  topic: 't',
  payload: Buffer.from(String(n)),
  json: { n },
  traceId: `trace-${n}`,
});

function setup(maxBatch: number, fail?: string, concurrency?: number) {
  const events: unknown[] = [];
  const action = lambdaAction({
    ...(concurrency === undefined ? {} : { concurrency }),
    functionName: 'fn',
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn',
    fn: async (event, context) => {
      events.push(event);
      expect(context.functionName).toBe('fn');
      if (fail) throw new Error(fail);
    },
    maxBatch,
    newId: () => 'req',
    now: () => 0,
  });
  return { action, events };
}

describe('Function: lambdaAction', () => {
  it('passes the rule output as the event when not batching', async () => {
    // Prepare
    const { action, events } = setup(1);

    // Act
    await action.run(input(1));

    // Assess
    expect(events).toEqual([{ n: 1 }]);
    expect(action).toMatchObject({
      type: 'LambdaAction',
      resource: 'arn:aws:lambda:us-east-1:000000000000:function:fn',
    });
  });

  it('gathers the outputs of one tick into batches of at most maxBatch', async () => {
    // Prepare
    const { action, events } = setup(3);

    // Act
    await Promise.all([1, 2, 3, 4, 5].map((n) => action.run(input(n))));

    // Assess
    expect(events).toEqual([
      [{ n: 1 }, { n: 2 }, { n: 3 }],
      [{ n: 4 }, { n: 5 }],
    ]);
  });

  it('batches what arrives while every invocation slot is busy', async () => {
    // Prepare
    const { action, events } = setup(10, undefined, 1);

    // Act: the first output takes the only slot; the next ones arrive in later ticks.
    const first = action.run(input(1));
    await new Promise((r) => setImmediate(r));
    const later = [2, 3, 4].map((n) => action.run(input(n)));
    await Promise.all([first, ...later]);

    // Assess
    expect(events).toEqual([[{ n: 1 }], [{ n: 2 }, { n: 3 }, { n: 4 }]]);
  });

  it('fails every message of a batch whose invocation failed', async () => {
    // Prepare
    const { action } = setup(10, 'PutEvents failed');

    // Act
    const outcomes = await Promise.allSettled([action.run(input(1)), action.run(input(2))]);

    // Assess
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    await action.flush();
  });

  it('invokes each of a long burst once, in order, through the queue’s compaction', async () => {
    // Prepare: more than the 1,024 taken entries after which the queue compacts itself.
    const { action, events } = setup(3, undefined, 2);
    const n = 5_000;

    // Act
    await Promise.all(Array.from({ length: n }, (_, i) => action.run(input(i))));

    // Assess
    const seen = (events as Array<Array<{ n: number }>>).flat().map((e) => e.n);
    expect(seen).toEqual(Array.from({ length: n }, (_, i) => i));
  });
});

describe('Function: lambdaAction, an invocation that never settles', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fails its outputs at timeoutMs with Task timed out and frees its slot for later outputs', async () => {
    // Prepare: both slots taken by invocations that never settle
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const events: unknown[] = [];
    const action = lambdaAction({
      functionName: 'fn',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn',
      fn: (event) => {
        events.push(event);
        return (event as { n: number }).n < 2 ? new Promise(() => {}) : Promise.resolve();
      },
      concurrency: 2,
      timeoutMs: 1_000,
      newId: () => 'req',
      now: () => 0,
    });
    const hung = [0, 1].map((n) =>
      action.run(input(n)).then(
        () => 'done',
        (e: Error) => e.message,
      ),
    );
    let later = 'pending';
    void action.run(input(2)).then(() => {
      later = 'done';
    });
    // Act
    await vi.advanceTimersByTimeAsync(999);
    const before = later;
    await vi.advanceTimersByTimeAsync(1);
    // Assess
    expect(before).toBe('pending');
    expect(await Promise.all(hung)).toEqual([
      'Task timed out after 1.00 seconds',
      'Task timed out after 1.00 seconds',
    ]);
    expect(later).toBe('done');
    expect(events).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
    await action.flush();
  });

  it("sends a timed-out output to the rule's error action", async () => {
    // Prepare: the ingest action never settles
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const errors: RuleActionInput[] = [];
    const engine = new RulesEngine({
      rules: IOT_RULES,
      actions: {
        ingest: lambdaAction({
          functionName: 'ingest',
          functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:ingest',
          fn: () => new Promise(() => {}),
          timeoutMs: 30_000,
          newId: () => 'req',
          now: () => 0,
        }),
        'rule-errors': { type: 'SqsAction', resource: 'rule-errors', run: async (i) => void errors.push(i) },
      },
      accountId: '000000000000',
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    // Act
    engine.process({
      topic: 'smartdoor/door-001/events',
      payload: Buffer.from('{"type":"door.state.changed"}'),
      qos: 1,
      retain: false,
      clientId: 'door-001',
    });
    await vi.advanceTimersByTimeAsync(30_000);
    await engine.drain();
    // Assess
    expect(errors.map((e) => (e.json as { failures: unknown[] }).failures)).toEqual([
      [
        {
          failedAction: 'LambdaAction',
          failedResource: 'arn:aws:lambda:us-east-1:000000000000:function:ingest',
          errorMessage: 'Task timed out after 30.00 seconds',
        },
      ],
    ]);
  });
});
