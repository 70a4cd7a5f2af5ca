import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { deriveIdempotencyKey } from '@smartdoor/shared';
import type { KeyedBusEvent } from './sqs-batch.js';

/** SQS refuses a DelaySeconds over 15 minutes (SendMessage, DelaySeconds). */
export const MAX_SQS_DELAY_SECONDS = 900;

/**
 * Sends a check message back to the handler's own queue, to arrive after a delay: how a
 * subscriber waits (for a badge, a reconnect, the end of a collapse window) without a
 * timer in the function. On AWS it is SQS message timers
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-timers.html).
 * Checks due later than the maximum delay carry their due time and re-send themselves.
 */
export interface DelayQueue {
  send(message: KeyedBusEvent, delaySeconds: number): Promise<void>;
}

export interface SqsDelayQueueOptions {
  client: Pick<SQSClient, 'send'>;
  /** The handler's own queue (the one its event source mapping reads). */
  queueUrl: string;
}

export class SqsDelayQueue implements DelayQueue {
  readonly #options: SqsDelayQueueOptions;
  constructor(options: SqsDelayQueueOptions) {
    this.#options = options;
  }

  async send(message: KeyedBusEvent, delaySeconds: number): Promise<void> {
    await this.#options.client.send(
      new SendMessageCommand({
        QueueUrl: this.#options.queueUrl,
        MessageBody: JSON.stringify(message),
        DelaySeconds: clampDelay(delaySeconds),
      }),
    );
  }
}

/** A delay SQS accepts: whole seconds, 0 to 900. */
export function clampDelay(seconds: number): number {
  return Math.min(MAX_SQS_DELAY_SECONDS, Math.max(0, Math.ceil(seconds)));
}

/**
 * Send a check to arrive at `dueAtMs`, carrying that time in `detail.dueAt`: SQS caps the
 * delay at 900 s, so a longer wait comes back early and {@link resendUntilDue} sends it on.
 */
export async function sendCheck(
  queue: DelayQueue,
  check: KeyedBusEvent,
  dueAtMs: number,
  nowMs: number,
): Promise<void> {
  const message = { ...check, detail: { ...check.detail, dueAt: new Date(dueAtMs).toISOString() } };
  await queue.send(message, (dueAtMs - nowMs) / 1000);
}

/**
 * A check that came back before `dueAtMs` (the message's own `dueAt` when not given) is sent
 * again for the time left. Each hop gets a key of its own, derived from the one it arrived
 * with: the idempotency layer has already spent the arriving key, and a retry of this hop
 * sends the same next hop. True when it was sent again (the caller does nothing more).
 */
export async function resendUntilDue(
  queue: DelayQueue,
  check: KeyedBusEvent,
  nowMs: number,
  dueAtMs: number = Date.parse(String(check.detail.dueAt)),
): Promise<boolean> {
  if (!(nowMs < dueAtMs)) return false;
  const key = deriveIdempotencyKey(check.detail.metadata['idempotency-key'], 'delay-hop');
  const hop: KeyedBusEvent = {
    ...check,
    id: key,
    time: new Date(nowMs).toISOString(),
    detail: { ...check.detail, metadata: { ...check.detail.metadata, 'idempotency-key': key } },
  };
  await sendCheck(queue, hop, dueAtMs, nowMs);
  return true;
}
