import mqtt, { type MqttClient } from 'mqtt';
import { ClaimConnectionError, ProvisioningRejectedError, ProvisioningTimeoutError } from './errors.js';
import {
  type ClaimConnectionOptions,
  type CreateCertificateResponse,
  IDENTITY_TOPICS,
  type IdentityClient,
  type RegisterThingResponse,
} from './identity-client.js';

/**
 * The fleet provisioning MQTT API over MQTT.js: subscribe to `{request}/accepted` and
 * `/rejected`, publish the JSON request (QoS 1), take the first answer. One request at a
 * time, as the API has no correlation token.
 */
export class MqttJsIdentityClient implements IdentityClient {
  readonly name = 'mqtt.js';
  readonly #client: MqttClient;
  readonly #timeoutMs: number;
  readonly #subscribed = new Set<string>();

  private constructor(client: MqttClient, timeoutMs: number) {
    this.#client = client;
    this.#timeoutMs = timeoutMs;
  }

  /** Opens the claim connection (mutual TLS with the claim certificate). */
  static async connect(o: ClaimConnectionOptions): Promise<MqttJsIdentityClient> {
    const url = `mqtts://${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}`;
    const timeoutMs = o.timeoutMs ?? 30_000;
    try {
      const client = await mqtt.connectAsync(url, {
        clientId: o.clientId,
        protocolVersion: 4,
        clean: true,
        reconnectPeriod: 0,
        connectTimeout: timeoutMs,
        cert: o.cert,
        key: o.key,
        ...(o.ca ? { ca: o.ca } : {}),
        rejectUnauthorized: true,
      });
      return new MqttJsIdentityClient(client, timeoutMs);
    } catch (err) {
      throw new ClaimConnectionError(
        url,
        `cannot connect to ${url} with the claim certificate: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }

  async createCertificateFromCsr(csrPem: string): Promise<CreateCertificateResponse> {
    return (await this.#request(IDENTITY_TOPICS.createFromCsr, 'CreateCertificateFromCsr', {
      certificateSigningRequest: csrPem,
    })) as unknown as CreateCertificateResponse;
  }

  async createKeysAndCertificate(): Promise<CreateCertificateResponse> {
    return (await this.#request(
      IDENTITY_TOPICS.create,
      'CreateKeysAndCertificate',
      {},
    )) as unknown as CreateCertificateResponse;
  }

  async registerThing(
    templateName: string,
    certificateOwnershipToken: string,
    parameters: Record<string, string>,
  ): Promise<RegisterThingResponse> {
    return (await this.#request(IDENTITY_TOPICS.provision(templateName), 'RegisterThing', {
      certificateOwnershipToken,
      parameters,
    })) as unknown as RegisterThingResponse;
  }

  async close(): Promise<void> {
    await this.#client.endAsync().catch(() => undefined);
  }

  async #request(topic: string, operation: string, body: object): Promise<Record<string, unknown>> {
    const accepted = `${topic}/accepted`;
    const rejected = `${topic}/rejected`;
    if (!this.#subscribed.has(topic)) {
      const granted = await this.#client.subscribeAsync([accepted, rejected], { qos: 1 });
      const refused = granted.filter((g) => g.qos === 128);
      if (refused.length > 0) {
        throw new ProvisioningRejectedError(
          operation,
          403,
          'SubscribeRefused',
          `the broker refused ${refused.map((g) => g.topic).join(', ')}`,
        );
      }
      this.#subscribed.add(topic);
    }
    const client = this.#client;
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        client.off('message', onMessage);
        client.off('close', onClose);
      };
      const onMessage = (t: string, payload: Buffer) => {
        if (t !== accepted && t !== rejected) return;
        done();
        let doc: Record<string, unknown>;
        try {
          doc = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
        } catch {
          reject(
            new ProvisioningRejectedError(operation, undefined, 'InvalidResponse', 'the answer is not JSON'),
          );
          return;
        }
        if (t === rejected) {
          reject(
            new ProvisioningRejectedError(
              operation,
              doc.statusCode as number | undefined,
              doc.errorCode as string | undefined,
              doc.errorMessage as string | undefined,
            ),
          );
        } else resolve(doc);
      };
      const onClose = () => {
        done();
        reject(
          new ProvisioningTimeoutError(
            operation,
            `the broker closed the connection during ${operation} (refused by its policy?)`,
          ),
        );
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new ProvisioningTimeoutError(operation, `no answer to ${operation} within ${this.#timeoutMs} ms`),
        );
      }, this.#timeoutMs);
      client.on('message', onMessage);
      client.on('close', onClose);
      client.publish(topic, JSON.stringify(body), { qos: 1 }, (err) => {
        if (!err) return;
        done();
        reject(
          new ProvisioningTimeoutError(operation, `cannot publish ${operation}: ${err.message}`, {
            cause: err,
          }),
        );
      });
    });
  }
}
