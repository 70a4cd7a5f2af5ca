import { Worker } from 'node:worker_threads';
import type { BusEvent } from '@smartdoor/shared';
import { SimulatorError } from '../errors.js';
import type { DoorCredentials } from '../fleet/virtual-door.js';
import type { SimCloud } from '../sim-cloud.js';
import type { CloudThreadMessage, CloudThreadOptions, CloudThreadRequest } from './protocol.js';

export type { CloudThreadOptions } from './protocol.js';

/** A cloud in a worker thread, as the simulator sees it, plus its CA for peer brokers. */
export interface ThreadCloud extends SimCloud {
  pki: { caCertPem: string; serverCertPem: string; serverKeyPem: string };
  /** Client ids connected to the cloud's broker now. */
  connectedClients(): Promise<string[]>;
}

type Request = CloudThreadRequest extends infer R
  ? R extends { id: number }
    ? Omit<R, 'id'>
    : never
  : never;

/**
 * Start the local cloud in a worker thread: the doors keep this thread and the cloud gets
 * a core of its own (on AWS they are different machines; on one event loop each side's work
 * delays the other's). Bus events and deliveries come over in batches, stamped with the
 * time the cloud saw them.
 */
export async function startThreadCloud(options: CloudThreadOptions = {}): Promise<ThreadCloud> {
  const worker = new Worker(new URL('./entry.mjs', import.meta.url), { workerData: options });
  const busListeners = new Set<(event: BusEvent, at: number) => void>();
  const deliveryListeners = new Set<(key: string, target: string) => void>();
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let exited: Error | undefined;

  const started = new Promise<Extract<CloudThreadMessage, { type: 'started' }>>((resolve, reject) => {
    worker.on('message', (m: CloudThreadMessage) => {
      if (m.type === 'started') resolve(m);
      else if (m.type === 'failed') reject(new SimulatorError(`the cloud thread did not start: ${m.error}`));
      else if (m.type === 'observed') {
        for (const [event, at] of m.events) for (const l of busListeners) l(event, at);
        for (const [key, target] of m.deliveries) for (const l of deliveryListeners) l(key, target);
      } else if (m.type === 'reply') {
        const w = waiting.get(m.id);
        waiting.delete(m.id);
        if (m.error !== undefined) w?.reject(new SimulatorError(`cloud thread: ${m.error}`));
        else w?.resolve(m.value);
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      exited = new SimulatorError(`the cloud thread exited (code ${code})`);
      reject(exited);
      for (const w of waiting.values()) w.reject(exited);
      waiting.clear();
    });
  });
  const ready = await started;

  const call = <T>(request: Request): Promise<T> => {
    if (exited) return Promise.reject(exited);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ ...request, id });
    });
  };

  return {
    broker: ready.broker,
    pki: ready.pki,
    ...(ready.dashboardUrl === undefined ? {} : { dashboardUrl: ready.dashboardUrl }),
    credentials: (thingName) => call<DoorCredentials>({ op: 'credentials', thingName }),
    subscribeBus(listener) {
      busListeners.add(listener);
      return () => busListeners.delete(listener);
    },
    subscribeDeliveries(listener) {
      deliveryListeners.add(listener);
      return () => deliveryListeners.delete(listener);
    },
    restartBroker: (downMs) => call<{ port: number }>({ op: 'restartBroker', downMs }),
    errorQueueDepth: () => call<number>({ op: 'errorQueueDepth' }),
    connectedClients: () => call<string[]>({ op: 'connectedClients' }),
    async stop() {
      if (!exited) await call({ op: 'stop' });
      await worker.terminate();
    },
  };
}
