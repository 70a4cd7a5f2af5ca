/**
 * The event catalog: every event type a device emits, the EventBridge source and
 * detail-type each one becomes, and the events subscribers emit. Enums are `as const`
 * objects so they exist at run time and as types.
 */

/** Device event types, as they appear in the MQTT payload's `type`. */
export const DeviceEventType = {
  DoorStateChanged: 'door.state.changed',
  DoorHeldOpen: 'door.held.open',
  BadgeRead: 'badge.read',
  DeviceHeartbeat: 'device.heartbeat',
  DeviceFault: 'device.fault',
} as const;
export type DeviceEventType = (typeof DeviceEventType)[keyof typeof DeviceEventType];
export const DEVICE_EVENT_TYPES = Object.values(DeviceEventType);

/** EventBridge `source` values. Producers name themselves; they never name consumers. */
export const EventSource = {
  Device: 'smartdoor.device',
  Presence: 'smartdoor.presence',
  Identification: 'smartdoor.identification',
  Notification: 'smartdoor.notification',
} as const;
export type EventSource = (typeof EventSource)[keyof typeof EventSource];

/** EventBridge `detail-type` values, in Title Case as AWS's own events use. */
export const DetailType = {
  DoorStateChanged: 'Door State Changed',
  DoorHeldOpen: 'Door Held Open',
  BadgeRead: 'Badge Read',
  DeviceHeartbeat: 'Device Heartbeat',
  DeviceFault: 'Device Fault',
  DeviceConnected: 'Device Connected',
  DeviceDisconnected: 'Device Disconnected',
  EntryIdentified: 'Entry Identified',
  EntryUnidentified: 'Entry Unidentified',
  IdentificationFailed: 'Identification Failed',
  NotificationSent: 'Notification Sent',
  NotificationFailed: 'Notification Failed',
} as const;
export type DetailType = (typeof DetailType)[keyof typeof DetailType];

/** The detail-type each device event becomes on the bus. */
export const DETAIL_TYPE_OF: Record<DeviceEventType, DetailType> = {
  [DeviceEventType.DoorStateChanged]: DetailType.DoorStateChanged,
  [DeviceEventType.DoorHeldOpen]: DetailType.DoorHeldOpen,
  [DeviceEventType.BadgeRead]: DetailType.BadgeRead,
  [DeviceEventType.DeviceHeartbeat]: DetailType.DeviceHeartbeat,
  [DeviceEventType.DeviceFault]: DetailType.DeviceFault,
};

/** Faults a device reports. */
export const FaultKind = {
  /** The reed switch changes faster than a door can move. */
  SensorFlapping: 'sensor.flapping',
  /** The input could not be read (driver error). */
  SensorError: 'sensor.error',
  /** The badge reader went away (unplugged, serial error). */
  ReaderDisconnected: 'reader.disconnected',
  /**
   * The badge reader sends frames that cannot be read: wrong baud rate or reader model, or
   * noise on the line (bad frames keep coming, none good). Cleared at the next good frame.
   */
  ReaderError: 'reader.error',
  /** The enclosure or wiring was tampered with. */
  Tamper: 'tamper',
  /**
   * Events were not kept: the outbox was full during a long outage, or its disk was (the
   * message counts them and says which).
   */
  OutboxFull: 'outbox.full',
} as const;
export type FaultKind = (typeof FaultKind)[keyof typeof FaultKind];

/** Why an entry could not be tied to a known, allowed person. */
export const UnidentifiedReason = {
  NoBadge: 'no-badge',
  UnknownBadge: 'unknown-badge',
  NotAllowedAtDoor: 'not-allowed-at-door',
  NotAllowedAtHour: 'not-allowed-at-hour',
} as const;
export type UnidentifiedReason = (typeof UnidentifiedReason)[keyof typeof UnidentifiedReason];
