import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { doorPolicyDocument } from '../../definitions/iot-policies.js';
import { removeStaleTempFiles, writeFileAtomic } from '../atomic-file.js';
import type { AwsServiceDefinition } from '../aws-endpoint/index.js';
import type { BrokerLogger, IotBroker } from '../iot/broker.js';
import { certificateIdOf, type LocalCa } from '../iot/ca.js';
import { DisconnectReason } from '../iot/lifecycle.js';
import { ProvisioningMqttApi } from '../iot/provisioning-api.js';
import {
  PROVISIONING_TOPICS,
  registryConnectionCheck,
  registryPolicyOverride,
} from '../iot/provisioning-policy.js';
import {
  CLAIM_POLICY_NAME,
  DOOR_POLICY_NAME,
  LOCAL_PROVISIONING_TEMPLATE,
  type ProvisioningTemplate,
} from '../iot/provisioning-template.js';
import { iotControlApi } from './api.js';
import { IotRegistry } from './registry.js';

export interface LocalProvisioningOptions {
  db: Database.Database;
  ca: LocalCa;
  broker: IotBroker;
  region: string;
  accountId: string;
  /** The local cloud's data dir; the claim certificate goes to `{dataDir}/provisioning/`. */
  dataDir: string;
  logger: BrokerLogger;
  registerAwsService: (service: AwsServiceDefinition) => void;
  /** @default [LOCAL_PROVISIONING_TEMPLATE] */
  templates?: readonly ProvisioningTemplate[];
  /** @default Date.now */
  now?: () => number;
  /** `host:port` of the MQTT TLS listener for DescribeEndpoint. @default none (DescribeEndpoint refuses) */
  dataEndpoint?: () => string | undefined;
}

/** Where the claim certificate an installer needs is written. */
export interface ClaimFiles {
  certificatePath: string;
  privateKeyPath: string;
  caPath: string;
  certificateId: string;
}

/** The running provisioning part of the local cloud. */
export interface LocalProvisioning {
  registry: IotRegistry;
  claim: ClaimFiles;
  templates: readonly ProvisioningTemplate[];
  stop(): void;
}

/** The folder, under a local cloud's data dir, that holds the claim certificate. */
export function claimDir(dataDir: string): string {
  return join(dataDir, 'provisioning');
}

/**
 * Wires provisioning into a started broker and AWS endpoint: the registry and its IoT
 * control-plane API, the door and claim policies, the claim certificate (made once, kept
 * in the data dir), the fleet provisioning MQTT API, and the broker hooks (policy for
 * registry certificates, ACTIVE check at connect).
 */
export async function startLocalProvisioning(o: LocalProvisioningOptions): Promise<LocalProvisioning> {
  const templates = o.templates ?? [LOCAL_PROVISIONING_TEMPLATE];
  // Which certificate each connected client came with, to close them when it is deactivated.
  const connectedWith = new Map<string, string>();
  const registry = new IotRegistry({
    db: o.db,
    ca: o.ca,
    region: o.region,
    accountId: o.accountId,
    ...(o.now ? { now: o.now } : {}),
    onDeactivated: (certificateId) => {
      for (const [clientId, id] of connectedWith) {
        if (id !== certificateId) continue;
        connectedWith.delete(clientId);
        o.broker.disconnect(clientId, DisconnectReason.AuthError);
      }
    },
  });
  const arn = (name: string) => `arn:aws:iot:${o.region}:${o.accountId}:${name}`;
  // The stack's own door policy document, which the broker enforces (evaluateThingPolicy).
  registry.ensurePolicy(DOOR_POLICY_NAME, doorPolicyDocument(`arn:aws:iot:${o.region}:${o.accountId}`));
  registry.ensurePolicy(CLAIM_POLICY_NAME, claimPolicyDocument(arn, templates));
  const claim = await ensureClaimCertificate(registry, o.ca, o.dataDir);
  o.registerAwsService(iotControlApi(registry, o.dataEndpoint));
  const api = new ProvisioningMqttApi({ registry, templates, logger: o.logger });
  api.start(o.broker);
  const grants = (id: string) => registry.grants(id);
  o.broker.setPolicyOverride(registryPolicyOverride(grants, () => api.templateNames));
  const check = registryConnectionCheck(grants);
  o.broker.setConnectionCheck(async (info) => {
    const refused = await check(info);
    if (refused === undefined && info.certificateId !== undefined)
      connectedWith.set(info.clientId, info.certificateId);
    else connectedWith.delete(info.clientId);
    return refused;
  });
  o.logger.info(
    { claimCertificate: claim.certificatePath, templates: api.templateNames },
    'fleet provisioning: claim certificate ready (smartdoor provision claim-cert --out DIR hands it out)',
  );
  return {
    registry,
    claim,
    templates,
    stop: () => {
      api.stop();
      o.broker.setPolicyOverride(undefined);
      o.broker.setConnectionCheck(undefined);
    },
  };
}

async function ensureClaimCertificate(
  registry: IotRegistry,
  ca: LocalCa,
  dataDir: string,
): Promise<ClaimFiles> {
  const dir = claimDir(dataDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  await removeStaleTempFiles(dir);
  const certificatePath = join(dir, 'claim.crt');
  const privateKeyPath = join(dir, 'claim.key');
  const files = { certificatePath, privateKeyPath, caPath: ca.caCertPath };
  const existing = await readFile(certificatePath, 'utf8').catch(() => undefined);
  if (existing !== undefined) {
    const certificateId = certificateIdOf(existing);
    const g = registry.grants(certificateId);
    const hasKey = await readFile(privateKeyPath, 'utf8').then(
      () => true,
      () => false,
    );
    if (
      hasKey &&
      g?.status === 'ACTIVE' &&
      g.policies.includes(CLAIM_POLICY_NAME) &&
      issuedBy(existing, ca)
    ) {
      return { ...files, certificateId };
    }
  }
  const created = await registry.createKeysAndCertificate(true);
  registry.attachPolicy(CLAIM_POLICY_NAME, created.certificateArn);
  await writeFileAtomic(privateKeyPath, created.keyPair!.PrivateKey, 0o600);
  await writeFileAtomic(certificatePath, created.certificatePem, 0o644);
  return { ...files, certificateId: created.certificateId };
}

/** Whether the current CA signed the certificate (a CA made afresh invalidates the old claim certificate). */
function issuedBy(certificatePem: string, ca: LocalCa): boolean {
  try {
    const caCert = new X509Certificate(ca.caCertPem);
    const cert = new X509Certificate(certificatePem);
    return cert.checkIssued(caCert) && cert.verify(caCert.publicKey);
  } catch {
    return false;
  }
}

/** The claim policy of the fleet provisioning guide (the broker enforces it as evaluateClaimPolicy). */
function claimPolicyDocument(
  arn: (name: string) => string,
  templates: readonly ProvisioningTemplate[],
): object {
  const requests = [
    PROVISIONING_TOPICS.createFromCsr,
    PROVISIONING_TOPICS.create,
    ...templates.map((t) => PROVISIONING_TOPICS.provision(t.templateName)),
  ];
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: '*' },
      { Effect: 'Allow', Action: 'iot:Publish', Resource: requests.map((t) => arn(`topic/${t}`)) },
      {
        Effect: 'Allow',
        Action: ['iot:Receive', 'iot:Subscribe'],
        Resource: requests.flatMap((t) => [
          arn(`topic/${t}/accepted`),
          arn(`topic/${t}/rejected`),
          arn(`topicfilter/${t}/accepted`),
          arn(`topicfilter/${t}/rejected`),
        ]),
      },
    ],
  };
}
