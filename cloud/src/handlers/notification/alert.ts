import { DetailType, EventSource } from '@smartdoor/shared';
import type { KeyedBusEvent } from '../../idempotency/sqs-batch.js';

/** Internal check messages: they go to the notification queue, never on the bus. */
export const OFFLINE_CHECK_DUE = 'Offline Check Due';
export const COLLAPSE_WINDOW_CLOSED = 'Collapse Window Closed';

/** Something someone should hear about, before collapsing and delivery. */
export interface Alert {
  thingName: string;
  /** Collapse key with the door, e.g. `entry-unidentified:no-badge`, `device-offline`. */
  reason: string;
  /** The detail-type that raised it. */
  subject: string;
  /** The idempotency key of the event that raised it. */
  sourceKey: string;
  occurredAt: string;
  /** One line for a human. */
  summary: string;
  details: Record<string, unknown>;
}

/** What an incoming message means to the notification subscriber. Pure. */
export type Classified =
  | { kind: 'alert'; alert: Alert }
  | { kind: 'disconnected'; thingName: string; atMs: number; key: string; event: KeyedBusEvent }
  | { kind: 'connected'; thingName: string; atMs: number }
  | { kind: 'offline-check'; thingName: string; disconnectKey: string; disconnectedAt: string }
  | { kind: 'window-closed'; windowId: string; thingName: string }
  | { kind: 'ignored'; why: string };

export function classify(event: KeyedBusEvent): Classified {
  const { source, detail } = event;
  const type = event['detail-type'];
  const thingName = detail.metadata.thingName;
  const sourceKey = detail.metadata['idempotency-key'];
  const base = { thingName, subject: type, sourceKey, occurredAt: occurredAt(event) };
  const { metadata: _m, ...details } = detail;
  if (source === EventSource.Identification && type === DetailType.EntryUnidentified) {
    const why = String(detail.reason);
    return {
      kind: 'alert',
      alert: {
        ...base,
        reason: `entry-unidentified:${why}`,
        summary: `${thingName}: entry not identified (${why})`,
        details,
      },
    };
  }
  if (source === EventSource.Identification && type === DetailType.IdentificationFailed) {
    return {
      kind: 'alert',
      alert: {
        ...base,
        reason: 'identification-failed',
        summary: `${thingName}: identification failed (${String(detail.error)})`,
        details,
      },
    };
  }
  if (source === EventSource.Device && type === DetailType.DoorHeldOpen) {
    return {
      kind: 'alert',
      alert: {
        ...base,
        reason: 'door-held-open',
        summary: `${thingName}: door held open longer than ${String(detail.limitSeconds)} s`,
        details,
      },
    };
  }
  if (source === EventSource.Device && type === DetailType.DeviceFault) {
    if (detail.active !== true) return { kind: 'ignored', why: 'fault cleared' };
    return {
      kind: 'alert',
      alert: {
        ...base,
        reason: `device-fault:${String(detail.fault)}`,
        summary: `${thingName}: device fault ${String(detail.fault)}${detail.message ? ` (${String(detail.message)})` : ''}`,
        details,
      },
    };
  }
  if (source === EventSource.Presence && type === DetailType.DeviceDisconnected) {
    // A second connection with the same client id closes the first: the door is online.
    // https://docs.aws.amazon.com/iot/latest/developerguide/life-cycle-events.html#connect-disconnect
    if (detail.disconnectReason === 'DUPLICATE_CLIENTID') {
      return { kind: 'ignored', why: 'another session of the door took over' };
    }
    return { kind: 'disconnected', thingName, atMs: presenceTime(event), key: sourceKey, event };
  }
  if (source === EventSource.Presence && type === DetailType.DeviceConnected) {
    return { kind: 'connected', thingName, atMs: presenceTime(event) };
  }
  if (source === EventSource.Notification && type === OFFLINE_CHECK_DUE) {
    return {
      kind: 'offline-check',
      thingName,
      disconnectKey: String(detail.disconnectKey),
      disconnectedAt: String(detail.disconnectedAt),
    };
  }
  if (source === EventSource.Notification && type === COLLAPSE_WINDOW_CLOSED) {
    return { kind: 'window-closed', windowId: String(detail.windowId), thingName };
  }
  return { kind: 'ignored', why: `not for notification: ${source} / ${type}` };
}

/**
 * When a presence event happened. The bus `time` has whole seconds only, and a quick
 * disconnect/reconnect falls within one second: use the lifecycle event's own
 * millisecond `timestamp`, which the ingest function keeps in the detail.
 */
function presenceTime(event: KeyedBusEvent): number {
  const ts = event.detail.timestamp;
  return typeof ts === 'number' && Number.isFinite(ts) ? ts : Date.parse(event.time);
}

/**
 * When what the alert is about happened: for an unidentified entry the opening, else the
 * device's millisecond `occurredAt`; the envelope's `time` (whole seconds, and for a
 * subscriber's result the time it was emitted) only when neither is there.
 */
function occurredAt(event: KeyedBusEvent): string {
  const isTime = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));
  if (event['detail-type'] === DetailType.EntryUnidentified && isTime(event.detail.openedAt)) {
    return event.detail.openedAt;
  }
  const device = event.detail.metadata.occurredAt;
  return isTime(device) ? device : event.time;
}

/** The offline alert raised once the grace period passed without a reconnect. */
export function offlineAlert(
  thingName: string,
  disconnectKey: string,
  disconnectedAt: string,
  graceSeconds: number,
): Alert {
  return {
    thingName,
    reason: 'device-offline',
    subject: DetailType.DeviceDisconnected,
    sourceKey: disconnectKey,
    occurredAt: disconnectedAt,
    summary: `${thingName}: offline since ${disconnectedAt} (no reconnect within ${graceSeconds} s)`,
    details: { disconnectedAt, graceSeconds },
  };
}
