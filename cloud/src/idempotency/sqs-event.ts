import { createHash } from 'node:crypto';
import type { SqsEvent, SqsRecord } from './sqs-types.js';

export interface QueuedMessage {
  messageId: string;
  body: string;
  /** @default 1 */
  receiveCount?: number;
  /** @default now */
  sentAt?: number;
  receiptHandle?: string;
}

/**
 * Shape queue messages as the SQS event Lambda hands a function
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#example-standard-queue-message-event),
 * so the local cloud invokes the handlers exactly as Lambda does.
 */
export function toSqsEvent(messages: QueuedMessage[], queueArn: string): SqsEvent {
  const region = queueArn.split(':')[3] ?? 'us-east-1';
  return {
    Records: messages.map(
      (m): SqsRecord => ({
        messageId: m.messageId,
        receiptHandle: m.receiptHandle ?? m.messageId,
        body: m.body,
        attributes: {
          ApproximateReceiveCount: String(m.receiveCount ?? 1),
          SentTimestamp: String(m.sentAt ?? Date.now()),
        },
        messageAttributes: {},
        md5OfBody: createHash('md5').update(m.body).digest('hex'),
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn,
        awsRegion: region,
      }),
    ),
  };
}
