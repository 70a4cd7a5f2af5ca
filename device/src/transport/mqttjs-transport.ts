import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { TimerHandle } from '../core/clock.js';
import {
  ConnectionLostError,
  PublishRefusedError,
  SubscriptionRefusedError,
  TransportError,
} from '../core/errors.js';
import { fullJitterDelay, STABLE_CONNECTION_MS } from './backoff.js';
import { BaseTransport, type BaseTransportOptions } from './base-transport.js';
import type { ReconnectOptions, TransportConnectOptions } from './types.js';

export interface MqttJsTransportOptions extends BaseTransportOptions {
  /** Broker URL, e.g. mqtt://127.0.0.1:1883 or mqtts://host:8883. */
  url: string;
  /** PEM contents for mutual TLS (mqtts). */
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** @default 30 */
  keepaliveSeconds?: number;
  /** @default { initialDelayMs: 1000, maxDelayMs: 60000 } */
  reconnect?: ReconnectOptions;
  /**
   * MQTT protocol version: 4 (3.1.1) or 5. aedes speaks 3.1.1.
   * @default 4
   */
  protocolVersion?: 4 | 5;
  /** @default 10000 */
  connectTimeoutMs?: number;
  /** For backoff jitter. @default Math.random */
  random?: () => number;
}

/**
 * A transport over MQTT.js, for any broker. MQTT.js's own fixed-period reconnect is off
 * (reconnectPeriod 0): each attempt is a fresh client with a clean session, spaced by
 * exponential backoff with full jitter, so a fleet does not reconnect in lockstep.
 */
export class MqttJsTransport extends BaseTransport {
  readonly name = 'mqtt.js';
  #client: MqttClient | undefined;
  #connect: TransportConnectOptions | undefined;
  #stopped = true;
  #attempt = 0;
  #reconnectTimer: TimerHandle | undefined;
  #stableTimer: TimerHandle | undefined;
  #pending = new Set<() => void>();

  constructor(private readonly options: MqttJsTransportOptions) {
    super(options);
  }

  async connect(options: TransportConnectOptions): Promise<void> {
    if (!this.#stopped) return;
    this.#connect = options;
    this.#stopped = false;
    this.#attempt = 0;
    this.#open();
  }

  async disconnect(): Promise<void> {
    this.#stopped = true;
    if (this.#reconnectTimer !== undefined) this.clock.clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    this.#clearStableTimer();
    const client = this.#client;
    this.#client = undefined;
    if (client) {
      client.removeAllListeners();
      client.on('error', () => {});
      // A clean DISCONNECT (so no will), unless the broker is gone: then just close.
      await Promise.race([
        client.endAsync(false),
        new Promise<void>((r) => setTimeout(r, 2_000).unref()),
      ]).catch(() => {});
      if (!client.disconnected) await client.endAsync(true).catch(() => {});
    }
    this.#failPending();
    this.bucket.cancel(new TransportError('transport disconnected'));
    this.setState('disconnected');
    this.removeListeners();
  }

  protected _publish(topic: string, payload: Buffer, qos: 0 | 1, retain: boolean): Promise<void> {
    const client = this.#client!;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        this.#pending.delete(lost);
        reject(error);
      };
      const lost = () => fail(new ConnectionLostError(topic));
      this.#pending.add(lost);
      client.publish(topic, payload, { qos, retain }, (err) => {
        if (settled) return;
        if (!err) {
          settled = true;
          this.#pending.delete(lost);
          resolve();
          return;
        }
        const code = (err as Error & { code?: unknown }).code;
        fail(
          typeof code === 'number'
            ? new PublishRefusedError(topic, code, err.message)
            : new ConnectionLostError(topic),
        );
      });
    });
  }

  protected async _subscribe(filters: string[]): Promise<void> {
    const client = this.#client;
    if (!client) return;
    const granted = await client.subscribeAsync(filters, { qos: 1 });
    const refused = granted.filter((g) => g.qos === 128 || g.qos >= 0x80);
    if (refused.length > 0) throw new SubscriptionRefusedError(refused.map((g) => g.topic));
  }

  #open(): void {
    const o = this.options;
    const c = this.#connect!;
    const clientOptions: IClientOptions = {
      clientId: c.clientId,
      clean: true,
      reconnectPeriod: 0,
      keepalive: o.keepaliveSeconds ?? 30,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
      protocolVersion: o.protocolVersion ?? 4,
      ...(o.ca ? { ca: o.ca } : {}),
      ...(o.cert ? { cert: o.cert } : {}),
      ...(o.key ? { key: o.key } : {}),
      ...(c.will ? { will: { ...c.will } } : {}),
    };
    this.setState('connecting');
    const client = mqtt.connect(o.url, clientOptions);
    this.#client = client;
    let lastError: Error | undefined;
    client.on('error', (err) => {
      lastError = err;
    });
    client.on('message', (topic, payload) => this.emitMessage(topic, payload));
    client.on('connect', () => {
      // Only a connection that lasts earns a fresh backoff (see STABLE_CONNECTION_MS).
      this.#clearStableTimer();
      this.#stableTimer = this.clock.setTimeout(() => {
        this.#stableTimer = undefined;
        if (this.#client === client) this.#attempt = 0;
      }, STABLE_CONNECTION_MS);
      const filters = [...this.filters];
      const ready = filters.length > 0 ? this._subscribe(filters) : Promise.resolve();
      ready.then(
        () => {
          if (this.#client === client) this.setState('connected');
        },
        (err: Error) => {
          // Refused subscriptions must not stop the events: stay connected, report it.
          if (err instanceof SubscriptionRefusedError) {
            if (this.#client === client) this.setState('connected', err);
            return;
          }
          lastError = err;
          client.end(true);
        },
      );
    });
    client.on('close', () => {
      if (this.#client !== client) return;
      this.#client = undefined;
      this.#clearStableTimer();
      client.removeAllListeners();
      client.on('error', () => {});
      client.end(true);
      this.#failPending();
      this.setState('disconnected', lastError);
      if (!this.#stopped) this.#scheduleReconnect();
    });
  }

  #scheduleReconnect(): void {
    const r = this.options.reconnect ?? {};
    const delay = fullJitterDelay(
      this.#attempt++,
      r.initialDelayMs ?? 1_000,
      r.maxDelayMs ?? 60_000,
      this.options.random,
    );
    this.#reconnectTimer = this.clock.setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (!this.#stopped) this.#open();
    }, delay);
  }

  #clearStableTimer(): void {
    if (this.#stableTimer !== undefined) this.clock.clearTimeout(this.#stableTimer);
    this.#stableTimer = undefined;
  }

  #failPending(): void {
    for (const lost of [...this.#pending]) lost();
  }
}
