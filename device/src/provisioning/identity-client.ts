/**
 * The fleet provisioning MQTT API as the device uses it
 * (https://docs.aws.amazon.com/iot/latest/developerguide/fleet-provision-api.html).
 * Two implementations: MQTT.js (plain JSON over the topics) and the aws-iot-device-sdk-v2
 * identity client (aws-crt), for IoT Core endpoints where aws-crt loads.
 */
export interface CreateCertificateResponse {
  certificateId: string;
  certificatePem: string;
  certificateOwnershipToken: string;
  /** CreateKeysAndCertificate only. */
  privateKey?: string;
}

export interface RegisterThingResponse {
  thingName: string;
  deviceConfiguration: Record<string, string>;
}

export interface IdentityClient {
  readonly name: string;
  createCertificateFromCsr(csrPem: string): Promise<CreateCertificateResponse>;
  createKeysAndCertificate(): Promise<CreateCertificateResponse>;
  registerThing(
    templateName: string,
    certificateOwnershipToken: string,
    parameters: Record<string, string>,
  ): Promise<RegisterThingResponse>;
  close(): Promise<void>;
}

/** What opening a claim connection needs. */
export interface ClaimConnectionOptions {
  host: string;
  port: number;
  /** PEM contents. */
  cert: string;
  key: string;
  ca?: string;
  clientId: string;
  /** @default 30000 */
  timeoutMs?: number;
}

export const IDENTITY_TOPICS = {
  createFromCsr: '$aws/certificates/create-from-csr/json',
  create: '$aws/certificates/create/json',
  provision: (templateName: string) => `$aws/provisioning-templates/${templateName}/provision/json`,
} as const;
