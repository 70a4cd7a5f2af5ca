import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { FAILURE_REASON } from '../../idempotency/sqs-batch.js';
import type { SqsBatchResponse } from '../../idempotency/sqs-types.js';
import { SubscriberQueues } from '../iot/subscriber-queues.js';
import type { LocalCloud } from '../local-cloud.js';
import { type SubscriberName, SubscribersNotReadyError } from '../subscribers.js';
import type { SubscriberThreadData, SubscriberThreadMessage, SubscriberThreadRequest } from './protocol.js';

/** The subscribers' own SQLite file in the data folder. */
export const SUBSCRIBERS_DB_FILE = 'subscribers.db';

/** The subscriber thread ended before it answered. */
export class SubscriberThreadExitedError extends Error {
  override name = 'SubscriberThreadExitedError';
}

type Pending = {
  resolve: (m: Extract<SubscriberThreadMessage, { type: 'reply' }>) => void;
  reject: (e: Error) => void;
};
type Request = SubscriberThreadRequest extends infer R
  ? R extends { id: number }
    ? Omit<R, 'id'>
    : never
  : never;

/**
 * Run the identification and notification subscribers in a worker thread, as Lambda runs
 * functions apart from the services that invoke them, and register them on the cloud's
 * subscriber queues. The queue's event source mapping stays here; each batch crosses to the
 * thread and its failed items come back. They get a core of their own, and keep their
 * tables in `subscribers.db` (their DynamoDB) so the two threads never wait on one
 * SQLite write lock. Call `stop()` before stopping the cloud.
 */
export async function installThreadedSubscribers(
  cloud: LocalCloud,
  options: { logLevel?: string } = {},
): Promise<{ stop(): Promise<void> }> {
  const endpoints = cloud.endpoints;
  if (!endpoints)
    throw new SubscribersNotReadyError('start the local cloud before installing the subscribers');
  const data: SubscriberThreadData = {
    config: cloud.config,
    awsUrl: endpoints.aws,
    dbFile: join(cloud.dataDir, SUBSCRIBERS_DB_FILE),
    logLevel: options.logLevel ?? cloud.logger.level,
  };
  const worker = new Worker(new URL('./entry.mjs', import.meta.url), { workerData: data });
  const waiting = new Map<number, Pending>();
  let nextId = 1;
  let exited: Error | undefined;

  await new Promise<void>((resolve, reject) => {
    worker.on('message', (m: SubscriberThreadMessage) => {
      if (m.type === 'ready') resolve();
      else if (m.type === 'failed')
        reject(new SubscribersNotReadyError(`the subscribers did not start: ${m.error}`));
      else if (m.type === 'enqueue') {
        // Before the reply of the invocation that sent it: one port keeps the order.
        cloud.queues.send(
          SubscriberQueues.queueName(m.subscriber),
          m.body,
          {},
          { delaySeconds: m.delaySeconds },
        );
      } else {
        const w = waiting.get(m.id);
        waiting.delete(m.id);
        w?.resolve(m);
      }
    });
    worker.on('error', (e) => {
      cloud.logger.error({ err: e }, 'subscriber thread failed');
      reject(e);
    });
    worker.on('exit', (code) => {
      exited = new SubscriberThreadExitedError(`the subscriber thread exited (code ${code})`);
      reject(exited);
      for (const w of waiting.values()) w.reject(exited);
      waiting.clear();
    });
  });

  const call = (request: Request) => {
    if (exited) return Promise.reject(exited);
    const id = nextId++;
    return new Promise<Extract<SubscriberThreadMessage, { type: 'reply' }>>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.postMessage({ ...request, id });
    });
  };

  const handlerFor =
    (subscriber: SubscriberName) =>
    async (
      event: Parameters<Parameters<LocalCloud['registerHandler']>[1]>[0],
      context: Parameters<Parameters<LocalCloud['registerHandler']>[1]>[1],
    ): Promise<SqsBatchResponse> => {
      const reply = await call({
        op: 'invoke',
        subscriber,
        event,
        context: {
          awsRequestId: context.awsRequestId,
          functionName: context.functionName,
          remainingMs: context.getRemainingTimeInMillis(),
        },
      });
      if (reply.error) throw Object.assign(new Error(reply.error.message), { name: reply.error.name });
      return {
        batchItemFailures: (reply.failures ?? []).map((f) =>
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
    async stop() {
      if (!exited) await call({ op: 'stop' }).catch(() => {});
      await worker.terminate();
    },
  };
}
