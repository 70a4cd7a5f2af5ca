import { ContractValidationError } from '@smartdoor/shared';
import { describe, expect, it } from 'vitest';
import { clampDelay } from './delay-queue.js';
import { MemoryPersistenceLayer } from './memory-persistence-layer.js';
import {
  createSqsBatchHandler,
  FAILURE_REASON,
  type KeyedBusEvent,
  parseKeyedBusEvent,
} from './sqs-batch.js';
import type { LambdaContext } from './sqs-types.js';
import { lambdaContext, opened, sqsOf } from './testing/bus-events.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function batchHandler(process: (event: KeyedBusEvent) => Promise<unknown>, recordBudgetMs?: number) {
  return createSqsBatchHandler({
    process,
    persistenceStore: new MemoryPersistenceLayer(),
    keyPrefix: 'test',
    log: quiet,
    ...(recordBudgetMs === undefined ? {} : { recordBudgetMs }),
  });
}

describe('Function: createSqsBatchHandler', () => {
  it('processes each idempotency key once, across records and invocations', async () => {
    // Prepare
    const seen: string[] = [];
    const handler = batchHandler(async (event) => seen.push(event.detail.metadata['idempotency-key']));
    const first = opened('door-1', '2026-11-23T12:00:00.000Z');
    const second = opened('door-1', '2026-11-23T12:00:01.000Z');
    // Act
    const a = await handler(sqsOf(first, second), lambdaContext());
    const b = await handler(sqsOf(second, first), lambdaContext());
    // Assess
    expect(seen).toEqual([
      first.detail.metadata['idempotency-key'],
      second.detail.metadata['idempotency-key'],
    ]);
    expect([a.batchItemFailures, b.batchItemFailures]).toEqual([[], []]);
  });

  it("lets a retry take over a key whose invocation died in progress, once that invocation's time is up", async () => {
    // Prepare: the first invocation never finishes (a crash or a timeout), with 30 ms left.
    let calls = 0;
    const handler = batchHandler(async () => {
      calls++;
      if (calls === 1) await new Promise(() => {});
    });
    const event = opened('door-1', '2026-11-23T12:00:00.000Z');
    void handler(sqsOf(event), { ...lambdaContext(), getRemainingTimeInMillis: () => 30 });
    await new Promise((r) => setTimeout(r, 5));
    const early = await handler(sqsOf(event), lambdaContext());
    // Act
    await new Promise((r) => setTimeout(r, 60));
    const late = await handler(sqsOf(event), lambdaContext());
    // Assess: refused while the first may still run, taken over after its deadline.
    expect(early.batchItemFailures).toHaveLength(1);
    expect(late.batchItemFailures).toEqual([]);
    expect(calls).toBe(2);
  });

  it('starts no record with less than its budget left, and hands the untried ones back as failures', async () => {
    // Prepare: 2.5 s left, each record takes 0.6 s, a record may take up to 1 s.
    let remaining = 2_500;
    const seen: string[] = [];
    const handler = batchHandler(async (event) => {
      seen.push(event.detail.metadata['idempotency-key']);
      remaining -= 600;
    }, 1_000);
    const events = [0, 1, 2, 3, 4].map((i) => opened('door-1', `2026-11-23T12:00:0${i}.000Z`));
    const batch = sqsOf(...events);
    // Act
    const out = await handler(batch, { ...lambdaContext(), getRemainingTimeInMillis: () => remaining });
    // Assess: 2.5, 1.9 and 1.3 s left start a record; 0.7 s does not.
    expect(seen).toEqual(events.slice(0, 3).map((e) => e.detail.metadata['idempotency-key']));
    expect(out.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      batch.Records.slice(3).map((r) => r.messageId),
    );
    expect((out.batchItemFailures[0] as { [FAILURE_REASON]?: string })[FAILURE_REASON]).toMatch(
      /not started: 700 ms left, a record may take 1000 ms/,
    );
  });

  it('always starts the first record, and runs every record without a remaining time to read', async () => {
    // Prepare
    let calls = 0;
    const handler = batchHandler(async () => void calls++, 1_000);
    const batch = () =>
      sqsOf(opened('door-1', '2026-11-23T12:00:00Z'), opened('door-1', '2026-11-23T12:00:01Z'));
    const noClock = { awsRequestId: 'local', functionName: 'local' } as unknown as LambdaContext;
    // Act
    const short = await handler(batch(), { ...lambdaContext(), getRemainingTimeInMillis: () => 10 });
    const local = await handler(batch(), noClock);
    // Assess
    expect(short.batchItemFailures).toHaveLength(1);
    expect(local.batchItemFailures).toEqual([]);
    expect(calls).toBe(3);
  });

  it('fails only the record that cannot be parsed, naming what was wrong', async () => {
    // Prepare
    const seen: string[] = [];
    const handler = batchHandler(async (event) => seen.push(event.detail.metadata['idempotency-key']));
    const good = opened('door-1', '2026-11-23T12:00:00.000Z');
    const batch = sqsOf(good);
    batch.Records.unshift({ ...batch.Records[0]!, messageId: 'bad', body: '{not json' });
    // Act
    const out = await handler(batch, lambdaContext());
    // Assess
    expect(out.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['bad']);
    expect(seen).toEqual([good.detail.metadata['idempotency-key']]);
  });
});

describe('Function: parseKeyedBusEvent', () => {
  it('returns a bus event that carries smartdoor metadata', () => {
    // Prepare
    const event = opened('door-1', '2026-11-23T12:00:00Z');
    // Act
    const parsed = parseKeyedBusEvent(JSON.stringify(event));
    // Assess
    expect(parsed).toEqual(event);
  });

  it.each([
    ['{not json', /queued bus event: \(document\): expected a JSON document, received malformed JSON/],
    [JSON.stringify({ hello: 'world' }), /version: expected "0"/],
    [
      JSON.stringify({ ...opened('door-1', '2026-11-23T12:00:00Z'), detail: { state: 'open' } }),
      /detail\.metadata: expected an object with idempotency-key and thingName, received nothing/,
    ],
  ])('refuses %s with a readable reason', (body, message) => {
    // Prepare / Act
    const parse = () => parseKeyedBusEvent(body);
    // Assess
    expect(parse).toThrow(ContractValidationError);
    expect(parse).toThrow(message);
  });
});

describe('Function: clampDelay', () => {
  it('keeps SQS DelaySeconds whole and within 0-900', () => {
    // Prepare / Act / Assess
    expect([clampDelay(-1), clampDelay(0.2), clampDelay(10), clampDelay(1_200)]).toEqual([0, 1, 10, 900]);
  });
});
