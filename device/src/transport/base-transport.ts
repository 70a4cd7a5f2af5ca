import { LIMITS } from '@smartdoor/shared';
import { type Clock, systemClock } from '../core/clock.js';
import { NotConnectedError, PayloadTooLargeError } from '../core/errors.js';
import { TokenBucket } from './token-bucket.js';
import type {
  ConnectionListener,
  ConnectionState,
  MessageListener,
  PublishOptions,
  Transport,
  TransportConnectOptions,
} from './types.js';

/** Options every transport takes. */
export interface BaseTransportOptions {
  /** @default systemClock */
  clock?: Clock;
  /**
   * Publishes per second per connection (IoT Core allows 100).
   * @default 100
   */
  publishRatePerSecond?: number;
  /**
   * Largest payload accepted (IoT Core allows 128 KB).
   * @default 131072
   */
  maxPayloadBytes?: number;
}

/**
 * What every transport shares: listeners, the subscription list, the payload limit and
 * the publish rate limit. Subclasses connect and move bytes.
 */
export abstract class BaseTransport implements Transport {
  abstract readonly name: string;
  protected readonly clock: Clock;
  protected readonly bucket: TokenBucket;
  protected readonly filters = new Set<string>();
  readonly #maxPayloadBytes: number;
  #state: ConnectionState = 'disconnected';
  #messageListeners: MessageListener[] = [];
  #connectionListeners: ConnectionListener[] = [];

  constructor(options: BaseTransportOptions = {}) {
    this.clock = options.clock ?? systemClock;
    const rate = options.publishRatePerSecond ?? LIMITS.IOT_MAX_PUBLISHES_PER_SECOND;
    this.bucket = new TokenBucket(rate, rate, this.clock);
    this.#maxPayloadBytes = options.maxPayloadBytes ?? LIMITS.IOT_MAX_PAYLOAD_BYTES;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  abstract connect(options: TransportConnectOptions): Promise<void>;
  abstract disconnect(): Promise<void>;
  protected abstract _publish(topic: string, payload: Buffer, qos: 0 | 1, retain: boolean): Promise<void>;
  protected abstract _subscribe(filters: string[]): Promise<void>;

  async publish(topic: string, payload: string | Uint8Array, options: PublishOptions = {}): Promise<void> {
    const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
    if (bytes.length > this.#maxPayloadBytes) {
      throw new PayloadTooLargeError(topic, bytes.length, this.#maxPayloadBytes);
    }
    if (this.#state !== 'connected') throw new NotConnectedError(topic);
    await this.bucket.take();
    if (this.#state !== 'connected') throw new NotConnectedError(topic);
    await this._publish(topic, bytes, options.qos ?? 1, options.retain ?? false);
  }

  async subscribe(filters: string[]): Promise<void> {
    const fresh = filters.filter((f) => !this.filters.has(f));
    for (const f of fresh) this.filters.add(f);
    if (this.#state === 'connected' && fresh.length > 0) await this._subscribe(fresh);
  }

  onMessage(listener: MessageListener): void {
    this.#messageListeners.push(listener);
  }

  onConnectionChange(listener: ConnectionListener): void {
    this.#connectionListeners.push(listener);
  }

  protected removeListeners(): void {
    this.#messageListeners = [];
    this.#connectionListeners = [];
  }

  protected setState(state: ConnectionState, error?: Error): void {
    if (state === this.#state) return;
    this.#state = state;
    for (const l of this.#connectionListeners) l(state, error);
  }

  protected emitMessage(topic: string, payload: Buffer): void {
    for (const l of this.#messageListeners) l(topic, payload);
  }
}
