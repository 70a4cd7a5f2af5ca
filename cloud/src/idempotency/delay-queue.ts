import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
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
