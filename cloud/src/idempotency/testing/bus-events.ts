import { DetailType, EventSource, newIdempotencyKey } from '@smartdoor/shared';
import type { DelayQueue } from '../delay-queue.js';
import type { KeyedBusEvent } from '../sqs-batch.js';
import { toSqsEvent } from '../sqs-event.js';
import type { LambdaContext } from '../sqs-types.js';

/**
 * Test builders: bus events as the ingest function puts them (the envelope's `time` cut to
 * whole seconds as EventBridge does; the device's millisecond time in metadata), and SQS
 * events around them.
 */
export function deviceEvent(
  detailType: string,
  thingName: string,
  time: string,
  body: Record<string, unknown> = {},
  key: string = newIdempotencyKey(),
): KeyedBusEvent {
  return {
    version: '0',
    id: `id-${key}`,
    'detail-type': detailType,
    source: EventSource.Device,
    account: '123456789012',
    region: 'us-east-1',
    time: time.replace(/\.\d+Z$/, 'Z'),
    resources: [`arn:aws:iot:us-east-1:123456789012:thing/${thingName}`],
    detail: { metadata: { 'idempotency-key': key, thingName, seq: 1, occurredAt: time }, ...body },
  };
}

export const opened = (thing: string, time: string, key?: string) =>
  deviceEvent(DetailType.DoorStateChanged, thing, time, { state: 'open' }, key);
export const badgeRead = (thing: string, time: string, badgeRef: string, key?: string) =>
  deviceEvent(DetailType.BadgeRead, thing, time, { badgeRef }, key);

let counter = 0;
export function sqsOf(...events: object[]) {
  return toSqsEvent(
    events.map((e) => ({ messageId: `m-${++counter}`, body: JSON.stringify(e) })),
    'arn:aws:sqs:us-east-1:123456789012:test',
  );
}

export const lambdaContext = (): LambdaContext => ({
  awsRequestId: 'req',
  functionName: 'test',
  getRemainingTimeInMillis: () => 30_000,
});

/** A delay queue that keeps what it was given, for the test to deliver when it likes. */
export class HeldDelayQueue implements DelayQueue {
  readonly held: Array<{ message: KeyedBusEvent; delaySeconds: number }> = [];
  async send(message: KeyedBusEvent, delaySeconds: number): Promise<void> {
    this.held.push({ message, delaySeconds });
  }
  take(): KeyedBusEvent[] {
    return this.held.splice(0).map((h) => h.message);
  }
}
