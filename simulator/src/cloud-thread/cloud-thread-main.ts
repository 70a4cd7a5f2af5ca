// The cloud thread's own side: the local cloud as startInProcessCloud starts it, with what
// the simulator observes batched over to the doors' thread.

import { performance } from 'node:perf_hooks';
import {
  answerCalls,
  failed,
  ready,
  send,
  workerInput,
} from '@smartdoor/cloud/local/worker-thread/worker-calls';
import type { BusEvent } from '@smartdoor/shared';
import pino from 'pino';
import { startInProcessCloud } from '../in-process-cloud.js';
import type {
  CloudThreadOptions,
  CloudThreadReady,
  CloudThreadRequest,
  CloudThreadUtilization,
  ObservedMessage,
} from './protocol.js';

const options = workerInput<CloudThreadOptions>();
let cloud: Awaited<ReturnType<typeof startInProcessCloud>>;
try {
  cloud = await startInProcessCloud({
    ...options,
    logger: pino({ level: options.logLevel ?? process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2)),
  });
} catch (error) {
  failed(error);
}

// One message per turn instead of one per event: postMessage costs more than the event.
let events: ObservedMessage['events'] = [];
let deliveries: ObservedMessage['deliveries'] = [];
let flushing = false;
const flushSoon = () => {
  if (flushing) return;
  flushing = true;
  setImmediate(() => {
    flushing = false;
    send<ObservedMessage>({ events, deliveries });
    events = [];
    deliveries = [];
  });
};
cloud.subscribeBus?.((event: BusEvent, at: number) => {
  events.push([event, at]);
  flushSoon();
});
cloud.subscribeDeliveries?.((key, target) => {
  deliveries.push([key, target]);
  flushSoon();
});

answerCalls<CloudThreadRequest>(async (req) => {
  switch (req.op) {
    case 'credentials':
      return cloud.credentials(req.thingName);
    case 'restartBroker':
      return cloud.restartBroker!(req.downMs);
    case 'errorQueueDepth':
      return cloud.errorQueueDepth!();
    case 'connectedClients':
      return cloud.cloud.broker.connectedClientIds;
    case 'utilization': {
      const subscribers = cloud.subscriberUtilization();
      return {
        cloud: performance.eventLoopUtilization(),
        ...(subscribers ? { subscribers } : {}),
      } satisfies CloudThreadUtilization;
    }
    case 'stop':
      return cloud.stop();
  }
});

const ca = cloud.cloud.ca;
ready({
  broker: { scheme: 'mqtts', host: cloud.broker.host, port: cloud.broker.port },
  ...(cloud.dashboardUrl === undefined ? {} : { dashboardUrl: cloud.dashboardUrl }),
  pki: { caCertPem: ca.caCertPem, serverCertPem: ca.serverCertPem, serverKeyPem: ca.serverKeyPem },
} satisfies CloudThreadReady);
