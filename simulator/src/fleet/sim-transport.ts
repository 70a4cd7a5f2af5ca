import type {
  ConnectionListener,
  ConnectionState,
  MessageListener,
  PublishOptions,
  Transport,
  TransportConnectOptions,
} from '@smartdoor/device/transport/types';

/**
 * Wraps a door's real transport to play faults a healthy agent never makes: a storm of
 * duplicate publishes (as when PUBACKs are lost and QoS 1 resends) and raw payloads that
 * break the contract. Everything else goes straight through.
 */
export class SimTransport implements Transport {
  /** Extra copies of every publish on the events topic; 0 means none. */
  copies = 0;
  /** Copies sent so far (they are duplicates the cloud must suppress). */
  duplicatesSent = 0;

  constructor(
    readonly inner: Transport,
    private readonly eventsTopic: string,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  get state(): ConnectionState {
    return this.inner.state;
  }

  connect(options: TransportConnectOptions): Promise<void> {
    return this.inner.connect(options);
  }

  async publish(topic: string, payload: string | Uint8Array, options?: PublishOptions): Promise<void> {
    const first = this.inner.publish(topic, payload, options);
    if (topic === this.eventsTopic) {
      for (let i = 0; i < this.copies; i++) {
        this.duplicatesSent++;
        this.inner.publish(topic, payload, options).catch(() => {});
      }
    }
    return first;
  }

  /** Publish bytes as they are, bypassing the agent (malformed payloads). */
  raw(topic: string, payload: string | Uint8Array): Promise<void> {
    return this.inner.publish(topic, payload, { qos: 1 });
  }

  subscribe(filters: string[]): Promise<void> {
    return this.inner.subscribe(filters);
  }

  onMessage(listener: MessageListener): void {
    this.inner.onMessage(listener);
  }

  onConnectionChange(listener: ConnectionListener): void {
    this.inner.onConnectionChange(listener);
  }

  disconnect(): Promise<void> {
    return this.inner.disconnect();
  }
}
