import {
  type StartedWorker,
  startWorker,
  WorkerStartError,
} from '@smartdoor/cloud/local/worker-thread/worker-calls';
import type { BusEvent } from '@smartdoor/shared';
import { SimulatorError } from '../errors.js';
import type { DoorCredentials } from '../fleet/virtual-door.js';
import type { SimCloud } from '../sim-cloud.js';
import type {
  CloudThreadOptions,
  CloudThreadReady,
  CloudThreadRequest,
  CloudThreadUtilization,
  ObservedMessage,
} from './protocol.js';

export type { CloudThreadOptions } from './protocol.js';

/**
 * The cloud thread's old-generation heap limit, so a runaway cloud dies on its own instead of
 * taking the machine's memory. The load test (5,000 doors) peaks near 1.5 GB RSS for the
 * whole process (simulator/bench/RESULTS.md); 2 GB leaves the cloud's heap room above that.
 */
export const CLOUD_THREAD_MAX_OLD_GENERATION_MB = 2048;

/** A cloud in a worker thread, as the simulator sees it, plus its CA for peer brokers. */
export interface ThreadCloud extends SimCloud {
  pki: CloudThreadReady['pki'];
  /** Client ids connected to the cloud's broker now. */
  connectedClients(): Promise<string[]>;
  /** How busy the cloud thread and its subscriber thread have been since they started. */
  utilization(): Promise<CloudThreadUtilization>;
}

/**
 * Start the local cloud in a worker thread: the doors keep this thread and the cloud gets
 * a core of its own (on AWS they are different machines; on one event loop each side's work
 * delays the other's). Bus events and deliveries come over in batches, stamped with the
 * time the cloud saw them.
 */
export async function startThreadCloud(options: CloudThreadOptions = {}): Promise<ThreadCloud> {
  const busListeners = new Set<(event: BusEvent, at: number) => void>();
  const deliveryListeners = new Set<(key: string, target: string) => void>();
  let worker: StartedWorker<CloudThreadRequest, CloudThreadReady>;
  try {
    worker = await startWorker<CloudThreadRequest, CloudThreadReady, ObservedMessage>({
      module: new URL('./cloud-thread-main.ts', import.meta.url),
      data: options,
      label: 'the cloud thread',
      maxOldGenerationSizeMb: CLOUD_THREAD_MAX_OLD_GENERATION_MB,
      onMessage: (m) => {
        for (const [event, at] of m.events) for (const l of busListeners) l(event, at);
        for (const [key, target] of m.deliveries) for (const l of deliveryListeners) l(key, target);
      },
    });
  } catch (error) {
    if (error instanceof WorkerStartError) throw new SimulatorError(error.message, { cause: error });
    throw error;
  }
  const { ready } = worker;
  return {
    broker: ready.broker,
    pki: ready.pki,
    ...(ready.dashboardUrl === undefined ? {} : { dashboardUrl: ready.dashboardUrl }),
    credentials: (thingName) => worker.call<DoorCredentials>({ op: 'credentials', thingName }),
    subscribeBus(listener) {
      busListeners.add(listener);
      return () => busListeners.delete(listener);
    },
    subscribeDeliveries(listener) {
      deliveryListeners.add(listener);
      return () => deliveryListeners.delete(listener);
    },
    restartBroker: (downMs) => worker.call<{ port: number }>({ op: 'restartBroker', downMs }),
    errorQueueDepth: () => worker.call<number>({ op: 'errorQueueDepth' }),
    connectedClients: () => worker.call<string[]>({ op: 'connectedClients' }),
    utilization: () => worker.call<CloudThreadUtilization>({ op: 'utilization' }),
    stop: () => worker.stop(),
  };
}
