/** Settings of a local SQS-like queue. */
export interface QueueAttributes {
  /**
   * How long a received message stays hidden from other consumers.
   * @default 30
   */
  visibilityTimeoutSeconds: number;
  /** Receives before a message moves to `deadLetterQueue` (SQS RedrivePolicy maxReceiveCount). */
  maxReceiveCount?: number;
  /** Name of the dead-letter queue (SQS RedrivePolicy deadLetterTargetArn). */
  deadLetterQueue?: string;
  /**
   * How long a message is kept, from when it was first sent (SQS MessageRetentionPeriod,
   * {@link MESSAGE_RETENTION}); an older one is deleted, never received.
   * @default 345600 (4 days)
   */
  messageRetentionSeconds: number;
}

/**
 * SQS MessageRetentionPeriod: 60 s to 14 days, 4 days by default
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html).
 */
export const MESSAGE_RETENTION = { minSeconds: 60, maxSeconds: 1_209_600, defaultSeconds: 345_600 } as const;

export interface QueueMessage {
  messageId: string;
  body: string;
  /** Message attributes' values, as text (Binary ones base64). */
  attributes: Record<string, string>;
  /** Data types of the attributes that are not plain `String` (`Number`, `Binary`, ...). */
  attributeTypes?: Record<string, string>;
  sentAt: number;
  receiveCount: number;
  /**
   * Why the last consumer failed it (a subscriber's error), kept when it moves to the
   * dead-letter queue. Local only: SQS keeps no such field.
   */
  lastError?: string;
}

export interface ReceivedMessage extends QueueMessage {
  receiptHandle: string;
}

export interface QueueDepth {
  visible: number;
  inFlight: number;
}

export function queueArn(region: string, account: string, name: string): string {
  return `arn:aws:sqs:${region}:${account}:${name}`;
}

/** `arn:aws:sqs:r:a:name` -> `name`; undefined when not an SQS ARN. */
export function queueNameFromArn(arn: string): string | undefined {
  const m = /^arn:aws:sqs:[^:]*:[^:]*:([^:/]+)$/.exec(arn);
  return m?.[1];
}
