import { join } from 'node:path';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { FAILURE_REASON } from '../../idempotency/sqs-batch.js';
import type { SqsBatchResponse } from '../../idempotency/sqs-types.js';
import { putEventsOnBus } from '../events/in-process-client.js';
import type { LocalSqsContext, LocalSqsEvent } from '../iot/subscriber-queues.js';
import { SubscriberQueues } from '../iot/subscriber-queues.js';
import { publishOnBroker } from '../iot-data/api.js';
import type { LocalCloud } from '../local-cloud.js';
import { BatchNotTakenError } from '../queues/index.js';
import { type SubscriberName, SubscribersNotReadyError } from '../subscribers.js';
import type { LogFormat } from '../terminal-log.js';
import { SupervisedWorker, WorkerStoppedError } from '../worker-thread/supervised-worker.js';
import { startWorker, WorkerCallError, WorkerStartError } from '../worker-thread/worker-calls.js';
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
 * The thread's old-generation heap limit. Without one, a runaway subscriber grew to ~4.7 GB
 * before the process died; with it, the thread alone dies and is restarted. The whole
 * process (cloud, subscribers and 5,000 doors) peaks near 1.5 GB under the load test
 * (simulator/bench/RESULTS.md), the subscribers a fraction of it: 1 GB leaves them room.
 */
export const SUBSCRIBER_THREAD_MAX_OLD_GENERATION_MB = 1024;

/** The thread's answer to an invocation sent while it stops (see subscriber-thread-main.ts). */
const THREAD_STOPPING_ERROR = 'SubscriberThreadStoppingError';

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
          maxOldGenerationSizeMb: SUBSCRIBER_THREAD_MAX_OLD_GENERATION_MB,
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
      let failures: InvokeReply;
      try {
        failures = await worker.call<InvokeReply>(
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
      } catch (error) {
        // Refused by a stopping thread, never run: the batch goes back with its receive
        // counts as they were, or each stop would use up a receive of the backlog.
        if (
          error instanceof WorkerStoppedError ||
          (error instanceof WorkerCallError && error.name === THREAD_STOPPING_ERROR)
        )
          throw new BatchNotTakenError(error.message, { cause: error });
        throw error;
      }
      return {
        batchItemFailures: failures.map((f) =>
          Object.assign(
            { itemIdentifier: f.itemIdentifier },
            f.reason === undefined ? {} : { [FAILURE_REASON]: f.reason },
          ),
        ),
      };
    };
  const unregister = [
    cloud.subscribers.register('identification', handlerFor('identification')),
    cloud.subscribers.register('notification', handlerFor('notification')),
  ];
  return {
    // The queues' event source mappings first: a batch received while the thread stops
    // would be refused. The invocations in flight still finish, and their results are kept.
    stop: async () => {
      for (const off of unregister) off();
      await worker.stop();
    },
    get restarts() {
      return worker.restarts;
    },
    utilization: () => worker.utilization(),
  };
}
