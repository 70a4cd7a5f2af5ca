// The cloud thread's own side: the local cloud as startInProcessCloud starts it, with what
// the simulator observes batched over to the doors' thread.
import { parentPort, workerData } from 'node:worker_threads';
import type { BusEvent } from '@smartdoor/shared';
import pino from 'pino';
import { startInProcessCloud } from '../in-process-cloud.js';
import type { CloudThreadMessage, CloudThreadOptions, CloudThreadRequest } from './protocol.js';

const port = parentPort!;
const options = workerData as CloudThreadOptions;
const post = (m: CloudThreadMessage) => port.postMessage(m);

let cloud: Awaited<ReturnType<typeof startInProcessCloud>>;
try {
  cloud = await startInProcessCloud({
    ...options,
    logger: pino({ level: options.logLevel ?? process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2)),
  });
} catch (error) {
  post({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
}

// One message per turn instead of one per event: postMessage costs more than the event.
let events: Array<[BusEvent, number]> = [];
let deliveries: Array<[string, string]> = [];
let flushing = false;
const flushSoon = () => {
  if (flushing) return;
  flushing = true;
  setImmediate(() => {
    flushing = false;
    post({ type: 'observed', events, deliveries });
    events = [];
    deliveries = [];
  });
};
cloud.subscribeBus?.((event, at) => {
  events.push([event, at]);
  flushSoon();
});
cloud.subscribeDeliveries?.((key, target) => {
  deliveries.push([key, target]);
  flushSoon();
});

port.on('message', async (req: CloudThreadRequest) => {
  try {
    let value: unknown;
    if (req.op === 'credentials') value = await cloud.credentials(req.thingName);
    else if (req.op === 'restartBroker') value = await cloud.restartBroker!(req.downMs);
    else if (req.op === 'errorQueueDepth') value = cloud.errorQueueDepth!();
    else if (req.op === 'connectedClients') value = cloud.cloud.broker.connectedClientIds;
    else if (req.op === 'stop') await cloud.stop();
    post({ type: 'reply', id: req.id, value });
    if (req.op === 'stop') port.close();
  } catch (error) {
    post({ type: 'reply', id: req.id, error: error instanceof Error ? error.message : String(error) });
  }
});

const ca = cloud.cloud.ca;
post({
  type: 'started',
  broker: { scheme: 'mqtts', host: cloud.broker.host, port: cloud.broker.port },
  ...(cloud.dashboardUrl === undefined ? {} : { dashboardUrl: cloud.dashboardUrl }),
  pki: { caCertPem: ca.caCertPem, serverCertPem: ca.serverCertPem, serverKeyPem: ca.serverKeyPem },
});
