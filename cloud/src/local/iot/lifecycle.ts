import { topics } from '@smartdoor/shared';

/**
 * IoT Core's connect/disconnect lifecycle events, field for field
 * (https://docs.aws.amazon.com/iot/latest/developerguide/life-cycle-events.html#connect-disconnect).
 */
export const DisconnectReason = {
  AuthError: 'AUTH_ERROR',
  ClientInitiatedDisconnect: 'CLIENT_INITIATED_DISCONNECT',
  ClientError: 'CLIENT_ERROR',
  ConnectionLost: 'CONNECTION_LOST',
  DuplicateClientId: 'DUPLICATE_CLIENTID',
  ForbiddenAccess: 'FORBIDDEN_ACCESS',
  MqttKeepAliveTimeout: 'MQTT_KEEP_ALIVE_TIMEOUT',
  ServerError: 'SERVER_ERROR',
  ServerInitiatedDisconnect: 'SERVER_INITIATED_DISCONNECT',
  ApiInitiatedDisconnect: 'API_INITIATED_DISCONNECT',
  Throttled: 'THROTTLED',
} as const;
export type DisconnectReason = (typeof DisconnectReason)[keyof typeof DisconnectReason];

export interface ConnectedEvent {
  clientId: string;
  timestamp: number;
  eventType: 'connected';
  sessionIdentifier: string;
  principalIdentifier: string;
  ipAddress?: string;
  versionNumber: number;
}

export interface DisconnectedEvent {
  clientId: string;
  timestamp: number;
  eventType: 'disconnected';
  sessionIdentifier: string;
  principalIdentifier: string;
  clientInitiatedDisconnect: boolean;
  disconnectReason: DisconnectReason;
  versionNumber: number;
}

/** What one MQTT session is, for its lifecycle events. */
export interface SessionFacts {
  clientId: string;
  sessionIdentifier: string;
  principalIdentifier: string;
  ipAddress?: string;
  /** Monotonic per client id: a subscriber orders a client's events by it. */
  versionNumber: number;
}

/** Client ids with # or + get no lifecycle events (the doc's note). */
export function hasLifecycleEvents(clientId: string): boolean {
  return !clientId.includes('#') && !clientId.includes('+');
}

export function connectedEvent(
  session: SessionFacts,
  timestamp: number,
): { topic: string; event: ConnectedEvent } {
  const event: ConnectedEvent = {
    clientId: session.clientId,
    timestamp,
    eventType: 'connected',
    sessionIdentifier: session.sessionIdentifier,
    principalIdentifier: session.principalIdentifier,
    ...(session.ipAddress === undefined ? {} : { ipAddress: session.ipAddress }),
    versionNumber: session.versionNumber,
  };
  return { topic: topics.presence('connected', session.clientId), event };
}

export function disconnectedEvent(
  session: SessionFacts,
  timestamp: number,
  reason: DisconnectReason,
): { topic: string; event: DisconnectedEvent } {
  const event: DisconnectedEvent = {
    clientId: session.clientId,
    timestamp,
    eventType: 'disconnected',
    sessionIdentifier: session.sessionIdentifier,
    principalIdentifier: session.principalIdentifier,
    clientInitiatedDisconnect: reason === DisconnectReason.ClientInitiatedDisconnect,
    disconnectReason: reason,
    versionNumber: session.versionNumber,
  };
  return { topic: topics.presence('disconnected', session.clientId), event };
}

/** `::ffff:127.0.0.1` -> `127.0.0.1`: IoT Core reports the client's address without the v4-mapped prefix. */
export function normalizeIp(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** Keeps the last lifecycle version number per client id (memory, or SQLite in the local cloud). */
export interface LifecycleVersionStore {
  next(clientId: string): number;
}

export class MemoryLifecycleVersionStore implements LifecycleVersionStore {
  readonly #versions = new Map<string, number>();
  next(clientId: string): number {
    const v = (this.#versions.get(clientId) ?? -1) + 1;
    this.#versions.set(clientId, v);
    return v;
  }
}
