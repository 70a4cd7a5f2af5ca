import { z } from 'zod';
import { FaultKind } from './catalog.js';

/**
 * The device event contract (schema version 1): what a door publishes on
 * `smartdoor/{thingName}/events`. Events are immutable facts: once created, the agent
 * stores and resends exactly these bytes' content, key included.
 */
export const SCHEMA_VERSION = 1;

const isoTimestamp = z.iso
  .datetime({ offset: false, precision: 3 })
  .describe('ISO 8601 UTC timestamp with milliseconds, e.g. 2026-11-22T12:00:00.123Z');

const envelope = {
  schemaVersion: z.literal(SCHEMA_VERSION).describe('Version of this contract'),
  thingName: z
    .string()
    .regex(/^[a-zA-Z0-9:_-]{1,128}$/)
    .describe('The IoT thing that observed the event'),
  seq: z.number().int().nonnegative().describe('Per-device counter that survives restarts; gaps show loss'),
  occurredAt: isoTimestamp.describe('When the device observed the event (device clock)'),
  idempotencyKey: z.uuid().describe('Made once at creation, resent unchanged on every retry'),
};

export const DoorState = z.enum(['open', 'closed']);
export type DoorState = z.infer<typeof DoorState>;

export const DoorStateChangedEvent = z.object({
  ...envelope,
  type: z.literal('door.state.changed'),
  state: DoorState.describe('The door state after the change'),
});

export const DoorHeldOpenEvent = z.object({
  ...envelope,
  type: z.literal('door.held.open'),
  openedAt: isoTimestamp.describe('When the door opened'),
  limitSeconds: z.number().int().positive().describe('The held-open limit in force'),
});

export const BadgeReadEvent = z.object({
  ...envelope,
  type: z.literal('badge.read'),
  badgeRef: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .describe('HMAC-SHA256 (hex) of the badge id with the device secret: a reference, never the id'),
});

export const DeviceHeartbeatEvent = z.object({
  ...envelope,
  type: z.literal('device.heartbeat'),
  uptimeSeconds: z.number().nonnegative(),
  doorState: z.enum(['open', 'closed', 'unknown']),
  outboxDepth: z.number().int().nonnegative().describe('Events waiting to be sent'),
  agentVersion: z.string().max(64),
});

export const DeviceFaultEvent = z.object({
  ...envelope,
  type: z.literal('device.fault'),
  fault: z.enum(Object.values(FaultKind) as [FaultKind, ...FaultKind[]]),
  active: z.boolean().describe('true when the fault starts, false when it clears'),
  message: z.string().max(256).optional(),
});

export const DeviceEvent = z.discriminatedUnion('type', [
  DoorStateChangedEvent,
  DoorHeldOpenEvent,
  BadgeReadEvent,
  DeviceHeartbeatEvent,
  DeviceFaultEvent,
]);

export type DoorStateChangedEvent = z.infer<typeof DoorStateChangedEvent>;
export type DoorHeldOpenEvent = z.infer<typeof DoorHeldOpenEvent>;
export type BadgeReadEvent = z.infer<typeof BadgeReadEvent>;
export type DeviceHeartbeatEvent = z.infer<typeof DeviceHeartbeatEvent>;
export type DeviceFaultEvent = z.infer<typeof DeviceFaultEvent>;
export type DeviceEvent = z.infer<typeof DeviceEvent>;

/** The fields every event carries; the rest is the event's body. */
export type DeviceEventEnvelope = Pick<
  DeviceEvent,
  'schemaVersion' | 'thingName' | 'seq' | 'occurredAt' | 'idempotencyKey'
>;

/** A device event's body: what differs between types, without the envelope. */
export type DeviceEventBody = DeviceEvent extends infer E
  ? E extends DeviceEvent
    ? Omit<E, keyof DeviceEventEnvelope>
    : never
  : never;

export const DEVICE_EVENT_SCHEMAS = {
  'door.state.changed': DoorStateChangedEvent,
  'door.held.open': DoorHeldOpenEvent,
  'badge.read': BadgeReadEvent,
  'device.heartbeat': DeviceHeartbeatEvent,
  'device.fault': DeviceFaultEvent,
} as const;
