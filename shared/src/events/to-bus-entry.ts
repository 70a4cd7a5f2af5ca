import { thingArn } from '../arn.js';
import type { BusEntry, BusEventMetadata } from './bus-event.js';
import { DETAIL_TYPE_OF, EventSource } from './catalog.js';
import type { DeviceEvent } from './device-event.js';

export interface BusEntryContext {
  region: string;
  account: string;
  eventBusName: string;
}

/** The detail a device event becomes: its body, plus metadata with the idempotency key. */
export function deviceEventDetail(
  event: DeviceEvent,
): Record<string, unknown> & { metadata: BusEventMetadata } {
  const { schemaVersion: _v, type: _t, thingName, seq, occurredAt, idempotencyKey, ...body } = event;
  return { metadata: { 'idempotency-key': idempotencyKey, seq, thingName, occurredAt }, ...body };
}

/**
 * Map a validated device event to its PutEvents entry: source smartdoor.device, the
 * detail-type of its type, time from occurredAt, the thing's ARN as the resource.
 */
export function toBusEntry(event: DeviceEvent, ctx: BusEntryContext): BusEntry {
  return {
    Source: EventSource.Device,
    DetailType: DETAIL_TYPE_OF[event.type],
    Detail: JSON.stringify(deviceEventDetail(event)),
    Time: new Date(event.occurredAt),
    Resources: [thingArn(ctx.region, ctx.account, event.thingName)],
    EventBusName: ctx.eventBusName,
  };
}
