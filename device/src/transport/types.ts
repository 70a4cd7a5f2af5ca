/**
 * The one small interface every MQTT transport implements (MQTT.js, aws-iot-device-sdk-v2).
 * Transports reconnect by themselves until `disconnect()`; subscriptions are renewed on
 * every connection (clean sessions: the outbox, not the MQTT session, holds what must
 * survive). `publish` resolves on PUBACK (QoS 1) and rejects when the connection drops
 * first (ConnectionLostError), when not connected (NotConnectedError) or when the broker
 * refuses it (PublishRefusedError).
 */
export type ConnectionState = 'disconnected' | 'connecting' | 'connected';

export interface Will {
  topic: string;
  payload: string;
  qos: 0 | 1;
  retain: boolean;
}

export interface TransportConnectOptions {
  /** MQTT client id; IoT Core policies expect the thing name. */
  clientId: string;
  /** Published by the broker when the connection dies without a DISCONNECT. */
  will?: Will;
}

export interface PublishOptions {
  /** @default 1 */
  qos?: 0 | 1;
  /** @default false */
  retain?: boolean;
}

export type MessageListener = (topic: string, payload: Buffer) => void;
export type ConnectionListener = (state: ConnectionState, error?: Error) => void;

export interface Transport {
  /** Short name for logs and status, e.g. `mqtt.js` or `aws-iot`. */
  readonly name: string;
  readonly state: ConnectionState;
  /** Start connecting (and reconnecting); resolves at once, state changes are reported. */
  connect(options: TransportConnectOptions): Promise<void>;
  publish(topic: string, payload: string | Uint8Array, options?: PublishOptions): Promise<void>;
  /** Subscribe now if connected, and on every later connection. */
  subscribe(filters: string[]): Promise<void>;
  onMessage(listener: MessageListener): void;
  onConnectionChange(listener: ConnectionListener): void;
  /** Disconnect cleanly (no will), stop reconnecting, remove listeners. */
  disconnect(): Promise<void>;
}

/** Reconnect backoff: exponential with full jitter. */
export interface ReconnectOptions {
  /** @default 1000 */
  initialDelayMs?: number;
  /** @default 60000 */
  maxDelayMs?: number;
}
