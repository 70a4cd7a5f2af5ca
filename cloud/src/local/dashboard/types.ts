import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BusEvent } from '@smartdoor/shared';

/** One message in a dead-letter queue, as the dashboard shows it. */
export interface DeadLetterView {
  id: string;
  /** The DLQ (or target) it sits in. */
  queue: string;
  reason?: string;
  attempts?: number;
  detailType?: string;
  thingName?: string;
  /** Epoch ms it was dead-lettered. */
  at?: number;
  /**
   * True for a subscriber's dead letter, which a redrive sends back to its subscriber.
   * False for an error-queue message (malformed input, a failed rule): no redrive can fix
   * it, so it can only be dismissed.
   */
  redrivable: boolean;
}

/**
 * The `reason` label of `smartdoor_errors_total`: a fixed set, so that no device can add
 * series. The error's own text goes to the log and the dead-letter view.
 */
export const ERROR_REASONS = [
  'ingest-invalid',
  'rule-error',
  'delivery-failed',
  'dead-lettered',
  'subscriber-thread-crashed',
  'mqtt-connect-refused',
  'mqtt-publish-refused',
  'mqtt-subscribe-refused',
  'mqtt-receive-refused',
  'mqtt-limit-refused',
  'other',
] as const;
export type ErrorReason = (typeof ERROR_REASONS)[number];

/** Things the local cloud tells the dashboard besides bus events. */
export type DashboardSignal =
  | { kind: 'error'; reason: ErrorReason; count?: number }
  | { kind: 'presence'; thingName: string; connected: boolean };

/**
 * What the dashboard needs from the local cloud. Only `subscribeBus` is required, so the
 * dashboard runs on whatever parts have landed.
 */
export interface DashboardSources {
  /** Every event on the bus (the dashboard rule's sink). Returns an unsubscribe function. */
  subscribeBus(listener: (event: BusEvent) => void): () => void;
  subscribeSignals?(listener: (signal: DashboardSignal) => void): () => void;
  deadLetters?(): Promise<DeadLetterView[]> | DeadLetterView[];
  /** Redrive the given dead letters (every one when `ids` is empty); resolves to how many moved. */
  redrive?(ids: string[]): Promise<number> | number;
  /** Delete the given error-queue messages (never all at once); resolves to how many went. */
  dismiss?(ids: string[]): Promise<number> | number;
  /** Messages waiting in queues and on the bus, and in DLQs. */
  backlog?(): { queues: number; deadLetters: number };
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface DashboardRoute {
  method: 'GET' | 'POST';
  path: string;
  handler: RouteHandler;
}
