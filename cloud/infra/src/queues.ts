import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** How many times a subscriber may fail a message before it is dead-lettered. */
export const MAX_RECEIVE_COUNT = 5;

/** How a subscriber function reads its buffer queue (the SQS event source mapping). */
export const SUBSCRIBER_BATCH = { batchSize: 10, maxBatchingWindow: Duration.seconds(1) } as const;

/**
 * A queue where failed messages end (a DLQ or an error sink): kept the SQS maximum of 14
 * days, so there is time to look at them and redrive. TLS only, SQS-managed encryption.
 */
export function deadLetterQueue(scope: Construct, id: string): Queue {
  return new Queue(scope, id, {
    retentionPeriod: Duration.days(14),
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  });
}

/**
 * A buffer in front of a function, with its DLQ. The visibility timeout is six times the
 * function timeout plus the batching window, as the Lambda guide advises for SQS event
 * sources (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html).
 */
export function bufferQueue(scope: Construct, id: string, opts: { functionTimeout: Duration }): Queue {
  const dlq = deadLetterQueue(scope, `${id}Dlq`);
  return new Queue(scope, id, {
    visibilityTimeout: Duration.seconds(
      opts.functionTimeout.toSeconds() * 6 + SUBSCRIBER_BATCH.maxBatchingWindow.toSeconds(),
    ),
    retentionPeriod: Duration.days(4),
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    deadLetterQueue: { queue: dlq, maxReceiveCount: MAX_RECEIVE_COUNT },
  });
}
