import { type BusEvent, DetailType, EventSource } from '@smartdoor/shared';

/**
 * The dashboard's picture of the fleet, built from bus events (pure: no I/O, time passed
 * in). Tiles are for doors only: things added with `addDoor`, or that `isDoor` accepts when
 * they first show up; any other thing's events go to the stream and alerts, not the grid.
 * The SSE layer sends what changed; a new browser gets a snapshot.
 */
export interface DoorTile {
  thingName: string;
  state: 'open' | 'closed' | 'unknown';
  /** From presence events; undefined until the first one. */
  connected: boolean | undefined;
  heldOpen: boolean;
  fault: string | undefined;
  /** From the last heartbeat. */
  outboxDepth: number | undefined;
  lastEvent: string | undefined;
  lastEventAt: number | undefined;
  /** Who came in last, when identification said so. */
  lastPerson: string | undefined;
}

export type StreamLevel = 'info' | 'warn' | 'alert';

export interface StreamItem {
  at: number;
  time: string;
  detailType: string;
  source: string;
  thingName: string | undefined;
  summary: string;
  level: StreamLevel;
}

export interface DashboardStateOptions {
  /** Stream items kept for a new browser. @default 200 */
  maxStream?: number;
  /** Alerts kept. @default 100 */
  maxAlerts?: number;
  /**
   * Whether a thing without a tile is a door (the registry's answer). @default none is:
   * only `addDoor` makes tiles
   */
  isDoor?: (thingName: string) => boolean;
}

export class DashboardState {
  readonly doors = new Map<string, DoorTile>();
  readonly stream: StreamItem[] = [];
  readonly alerts: StreamItem[] = [];
  /** Alerts since start, past the ones `alerts` keeps. */
  alertTotal = 0;
  private readonly maxStream: number;
  private readonly maxAlerts: number;
  private readonly isDoor: (thingName: string) => boolean;

  constructor(options: DashboardStateOptions = {}) {
    this.maxStream = options.maxStream ?? 200;
    this.maxAlerts = options.maxAlerts ?? 100;
    this.isDoor = options.isDoor ?? (() => false);
  }

  /** Apply one bus event; returns the tile it changed (if any) and the stream item. */
  apply(event: BusEvent, at: number): { door: DoorTile | undefined; item: StreamItem } {
    const detail = event.detail as Record<string, unknown>;
    const metadata = (detail.metadata ?? {}) as Record<string, unknown>;
    const thingName = typeof metadata.thingName === 'string' ? metadata.thingName : undefined;
    const door = thingName ? this.door(thingName) : undefined;
    const item = describe(event, thingName, at);
    if (door) {
      updateTile(door, event, detail, at);
      // The tile says what happened at the door; heartbeats and notifications are not news there.
      if (event['detail-type'] !== DetailType.DeviceHeartbeat && event.source !== EventSource.Notification) {
        door.lastEvent = item.summary;
        door.lastEventAt = at;
      }
    }
    this.stream.push(item);
    if (this.stream.length > this.maxStream) this.stream.splice(0, this.stream.length - this.maxStream);
    if (item.level === 'alert') {
      this.alertTotal++;
      this.alerts.push(item);
      if (this.alerts.length > this.maxAlerts) this.alerts.splice(0, this.alerts.length - this.maxAlerts);
    }
    return { door, item };
  }

  /**
   * Mark a door connected or not (broker presence, when the bus has not said so yet).
   * Returns its tile; undefined for a client that is no door.
   */
  setConnected(thingName: string, connected: boolean): DoorTile | undefined {
    const door = this.door(thingName);
    if (door) door.connected = connected;
    return door;
  }

  /**
   * Give a door its tile (a thing that sent a device event, or one known at start);
   * `connected` when known. Returns the tile and whether it is new.
   */
  addDoor(thingName: string, connected?: boolean): { door: DoorTile; added: boolean } {
    let door = this.doors.get(thingName);
    const added = door === undefined;
    door ??= this.tile(thingName);
    if (connected !== undefined) door.connected = connected;
    return { door, added };
  }

  /** Sum of the outbox depths the doors last reported. */
  outboxBacklog(): number {
    let sum = 0;
    for (const d of this.doors.values()) sum += d.outboxDepth ?? 0;
    return sum;
  }

  /** The door's tile, made when the thing is a door; undefined for any other thing. */
  private door(thingName: string): DoorTile | undefined {
    const door = this.doors.get(thingName);
    if (door || !this.isDoor(thingName)) return door;
    return this.tile(thingName);
  }

  private tile(thingName: string): DoorTile {
    let door = this.doors.get(thingName);
    if (!door) {
      door = {
        thingName,
        state: 'unknown',
        connected: undefined,
        heldOpen: false,
        fault: undefined,
        outboxDepth: undefined,
        lastEvent: undefined,
        lastEventAt: undefined,
        lastPerson: undefined,
      };
      this.doors.set(thingName, door);
    }
    return door;
  }
}

function updateTile(door: DoorTile, event: BusEvent, detail: Record<string, unknown>, _at: number): void {
  switch (event['detail-type']) {
    case DetailType.DoorStateChanged:
      if (detail.state === 'open' || detail.state === 'closed') door.state = detail.state;
      if (detail.state === 'closed') door.heldOpen = false;
      door.connected ??= true;
      break;
    case DetailType.DoorHeldOpen:
      door.heldOpen = true;
      door.state = 'open';
      break;
    case DetailType.DeviceFault:
      door.fault = detail.active === true ? String(detail.fault) : undefined;
      break;
    case DetailType.DeviceHeartbeat:
      if (typeof detail.outboxDepth === 'number') door.outboxDepth = detail.outboxDepth;
      if (detail.doorState === 'open' || detail.doorState === 'closed') door.state = detail.doorState;
      door.connected ??= true;
      break;
    case DetailType.DeviceConnected:
      door.connected = true;
      break;
    case DetailType.DeviceDisconnected:
      door.connected = false;
      break;
    case DetailType.EntryIdentified:
      if (typeof detail.personId === 'string') door.lastPerson = detail.personId;
      break;
  }
}

const ALERTS = new Set<string>([
  DetailType.EntryUnidentified,
  DetailType.IdentificationFailed,
  DetailType.DoorHeldOpen,
  DetailType.NotificationFailed,
]);

function describe(event: BusEvent, thingName: string | undefined, at: number): StreamItem {
  const d = event.detail as Record<string, unknown>;
  const type = event['detail-type'];
  let summary = '';
  let level: StreamLevel = 'info';
  switch (type) {
    case DetailType.DoorStateChanged:
      summary = `door ${String(d.state)}`;
      break;
    case DetailType.DoorHeldOpen:
      summary = `held open over ${String(d.limitSeconds)} s`;
      break;
    case DetailType.BadgeRead:
      summary = `badge ${String(d.badgeRef).slice(0, 8)}…`;
      break;
    case DetailType.DeviceHeartbeat:
      summary = `heartbeat, outbox ${String(d.outboxDepth)}`;
      break;
    case DetailType.DeviceFault:
      summary = `${String(d.fault)} ${d.active ? 'active' : 'cleared'}`;
      level = d.active ? 'alert' : 'info';
      break;
    case DetailType.EntryIdentified:
      summary = `entry by ${String(d.personId)}`;
      break;
    case DetailType.EntryUnidentified:
      summary = `unidentified entry (${String(d.reason)})`;
      break;
    case DetailType.IdentificationFailed:
      summary = `identification failed: ${String(d.error)}`;
      break;
    case DetailType.NotificationSent:
      summary = `notified via ${String(d.channel)}: ${String(d.subject)}${Number(d.count) > 1 ? ` ×${d.count}` : ''}`;
      break;
    case DetailType.NotificationFailed:
      summary = `notification via ${String(d.channel)} failed: ${String(d.error)}`;
      break;
    case DetailType.DeviceConnected:
      summary = 'connected';
      break;
    case DetailType.DeviceDisconnected:
      summary = `disconnected${d.disconnectReason ? ` (${String(d.disconnectReason)})` : ''}`;
      level = 'warn';
      break;
    default:
      summary = event.source;
  }
  if (ALERTS.has(type)) level = 'alert';
  if (event.source === EventSource.Notification && level !== 'alert') level = 'warn';
  return { at, time: event.time, detailType: type, source: event.source, thingName, summary, level };
}
