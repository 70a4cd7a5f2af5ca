import { join } from 'node:path';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { FAILURE_REASON } from '../../idempotency/sqs-batch.js';
import type { SqsBatchResponse } from '../../idempotency/sqs-types.js';
import { putEventsOnBus } from '../events/in-process-client.js';
import type { LocalSqsContext, LocalSqsEvent } from '../iot/subscriber-queues.js';
import { SubscriberQueues } from '../iot/subscriber-queues.js';
import { publishOnBroker } from '../iot-data/api.js';
import type { LocalCloud } from '../local-cloud.js';
import { type SubscriberName, SubscribersNotReadyError } from '../subscribers.js';
import type { LogFormat } from '../terminal-log.js';
import { SupervisedWorker } from '../worker-thread/supervised-worker.js';
import { startWorker, WorkerStartError } from '../worker-thread/worker-calls.js';
import type {
  EnqueueMessage,
  InvokeReply,
  ParentCall,
  SubscriberThreadData,
  SubscriberThreadRequest,
} from './protocol.js';

/** Subscribers running in their thread. */
export interface ThreadedSubscribers {
  stop(): Promise<void>;
  /** Restarts after crashes so far. */
  readonly restarts: number;
  /** How busy the thread has been since it (last) started; undefined while it restarts. */
  utilization(): EventLoopUtilization | undefined;
}

/** The subscribers' own SQLite file in the data folder. */
export const SUBSCRIBERS_DB_FILE = 'subscribers.db';

/**
 * Run the identification and notification subscribers in a worker thread, as Lambda runs
 * functions apart from the services that invoke them, and register them on the cloud's
 * subscriber queues. The queue's event source mapping stays here; each batch crosses to the
 * thread and its failed items come back. They get a core of their own, and keep their
 * tables in `subscribers.db` (their DynamoDB) so the two threads never wait on one
 * SQLite write lock. A crashed thread is started again (backoff from 0.5 s to 30 s); its
 * invocations in flight fail and their messages come back after the visibility timeout.
 * Call `stop()` before stopping the cloud.
 */
export async function installThreadedSubscribers(
  cloud: LocalCloud,
  options: {
    logLevel?: string;
    /** How the thread writes its log. @default 'json' */
    logFormat?: LogFormat;
    /** The thread's module. For tests only: a module that runs the real one and adds a fault. */
    threadModule?: URL;
  } = {},
): Promise<ThreadedSubscribers> {
  if (!cloud.endpoints)
    throw new SubscribersNotReadyError('start the local cloud before installing the subscribers');
  const data: SubscriberThreadData = {
    config: cloud.config,
    dbFile: join(cloud.dataDir, SUBSCRIBERS_DB_FILE),
    logLevel: options.logLevel ?? cloud.logger.level,
    logFormat: options.logFormat ?? 'json',
  };
  const log = cloud.logger.child({ part: 'subscribers' });
  let worker: SupervisedWorker<SubscriberThreadRequest>;
  try {
    worker = await SupervisedWorker.start<SubscriberThreadRequest>({
      label: 'the subscriber thread',
      start: () =>
        startWorker<SubscriberThreadRequest, undefined, EnqueueMessage, ParentCall>({
          module: options.threadModule ?? new URL('./subscriber-thread-main.ts', import.meta.url),
          data,
          label: 'the subscriber thread',
          // Before the reply of the invocation that sent it: one port keeps the order.
          onMessage: (m) =>
            cloud.queues.send(
              SubscriberQueues.queueName(m.subscriber),
              m.body,
              {},
              { delaySeconds: m.delaySeconds },
            ),
          // The thread's PutEvents and Publish: checked and answered as the APIs do.
          onCall: (m) =>
            m.op === 'putEvents'
              ? putEventsOnBus(cloud.bus, m.entries)
              : publishOnBroker(cloud.broker, { ...m, payload: Buffer.from(m.payload) }),
        }),
      onCrash: ({ error, delayMs }) => {
        cloud.reportError('subscriber-thread-crashed');
        log.error(
          { err: error.message, restartInMs: delayMs },
          'the subscriber thread crashed; restarting it',
        );
      },
      onRestarted: (restarts) => log.warn({ restarts }, 'the subscriber thread is back'),
    });
  } catch (error) {
    if (error instanceof WorkerStartError)
      throw new SubscribersNotReadyError(error.message, { cause: error });
    throw error;
  }

  const handlerFor =
    (subscriber: SubscriberName) =>
    async (event: LocalSqsEvent, context: LocalSqsContext): Promise<SqsBatchResponse> => {
      const failures = await worker.call<InvokeReply>(
        {
          op: 'invoke',
          subscriber,
          event,
          context: {
            awsRequestId: context.awsRequestId,
            functionName: context.functionName,
            remainingMs: context.getRemainingTimeInMillis(),
          },
        },
        // While a crashed thread restarts, wait no longer than the invocation may run.
        context.getRemainingTimeInMillis(),
      );
      return {
        batchItemFailures: failures.map((f) =>
          Object.assign(
            { itemIdentifier: f.itemIdentifier },
            f.reason === undefined ? {} : { [FAILURE_REASON]: f.reason },
          ),
        ),
      };
    };
  cloud.registerHandler('identification', handlerFor('identification'));
  cloud.registerHandler('notification', handlerFor('notification'));
  return {
    stop: () => worker.stop(),
    get restarts() {
      return worker.restarts;
    },
    utilization: () => worker.utilization(),
  };
}
