import type { EventLoopUtilization } from 'node:perf_hooks';
import type { BusEvent } from '@smartdoor/shared';
import type { SimBadge } from '../badges.js';

/** What the cloud thread is started with (structured-cloneable: no logger, no functions). */
export interface CloudThreadOptions {
  dataDir?: string;
  config?: Record<string, unknown>;
  badges?: readonly SimBadge[];
  sharedKey?: boolean;
  /** pino level of the cloud's log (to stderr). @default LOG_LEVEL or 'warn' */
  logLevel?: string;
}

/** Requests the doors' thread makes of the cloud thread. */
export type CloudThreadRequest =
  | { op: 'credentials'; thingName: string }
  | { op: 'restartBroker'; downMs: number }
  | { op: 'errorQueueDepth' }
  | { op: 'connectedClients' }
  | { op: 'utilization' }
  | { op: 'stop' };

/** How busy the cloud's threads have been since they started (event loop utilization). */
export interface CloudThreadUtilization {
  cloud: EventLoopUtilization;
  /** Absent while the subscriber thread restarts. */
  subscribers?: EventLoopUtilization;
}

/** What the cloud thread tells once it is up. */
export interface CloudThreadReady {
  broker: { scheme: 'mqtts'; host: string; port: number };
  dashboardUrl?: string;
  pki: { caCertPem: string; serverCertPem: string; serverKeyPem: string };
}

/** Bus events and subscriber deliveries, batched per turn of the cloud's event loop. */
export interface ObservedMessage {
  events: Array<[BusEvent, number]>;
  deliveries: Array<[string, string]>;
}
