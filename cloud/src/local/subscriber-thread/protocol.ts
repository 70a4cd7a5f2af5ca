import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { CloudConfig } from '@smartdoor/shared';
import type { SqsEvent } from '../../idempotency/sqs-types.js';
import type { PublishInput } from '../iot-data/in-process-client.js';
import type { SubscriberName } from '../subscribers.js';
import type { LogFormat } from '../terminal-log.js';

/** What the subscriber thread starts with (structured-cloneable). */
export interface SubscriberThreadData {
  config: CloudConfig;
  /** The subscribers' own SQLite file (their DynamoDB tables on AWS). */
  dbFile: string;
  logLevel: string;
  logFormat: LogFormat;
}

export type SubscriberThreadRequest =
  | {
      op: 'invoke';
      subscriber: SubscriberName;
      event: SqsEvent;
      context: { awsRequestId: string; functionName: string; remainingMs: number };
    }
  | { op: 'stop' };

/** An invocation's answer: the failed items, each with its reason (a symbol on this side of the thread). */
export type InvokeReply = Array<{ itemIdentifier: string; reason?: string }>;

/** A delayed check for a subscriber's queue, sent before the reply of the invocation that made it. */
export interface EnqueueMessage {
  subscriber: SubscriberName;
  body: string;
  delaySeconds: number;
}

/**
 * The thread's calls to the cloud thread: its PutEvents, put on the bus there, and its IoT
 * Data Publish (buzzer commands), published through the broker there. The thread's SDK
 * clients send these instead of HTTP requests.
 */
export type ParentCall =
  | { op: 'putEvents'; entries: PutEventsRequestEntry[] }
  | ({ op: 'publish' } & PublishInput);
