import type { CloudConfig } from '@smartdoor/shared';
import type { SqsEvent } from '../../idempotency/sqs-types.js';
import type { SubscriberName } from '../subscribers.js';

/** What the subscriber thread starts with (structured-cloneable). */
export interface SubscriberThreadData {
  config: CloudConfig;
  /** The local cloud's AWS endpoint: the subscribers' SDK clients call it as on AWS. */
  awsUrl: string;
  /** The subscribers' own SQLite file (their DynamoDB tables on AWS). */
  dbFile: string;
  logLevel: string;
}

export type SubscriberThreadRequest =
  | {
      id: number;
      op: 'invoke';
      subscriber: SubscriberName;
      event: SqsEvent;
      context: { awsRequestId: string; functionName: string; remainingMs: number };
    }
  | { id: number; op: 'stop' };

export type SubscriberThreadMessage =
  | { type: 'ready' }
  | { type: 'failed'; error: string }
  /** A delayed check for a subscriber's queue, sent before the invocation that made it answers. */
  | { type: 'enqueue'; subscriber: SubscriberName; body: string; delaySeconds: number }
  | {
      type: 'reply';
      id: number;
      /** The failed items, with the reason each one failed (a symbol on this side of the thread). */
      failures?: Array<{ itemIdentifier: string; reason?: string }>;
      error?: { name: string; message: string };
    };
