// The subscriber thread: the identification and notification functions, as Lambda runs them
// on AWS, away from the thread that runs the broker, rules, bus and queues. They reach the
// cloud as on AWS (EventBridge and IoT Data Plane SDK clients over its endpoint) and keep
// their state in their own SQLite file.
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import Database from 'better-sqlite3';
import pino from 'pino';
import { FAILURE_REASON } from '../../idempotency/sqs-batch.js';
import { createLocalSubscribers } from '../subscribers.js';
import { answerCalls, failed, ready, send, workerInput } from '../worker-thread/worker-calls.js';
import { GroupCommit } from './group-commit.js';
import type {
  EnqueueMessage,
  InvokeReply,
  SubscriberThreadData,
  SubscriberThreadRequest,
} from './protocol.js';
import { coalescePutEvents } from './put-events-coalescer.js';

const data = workerInput<SubscriberThreadData>();
const db = new Database(data.dbFile);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
const group = new GroupCommit(db);
const clientConfig = {
  endpoint: data.awsUrl,
  region: data.config.region,
  credentials: data.config.credentials,
};
const eventBridge = new EventBridgeClient(clientConfig);
const iotData = new IoTDataPlaneClient(clientConfig);
const subscribers = createLocalSubscribers({
  config: data.config,
  db,
  // Hundreds of invocations run at once here: their results share PutEvents requests.
  eventBridge: coalescePutEvents(eventBridge),
  iotData,
  enqueue: (subscriber, body, delaySeconds) => send<EnqueueMessage>({ subscriber, body, delaySeconds }),
  logger: pino({ level: data.logLevel }, pino.destination(2)).child({ part: 'subscribers' }),
});

try {
  await subscribers.start();
} catch (error) {
  failed(error);
}

answerCalls<SubscriberThreadRequest>(async (req) => {
  if (req.op === 'stop') {
    group.commit();
    subscribers.stop();
    eventBridge.destroy();
    iotData.destroy();
    db.close();
    return;
  }
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
