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

/**
 * Things the local cloud tells the dashboard besides bus events: an error; a client that
 * connected or disconnected (any MQTT client: only a door's shows on its tile); a thing whose
 * device event the ingest function is putting on the bus, which makes it a door.
 */
export type DashboardSignal =
  | { kind: 'error'; reason: ErrorReason; count?: number }
  | { kind: 'presence'; thingName: string; connected: boolean }
  | { kind: 'device'; thingName: string };

/**
 * Which things are doors. The grid, the totals and the door gauges count these only: not
 * every MQTT client (a `mosquitto_sub -i ops-monitor` is no door), nor a thing name a
 * PutEvents made up. A door is a thing of the IoT registry, or one that sent a device event
 * through the ingest function (a `device` signal); the directory remembers the latter, so
 * that a door that died before a restart still shows, offline, after it.
 */
export interface DoorDirectory {
  /** The doors known at start: registered things and the doors remembered. */
  known(): Iterable<string>;
  /** Whether a thing without a tile is a door (registered since the start). */
  isDoor(thingName: string): boolean;
  /** Keep a door that sent a device event through ingest, for the next start. */
  remember(thingName: string): void;
  /** The MQTT client ids connected now: a door seeded at start is offline unless listed. */
  connected(): Iterable<string>;
}

/** The dead letters the dashboard lists, and how many there are in all. */
export interface DeadLetterList {
  /** The listed messages (the queues' first ones: the list is cut, the total is not). */
  items: DeadLetterView[];
  /** Messages in every dead-letter and error queue, listed or not. */
  total: number;
}

/**
 * What the dashboard needs from the local cloud. Only `subscribeBus` is required, so the
 * dashboard runs on whatever parts have landed.
 */
export interface DashboardSources {
  /** Every event on the bus (the dashboard rule's sink). Returns an unsubscribe function. */
  subscribeBus(listener: (event: BusEvent) => void): () => void;
  /** Errors, presence and device signals (see DashboardSignal). Returns an unsubscribe function. */
  subscribeSignals?(listener: (signal: DashboardSignal) => void): () => void;
  /** Which things are doors; without it, only `device` signals make doors. */
  doors?: DoorDirectory;
  /** The dead letters to list (a bounded number per queue; `backlog` gives the total). */
  deadLetters?(): Promise<DeadLetterView[]> | DeadLetterView[];
  /** Redrive the given dead letters (every one when `ids` is empty); resolves to how many moved. */
  redrive?(ids: string[]): Promise<number> | number;
  /** Delete the given error-queue messages (never all at once); resolves to how many went. */
  dismiss?(ids: string[]): Promise<number> | number;
  /** Messages waiting in queues and on the bus, and in DLQs and error queues (the total the list is cut from). */
  backlog?(): { queues: number; deadLetters: number };
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface DashboardRoute {
  method: 'GET' | 'POST';
  path: string;
  handler: RouteHandler;
}
