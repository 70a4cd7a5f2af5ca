import type { mqtt5 as Mqtt5Types } from 'aws-iot-device-sdk-v2';
import {
  ConnectionLostError,
  PublishRefusedError,
  SubscriptionRefusedError,
  TransportError,
  TransportUnavailableError,
} from '../core/errors.js';
import { STABLE_CONNECTION_MS } from './backoff.js';
import { BaseTransport, type BaseTransportOptions } from './base-transport.js';
import type { ReconnectOptions, TransportConnectOptions } from './types.js';

type Sdk = typeof import('aws-iot-device-sdk-v2');

let sdkPromise: Promise<Sdk> | undefined;

/**
 * Import aws-iot-device-sdk-v2 (an optional dependency) on first use. aws-crt ships no
 * binary for 32-bit ARM (Pi OS armhf), so the import can fail there: callers fall back.
 */
export function loadAwsIotSdk(): Promise<Sdk> {
  sdkPromise ??= import('aws-iot-device-sdk-v2')
    .then((m) => ((m as { default?: Sdk }).default ?? m) as Sdk)
    .catch((cause: unknown) => {
      sdkPromise = undefined;
      throw new TransportUnavailableError(
        `aws-iot-device-sdk-v2 cannot load on ${process.platform}/${process.arch} (${(cause as Error).message})`,
        { cause },
      );
    });
  return sdkPromise;
}

export interface AwsIotTransportOptions extends BaseTransportOptions {
  /** Broker host, e.g. the account's xxx-ats.iot.<region>.amazonaws.com. */
  host: string;
  /** @default 8883 */
  port?: number;
  /** PEM contents of the client certificate and its private key (mutual TLS). */
  cert: string;
  key: string;
  /** PEM of the CA to trust instead of the system store (e.g. AmazonRootCA1, a test CA). */
  ca?: string;
  /** @default 30 */
  keepaliveSeconds?: number;
  /** @default { initialDelayMs: 1000, maxDelayMs: 60000 } */
  reconnect?: ReconnectOptions;
}

/**
 * A transport over the AWS IoT Device SDK v2's MQTT 5 client (aws-crt), with mutual TLS.
 * The CRT client reconnects by itself; it is set to exponential backoff with full jitter
 * and clean sessions, and to fail every operation on disconnect, so that the outbox
 * (not the SDK's in-memory queue) decides what is resent.
 * https://aws.github.io/aws-iot-device-sdk-js-v2/node/classes/mqtt5.Mqtt5Client.html
 */
export class AwsIotTransport extends BaseTransport {
  readonly name = 'aws-iot';
  #client: Mqtt5Types.Mqtt5Client | undefined;
  #sdk: Sdk | undefined;
  #pending = new Set<() => void>();

  constructor(private readonly options: AwsIotTransportOptions) {
    super(options);
  }

  async connect(options: TransportConnectOptions): Promise<void> {
    if (this.#client) return;
    const sdk = await loadAwsIotSdk();
    this.#sdk = sdk;
    const { mqtt5, iot } = sdk;
    const o = this.options;
    const builder = iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromMemory(
      o.host,
      o.cert,
      o.key,
    )
      .withPort(o.port ?? 8883)
      .withConnectProperties({
        clientId: options.clientId,
        keepAliveIntervalSeconds: o.keepaliveSeconds ?? 30,
        sessionExpiryIntervalSeconds: 0,
        ...(options.will
          ? {
              will: {
                topicName: options.will.topic,
                payload: Buffer.from(options.will.payload),
                qos: options.will.qos === 1 ? mqtt5.QoS.AtLeastOnce : mqtt5.QoS.AtMostOnce,
                retain: options.will.retain,
              },
            }
          : {}),
      })
      .withSessionBehavior(mqtt5.ClientSessionBehavior.Clean)
      .withRetryJitterMode(mqtt5.RetryJitterType.Full)
      .withMinReconnectDelayMs(o.reconnect?.initialDelayMs ?? 1_000)
      .withMaxReconnectDelayMs(o.reconnect?.maxDelayMs ?? 60_000)
      // The CRT resets its backoff only after this long connected (its default too; said
      // here so that both transports visibly share the rule).
      .withMinConnectedTimeToResetReconnectDelayMs(STABLE_CONNECTION_MS)
      .withOfflineQueueBehavior(mqtt5.ClientOperationQueueBehavior.FailAllOnDisconnect);
    if (o.ca) builder.withCertificateAuthority(o.ca);
    const client = new mqtt5.Mqtt5Client(builder.build());
    this.#client = client;
    client.on('attemptingConnect', () => this.setState('connecting'));
    client.on('connectionSuccess', () => {
      const filters = [...this.filters];
      const ready = filters.length > 0 ? this._subscribe(filters) : Promise.resolve();
      ready.then(
        () => {
          if (this.#client === client) this.setState('connected');
        },
        (err: Error) => {
          // Refused subscriptions must not stop the events: stay connected, report it.
          if (err instanceof SubscriptionRefusedError && this.#client === client)
            this.setState('connected', err);
        },
      );
    });
    client.on('connectionFailure', (e) => this.setState('disconnected', toError(e.error)));
    client.on('disconnection', (e) => {
      this.#failPending();
      this.setState('disconnected', toError(e.error));
    });
    client.on('messageReceived', (e) => {
      const p = e.message.payload;
      const payload =
        p === undefined
          ? Buffer.alloc(0)
          : typeof p === 'string'
            ? Buffer.from(p)
            : Buffer.from(p instanceof ArrayBuffer ? new Uint8Array(p) : (p as Uint8Array));
      this.emitMessage(e.message.topicName, payload);
    });
    client.on('error', (err) => this.setState('disconnected', toError(err)));
    client.start();
  }

  async disconnect(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (client) {
      const stopped = new Promise<void>((r) => client.once('stopped', () => r()));
      client.stop({ reasonCode: this.#sdk!.mqtt5.DisconnectReasonCode.NormalDisconnection });
      await Promise.race([stopped, new Promise<void>((r) => setTimeout(r, 2_000).unref())]);
      client.close();
    }
    this.#failPending();
    this.bucket.cancel(new TransportError('transport disconnected'));
    this.setState('disconnected');
    this.removeListeners();
  }

  protected _publish(topic: string, payload: Buffer, qos: 0 | 1, retain: boolean): Promise<void> {
    const client = this.#client!;
    const { mqtt5 } = this.#sdk!;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (error?: Error) => {
        if (settled) return;
        settled = true;
        this.#pending.delete(lost);
        if (error) reject(error);
        else resolve();
      };
      const lost = () => settle(new ConnectionLostError(topic));
      this.#pending.add(lost);
      client
        .publish({
          topicName: topic,
          payload,
          qos: qos === 1 ? mqtt5.QoS.AtLeastOnce : mqtt5.QoS.AtMostOnce,
          retain,
        })
        .then(
          (result) => {
            const code = (result as Mqtt5Types.PubackPacket | undefined)?.reasonCode ?? 0;
            // MQTT 5 PUBACK reason codes >= 0x80 are failures, e.g. 0x87 Not authorized.
            settle(
              code >= 0x80
                ? new PublishRefusedError(topic, code, (result as Mqtt5Types.PubackPacket).reasonString)
                : undefined,
            );
          },
          () => settle(new ConnectionLostError(topic)),
        );
    });
  }

  protected async _subscribe(filters: string[]): Promise<void> {
    const client = this.#client;
    if (!client) return;
    const { mqtt5 } = this.#sdk!;
    const suback = await client.subscribe({
      subscriptions: filters.map((topicFilter) => ({ topicFilter, qos: mqtt5.QoS.AtLeastOnce })),
    });
    const refused = filters.filter((_, i) => (suback.reasonCodes[i] ?? 0) >= 0x80);
    if (refused.length > 0) throw new SubscriptionRefusedError(refused);
  }

  #failPending(): void {
    for (const lost of [...this.#pending]) lost();
  }
}

function toError(e: unknown): Error {
  return e instanceof Error ? e : new TransportError(String((e as { message?: string })?.message ?? e));
}
