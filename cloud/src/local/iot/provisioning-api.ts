import type { IotControlError } from '../iot-control/errors.js';
import type { IotRegistry } from '../iot-control/registry.js';
import type { BrokerLogger, BrokerMessage, IotBroker } from './broker.js';
import { PROVISIONING_TOPICS } from './provisioning-policy.js';
import { applyTemplate, type ProvisioningTemplate } from './provisioning-template.js';

export interface ProvisioningMqttApiOptions {
  registry: IotRegistry;
  templates: readonly ProvisioningTemplate[];
  logger: BrokerLogger;
}

/** The `rejected` document (https://docs.aws.amazon.com/iot/latest/developerguide/fleet-provision-api.html). */
interface Rejection {
  statusCode: number;
  errorCode: string;
  errorMessage: string;
}

/**
 * IoT Core's fleet provisioning MQTT API on the local broker: CreateCertificateFromCsr,
 * CreateKeysAndCertificate and RegisterThing, JSON payloads, answers on /accepted or
 * /rejected delivered to the requesting client only. Certificates are made PENDING_ACTIVATION
 * and activated by RegisterThing, as the template's certificate resource does on AWS.
 */
export class ProvisioningMqttApi {
  readonly #o: ProvisioningMqttApiOptions;
  #removers: Array<() => void> = [];
  #broker: IotBroker | undefined;

  constructor(options: ProvisioningMqttApiOptions) {
    this.#o = options;
  }

  get templateNames(): string[] {
    return this.#o.templates.map((t) => t.templateName);
  }

  start(broker: IotBroker): void {
    if (this.#broker) return;
    this.#broker = broker;
    const on = (topic: string, fn: (req: Record<string, unknown>, m: BrokerMessage) => Promise<object>) =>
      this.#removers.push(broker.onMessage(topic, (m) => void this.#serve(topic, m, fn)));
    on(PROVISIONING_TOPICS.createFromCsr, async (req) => {
      const csr = req.certificateSigningRequest;
      if (typeof csr !== 'string')
        throw rejection(400, 'InvalidParameters', 'certificateSigningRequest is required');
      const c = await this.#o.registry.createCertificateFromCsr(csr, false, 'PENDING_ACTIVATION');
      return {
        certificateId: c.certificateId,
        certificatePem: c.certificatePem,
        certificateOwnershipToken: this.#o.registry.issueOwnershipToken(c.certificateId),
      };
    });
    on(PROVISIONING_TOPICS.create, async () => {
      const c = await this.#o.registry.createKeysAndCertificate(false, 'PENDING_ACTIVATION');
      return {
        certificateId: c.certificateId,
        certificatePem: c.certificatePem,
        privateKey: c.keyPair!.PrivateKey,
        certificateOwnershipToken: this.#o.registry.issueOwnershipToken(c.certificateId),
      };
    });
    for (const template of this.#o.templates) {
      on(PROVISIONING_TOPICS.provision(template.templateName), (req) => this.#registerThing(template, req));
    }
  }

  stop(): void {
    for (const remove of this.#removers.splice(0)) remove();
    this.#broker = undefined;
  }

  async #registerThing(template: ProvisioningTemplate, req: Record<string, unknown>): Promise<object> {
    const registry = this.#o.registry;
    const certificateId = registry.certificateOfToken(req.certificateOwnershipToken as string);
    if (!certificateId) {
      throw rejection(
        400,
        'InvalidCertificateOwnershipToken',
        'certificateOwnershipToken is missing, unknown or expired',
      );
    }
    const applied = applyTemplate(template, req.parameters ?? {});
    if (!applied.ok) throw rejection(400, applied.errorCode, applied.errorMessage);
    const arn = registry.certificateArn(certificateId);
    registry.store.transaction(() => {
      if (!registry.store.getThing(applied.thingName))
        registry.createThing(applied.thingName, applied.attributes);
      registry.attachPolicy(template.policyName, arn);
      registry.attachThingPrincipal(applied.thingName, arn);
      registry.updateCertificate(certificateId, 'ACTIVE');
    });
    return { deviceConfiguration: {}, thingName: applied.thingName };
  }

  async #serve(
    topic: string,
    m: BrokerMessage,
    fn: (req: Record<string, unknown>, m: BrokerMessage) => Promise<object>,
  ): Promise<void> {
    const broker = this.#broker;
    if (!broker || m.clientId === undefined) return;
    const clientId = m.clientId;
    let answer: { topic: string; body: object };
    try {
      const req = parse(m.payload);
      answer = { topic: `${topic}/accepted`, body: await fn(req, m) };
    } catch (err) {
      const r = isRejection(err) ? err : fromError(err);
      this.#o.logger.warn({ clientId, topic, ...r }, 'fleet provisioning request rejected');
      answer = {
        topic: `${topic}/rejected`,
        body: { statusCode: r.statusCode, errorCode: r.errorCode, errorMessage: r.errorMessage },
      };
    }
    broker.publishTo(clientId, { topic: answer.topic, payload: JSON.stringify(answer.body) });
  }
}

function parse(payload: Buffer): Record<string, unknown> {
  if (payload.length === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(payload.toString('utf8'));
  } catch {
    throw rejection(400, 'InvalidPayload', 'the request payload is not JSON');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw rejection(400, 'InvalidPayload', 'the request payload must be a JSON object');
  }
  return v as Record<string, unknown>;
}

function rejection(
  statusCode: number,
  errorCode: string,
  errorMessage: string,
): Rejection & { __rejection: true } {
  return { statusCode, errorCode, errorMessage, __rejection: true };
}

function isRejection(v: unknown): v is Rejection {
  return typeof v === 'object' && v !== null && (v as { __rejection?: boolean }).__rejection === true;
}

function fromError(err: unknown): Rejection {
  const e = err as Partial<IotControlError>;
  if (typeof e.code === 'string') {
    return { statusCode: 400, errorCode: e.code.replace(/Exception$/, ''), errorMessage: e.message ?? '' };
  }
  return { statusCode: 500, errorCode: 'InternalFailure', errorMessage: (err as Error).message };
}
