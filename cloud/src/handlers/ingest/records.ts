import {
  type BusEntry,
  ContractValidationError,
  DetailType,
  deriveIdempotencyKey,
  EventSource,
  isClaimClientId,
  LIMITS,
  parseDeviceEvent,
  THING_NAME_RE,
  thingArn,
  toBusEntry,
} from '@smartdoor/shared';

/**
 * What the ingest function receives: the output of one of the project's topic rules
 * (cloud/src/definitions/iot-rules.ts). Pure mapping from rule output to a PutEvents
 * entry; I/O lives in handler.ts.
 */
export interface BusTarget {
  region: string;
  accountId: string;
  eventBusName: string;
}

/** One input record that cannot become an event, with the reason. */
export class InvalidIngestRecordError extends Error {
  override name = 'InvalidIngestRecordError';
}

/** EVENTS_RULE: `SELECT encode(*, 'base64') AS payload, topic(2) AS thingName, ...`. */
interface EventsRuleOutput {
  payload: string;
  thingName: string;
  clientId?: string;
  receivedAt?: number;
}

/** PRESENCE_RULE: the lifecycle event itself plus `topic(4) AS presence`. */
interface PresenceRuleOutput {
  clientId: string;
  /** Present when the certificate is exclusively attached to the thing. */
  thingName?: string;
  timestamp: number;
  eventType: 'connected' | 'disconnected';
  sessionIdentifier: string;
  principalIdentifier?: string;
  versionNumber?: number;
  ipAddress?: string;
  clientInitiatedDisconnect?: boolean;
  disconnectReason?: string;
  presence?: string;
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Map one rule output to its PutEvents entry, or undefined for a record that is no door's
 * event (a fleet provisioning claim client's presence); throws InvalidIngestRecordError /
 * ContractValidationError.
 */
export function toEntry(record: unknown, target: BusTarget): BusEntry | undefined {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw new InvalidIngestRecordError(`expected a topic rule output object, received ${describe(record)}`);
  }
  const r = record as Record<string, unknown>;
  // Presence first: a lifecycle event may carry thingName too (exclusive thing association,
  // https://docs.aws.amazon.com/iot/latest/developerguide/exclusive-thing.html); the events
  // rule's output never has eventType or the presence rule's `presence`.
  if ('eventType' in r || 'presence' in r) return presenceEntry(r, target);
  if ('payload' in r || 'thingName' in r) return deviceEntry(r, target);
  throw new InvalidIngestRecordError(
    'not the output of a smartdoor topic rule: expected payload+thingName (events) or eventType (presence)',
  );
}

function deviceEntry(r: Record<string, unknown>, target: BusTarget): BusEntry {
  const out = r as Partial<EventsRuleOutput>;
  if (typeof out.thingName !== 'string' || !THING_NAME_RE.test(out.thingName)) {
    throw new InvalidIngestRecordError(
      `thingName from the topic is not a thing name: ${describe(out.thingName)}`,
    );
  }
  if (typeof out.payload !== 'string' || !BASE64_RE.test(out.payload)) {
    throw new InvalidIngestRecordError(`payload is not base64 text: ${describe(out.payload)}`);
  }
  const bytes = Buffer.from(out.payload, 'base64');
  // The thing name comes from the topic (tied to the certificate by the policy), never the payload.
  const event = parseDeviceEvent(bytes, { thingName: out.thingName });
  return toBusEntry(event, {
    region: target.region,
    account: target.accountId,
    eventBusName: target.eventBusName,
  });
}

function presenceEntry(r: Record<string, unknown>, target: BusTarget): BusEntry | undefined {
  const p = r as Partial<PresenceRuleOutput>;
  if (p.eventType !== 'connected' && p.eventType !== 'disconnected') {
    throw new InvalidIngestRecordError(
      `eventType must be connected or disconnected, received ${describe(p.eventType)}`,
    );
  }
  if (typeof p.clientId !== 'string' || !THING_NAME_RE.test(p.clientId)) {
    throw new InvalidIngestRecordError(`presence clientId is not a thing name: ${describe(p.clientId)}`);
  }
  // The presence rule already leaves claim clients out; this holds with an older rule deployed.
  if (isClaimClientId(p.clientId)) return undefined;
  if (typeof p.timestamp !== 'number' || !Number.isFinite(p.timestamp)) {
    throw new InvalidIngestRecordError(
      `presence timestamp must be epoch milliseconds, received ${describe(p.timestamp)}`,
    );
  }
  if (typeof p.sessionIdentifier !== 'string' || p.sessionIdentifier === '') {
    throw new InvalidIngestRecordError(
      `presence sessionIdentifier missing: ${describe(p.sessionIdentifier)}`,
    );
  }
  const key = deriveIdempotencyKey(
    `${p.clientId}:${p.timestamp}:${p.eventType}:${p.sessionIdentifier}`,
    'presence',
  );
  const { presence: _presence, ...lifecycle } = p;
  const detail = { metadata: { 'idempotency-key': key, thingName: p.clientId }, ...lifecycle };
  return {
    Source: EventSource.Presence,
    DetailType: p.eventType === 'connected' ? DetailType.DeviceConnected : DetailType.DeviceDisconnected,
    Detail: JSON.stringify(detail),
    Time: new Date(p.timestamp),
    Resources: [thingArn(target.region, target.accountId, p.clientId)],
    EventBusName: target.eventBusName,
  };
}

/** A readable reason for an invalid record (the contract's message lists every issue). */
export function reasonOf(err: unknown): string {
  if (err instanceof InvalidIngestRecordError || err instanceof ContractValidationError) return err.message;
  return `unexpected error: ${err instanceof Error ? err.message : String(err)}`;
}

/**
 * Entry size as EventBridge counts it (Time 14 bytes when present, plus the UTF-8 of
 * Source, DetailType, Detail and each Resource):
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html
 */
export function entrySize(entry: BusEntry): number {
  let size = entry.Time ? 14 : 0;
  size +=
    Buffer.byteLength(entry.Source) + Buffer.byteLength(entry.DetailType) + Buffer.byteLength(entry.Detail);
  for (const r of entry.Resources ?? []) size += Buffer.byteLength(r);
  return size;
}

/** Split entries into PutEvents requests: at most 10 entries and 256 KB each. */
export function batches<T extends { entry: BusEntry }>(items: T[]): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const item of items) {
    const s = entrySize(item.entry);
    if (
      current.length > 0 &&
      (current.length >= LIMITS.PUT_EVENTS_MAX_ENTRIES || size + s > LIMITS.PUT_EVENTS_MAX_ENTRY_BYTES)
    ) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += s;
  }
  if (current.length > 0) out.push(current);
  return out;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
