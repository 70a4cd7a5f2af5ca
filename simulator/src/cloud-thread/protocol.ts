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

/** Requests the main thread makes; each is answered by a `reply` with the same id. */
export type CloudThreadRequest =
  | { id: number; op: 'credentials'; thingName: string }
  | { id: number; op: 'restartBroker'; downMs: number }
  | { id: number; op: 'errorQueueDepth' }
  | { id: number; op: 'connectedClients' }
  | { id: number; op: 'stop' };

/** What the cloud thread tells the main thread. */
export type CloudThreadMessage =
  | {
      type: 'started';
      broker: { scheme: 'mqtts'; host: string; port: number };
      dashboardUrl?: string;
      pki: { caCertPem: string; serverCertPem: string; serverKeyPem: string };
    }
  | { type: 'failed'; error: string }
  /** Bus events and subscriber deliveries, batched per turn of the cloud's event loop. */
  | { type: 'observed'; events: Array<[BusEvent, number]>; deliveries: Array<[string, string]> }
  | { type: 'reply'; id: number; value?: unknown; error?: string };
