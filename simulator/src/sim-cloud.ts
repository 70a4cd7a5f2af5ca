import type { BusEvent } from '@smartdoor/shared';
import type { DoorCredentials } from './fleet/virtual-door.js';

/**
 * What the simulator needs from a cloud: where the broker is, certificates for doors,
 * and a view of the bus to keep its books. The in-process local cloud gives all of it;
 * an external endpoint gives only the broker (then the summary stops at PUBACK).
 */
export interface SimCloud {
  /** The broker's host and port, and the scheme doors use. */
  broker: { scheme: 'mqtt' | 'mqtts'; host: string; port: number };
  /** Certificates for a thing (mqtts); empty credentials for plain mqtt. */
  credentials(thingName: string): Promise<DoorCredentials>;
  /** Every event on the bus. */
  subscribeBus?(listener: (event: BusEvent, at: number) => void): () => void;
  /** Each delivery of a device event (by idempotency key) to a subscriber target. */
  subscribeDeliveries?(listener: (key: string, target: string) => void): () => void;
  /** Stop the broker for `downMs` and bring it back; resolves with its new port. */
  restartBroker?(downMs: number): Promise<{ port: number }>;
  /** Messages in the error queues (malformed payloads end there). */
  errorQueueDepth?(): number | Promise<number>;
  /** The dashboard URL, when the cloud serves one. */
  dashboardUrl?: string;
  stop(): Promise<void>;
}
