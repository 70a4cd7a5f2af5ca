// The subscriber thread: the identification and notification functions, as Lambda runs them
// on AWS, away from the thread that runs the broker, rules, bus and queues. Their PutEvents
// and their IoT Data Publish go to the cloud thread over the thread's port (the SDK's
// serialization, signing and an HTTP round trip were a quarter of this thread's work). They
// keep their state in their own SQLite file.
import type { PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import Database from 'better-sqlite3';
import pino from 'pino';
import { FAILURE_REASON } from '../../idempotency/sqs-batch.js';
import { putEventsClient } from '../events/in-process-client.js';
import { iotDataPublishClient } from '../iot-data/in-process-client.js';
import { createLocalSubscribers } from '../subscribers.js';
import { logDestination } from '../terminal-log.js';
import { answerCalls, callParent, failed, ready, send, workerInput } from '../worker-thread/worker-calls.js';
import { GroupCommit } from './group-commit.js';
import type {
  EnqueueMessage,
  InvokeReply,
  ParentCall,
  SubscriberThreadData,
  SubscriberThreadRequest,
} from './protocol.js';
import { coalescePutEvents } from './put-events-coalescer.js';

const data = workerInput<SubscriberThreadData>();
const db = new Database(data.dbFile);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
// Savepoint and statement journals in memory: on disk they were temp files that took
// more write calls than the WAL itself.
db.pragma('temp_store = MEMORY');
const group = new GroupCommit(db);
const eventBridge = putEventsClient((entries) =>
  callParent<PutEventsCommandOutput>({ op: 'putEvents', entries } satisfies ParentCall),
);
const iotData = iotDataPublishClient((input) =>
  callParent<void>({ op: 'publish', ...input } satisfies ParentCall),
);
const subscribers = createLocalSubscribers({
  config: data.config,
  db,
  // Hundreds of invocations run at once here: their results share PutEvents calls.
  eventBridge: coalescePutEvents(eventBridge),
  iotData,
  enqueue: (subscriber, body, delaySeconds) => send<EnqueueMessage>({ subscriber, body, delaySeconds }),
  logger: pino({ level: data.logLevel }, logDestination(data.logFormat)).child({ part: 'subscribers' }),
});

try {
  await subscribers.start();
} catch (error) {
  failed(error);
}

/**
 * An invocation that arrived after the stop began: its messages stay queued (the caller
 * recognises this name and puts the batch back with its receive counts as they were).
 */
class SubscriberThreadStoppingError extends Error {
  override name = 'SubscriberThreadStoppingError';
}

/** How long a stop waits for the invocations in flight before it closes their database. */
const STOP_WAIT_MS = 5_000;
let stopping = false;

answerCalls<SubscriberThreadRequest>(async (req) => {
  if (req.op === 'stop') {
    // Invocations still running would find the database closed and fail their records;
    // let them finish. New ones are refused: their messages stay queued for the next start.
    stopping = true;
    await group.idle(STOP_WAIT_MS);
    group.commit();
    subscribers.stop();
    db.close();
    return;
  }
  if (stopping) throw new SubscriberThreadStoppingError('the subscriber thread is stopping');
  const deadline = Date.now() + req.context.remainingMs;
  // Answered after the commit that holds the invocation's writes (correlations, records).
  const out = await group.run(() =>
    subscribers[req.subscriber](req.event, {
      awsRequestId: req.context.awsRequestId,
      functionName: req.context.functionName,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    }),
  );
  return (out?.batchItemFailures ?? []).map((f) => {
    const reason = (f as { [FAILURE_REASON]?: unknown })[FAILURE_REASON];
    return typeof reason === 'string'
      ? { itemIdentifier: f.itemIdentifier, reason }
      : { itemIdentifier: f.itemIdentifier };
  }) satisfies InvokeReply;
});

ready();
