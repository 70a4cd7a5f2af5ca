import { z } from 'zod';
import { UnidentifiedReason } from './catalog.js';

/**
 * Events on the EventBridge bus. The envelope keeps the shape of the EventBridge
 * documentation (https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html);
 * every smartdoor detail carries `metadata` with the idempotency key, so that any
 * consumer can drop duplicates (at-least-once delivery, exactly-once effect).
 */
export const BusEventMetadata = z.object({
  'idempotency-key': z.uuid(),
  thingName: z.string(),
  /** Present on device events: the per-device counter. */
  seq: z.number().int().nonnegative().optional(),
  /**
   * Present on device events: when the device observed it, to the millisecond. The
   * envelope's `time` has whole seconds only (EventBridge truncates it), too coarse to
   * correlate a badge read with an opening.
   */
  occurredAt: z.string().optional(),
  /** On derived events: the idempotency keys of the events that caused this one. */
  causedBy: z.array(z.uuid()).optional(),
});
export type BusEventMetadata = z.infer<typeof BusEventMetadata>;

/** The envelope a target receives. */
export const BusEvent = z.object({
  version: z.literal('0'),
  id: z.string(),
  'detail-type': z.string(),
  source: z.string(),
  account: z.string(),
  time: z.string(),
  region: z.string(),
  resources: z.array(z.string()),
  detail: z.record(z.string(), z.unknown()),
  'replay-name': z.string().optional(),
});
export type BusEvent<D = Record<string, unknown>> = Omit<z.infer<typeof BusEvent>, 'detail'> & { detail: D };

/** A PutEvents entry, shaped like the SDK's PutEventsRequestEntry (no SDK import here). */
export interface BusEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  Time?: Date;
  Resources?: string[];
  EventBusName?: string;
}

// Details of the events subscribers emit (source smartdoor.identification / .notification).

export const EntryIdentifiedDetail = z.object({
  metadata: BusEventMetadata,
  personId: z.string(),
  openedAt: z.string(),
  badgeReadAt: z.string(),
});
export type EntryIdentifiedDetail = z.infer<typeof EntryIdentifiedDetail>;

export const EntryUnidentifiedDetail = z.object({
  metadata: BusEventMetadata,
  reason: z.enum(Object.values(UnidentifiedReason) as [UnidentifiedReason, ...UnidentifiedReason[]]),
  openedAt: z.string(),
  /** The badge reference, when a badge was read but not accepted. */
  badgeRef: z.string().optional(),
});
export type EntryUnidentifiedDetail = z.infer<typeof EntryUnidentifiedDetail>;

export const IdentificationFailedDetail = z.object({
  metadata: BusEventMetadata,
  error: z.string(),
});
export type IdentificationFailedDetail = z.infer<typeof IdentificationFailedDetail>;

export const NotificationSentDetail = z.object({
  metadata: BusEventMetadata,
  channel: z.string(),
  /** What the notification was about, e.g. the detail-type that raised it. */
  subject: z.string(),
  /** Repeats collapsed into this notification. */
  count: z.number().int().positive(),
});
export type NotificationSentDetail = z.infer<typeof NotificationSentDetail>;

export const NotificationFailedDetail = z.object({
  metadata: BusEventMetadata,
  channel: z.string(),
  subject: z.string(),
  error: z.string(),
  attempts: z.number().int().positive(),
});
export type NotificationFailedDetail = z.infer<typeof NotificationFailedDetail>;
