import type { iotidentity, mqtt } from 'aws-iot-device-sdk-v2';
import { loadAwsIotSdk } from '../transport/aws-iot-transport.js';
import { ClaimConnectionError, ProvisioningRejectedError, ProvisioningTimeoutError } from './errors.js';
import type {
  ClaimConnectionOptions,
  CreateCertificateResponse,
  IdentityClient,
  RegisterThingResponse,
} from './identity-client.js';

/**
 * The aws-iot-device-sdk-v2 identity client (iotidentity, request-response v2) over an
 * MQTT 3.1.1 CRT connection with the claim certificate. Throws TransportUnavailableError
 * (from loadAwsIotSdk) where aws-crt has no binary, so the caller can fall back to MQTT.js.
 */
export class CrtIdentityClient implements IdentityClient {
  readonly name = 'aws-iot-device-sdk-v2';
  readonly #connection: mqtt.MqttClientConnection;
  readonly #identity: iotidentity.IotIdentityClientv2;

  private constructor(connection: mqtt.MqttClientConnection, identity: iotidentity.IotIdentityClientv2) {
    this.#connection = connection;
    this.#identity = identity;
  }

  static async connect(o: ClaimConnectionOptions): Promise<CrtIdentityClient> {
    const sdk = await loadAwsIotSdk();
    const builder = sdk.iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder(o.cert, o.key)
      .with_endpoint(o.host)
      .with_port(o.port)
      .with_client_id(o.clientId)
      .with_clean_session(true)
      .with_keep_alive_seconds(30);
    if (o.ca) builder.with_certificate_authority(o.ca);
    const connection = new sdk.mqtt.MqttClient().new_connection(builder.build());
    try {
      await connection.connect();
    } catch (err) {
      throw new ClaimConnectionError(
        o.host,
        `cannot connect to ${o.host}:${o.port} with the claim certificate: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    const identity = sdk.iotidentity.IotIdentityClientv2.newFromMqtt311(connection, {
      maxRequestResponseSubscriptions: 2,
      maxStreamingSubscriptions: 1,
      operationTimeoutInSeconds: Math.ceil((o.timeoutMs ?? 30_000) / 1000),
    });
    return new CrtIdentityClient(connection, identity);
  }

  async createCertificateFromCsr(csrPem: string): Promise<CreateCertificateResponse> {
    const r = await this.#call('CreateCertificateFromCsr', () =>
      this.#identity.createCertificateFromCsr({ certificateSigningRequest: csrPem }),
    );
    return certificateResponse('CreateCertificateFromCsr', r);
  }

  async createKeysAndCertificate(): Promise<CreateCertificateResponse> {
    const r = await this.#call('CreateKeysAndCertificate', () => this.#identity.createKeysAndCertificate({}));
    return {
      ...certificateResponse('CreateKeysAndCertificate', r),
      ...(r.privateKey ? { privateKey: r.privateKey } : {}),
    };
  }

  async registerThing(
    templateName: string,
    certificateOwnershipToken: string,
    parameters: Record<string, string>,
  ): Promise<RegisterThingResponse> {
    const r = await this.#call('RegisterThing', () =>
      this.#identity.registerThing({ templateName, certificateOwnershipToken, parameters }),
    );
    if (!r.thingName)
      throw new ProvisioningRejectedError('RegisterThing', undefined, 'InvalidResponse', 'no thingName');
    return { thingName: r.thingName, deviceConfiguration: r.deviceConfiguration ?? {} };
  }

  async close(): Promise<void> {
    this.#identity.close();
    await this.#connection.disconnect().catch(() => undefined);
  }

  async #call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      // The SDK puts the /rejected document in `modeledError`.
      const e = err as { modeledError?: { statusCode?: number; errorCode?: string; errorMessage?: string } };
      if (e.modeledError) {
        throw new ProvisioningRejectedError(
          operation,
          e.modeledError.statusCode,
          e.modeledError.errorCode,
          e.modeledError.errorMessage,
        );
      }
      throw new ProvisioningTimeoutError(operation, `${operation} failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
}

function certificateResponse(
  operation: string,
  r: { certificateId?: string; certificatePem?: string; certificateOwnershipToken?: string },
): CreateCertificateResponse {
  if (!r.certificateId || !r.certificatePem || !r.certificateOwnershipToken) {
    throw new ProvisioningRejectedError(
      operation,
      undefined,
      'InvalidResponse',
      'the answer lacks the certificate or token',
    );
  }
  return {
    certificateId: r.certificateId,
    certificatePem: r.certificatePem,
    certificateOwnershipToken: r.certificateOwnershipToken,
  };
}
