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
}

/** Things the local cloud tells the dashboard besides bus events. */
export type DashboardSignal =
  | { kind: 'error'; reason: string; count?: number }
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
  /** Messages waiting in queues and on the bus, and in DLQs. */
  backlog?(): { queues: number; deadLetters: number };
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface DashboardRoute {
  method: 'GET' | 'POST';
  path: string;
  handler: RouteHandler;
}
