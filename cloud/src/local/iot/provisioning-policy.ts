import { CLAIM_CLIENT_ID_PREFIX, isClaimClientId } from '@smartdoor/shared';
import type { CertificateGrants } from '../iot-control/model.js';
import type { ConnectionInfo, PolicyOverride } from './broker.js';
import { evaluateThingPolicy, type IotPolicyDecision, type IotPolicyRequest } from './policy.js';
import { CLAIM_POLICY_NAME } from './provisioning-template.js';

/** The fleet provisioning MQTT API topics (https://docs.aws.amazon.com/iot/latest/developerguide/fleet-provision-api.html). */
export const PROVISIONING_TOPICS = {
  createFromCsr: '$aws/certificates/create-from-csr/json',
  create: '$aws/certificates/create/json',
  provision: (templateName: string) => `$aws/provisioning-templates/${templateName}/provision/json`,
} as const;

const ALLOW: IotPolicyDecision = { allow: true };

/**
 * The claim policy, as a pure function: connect with a claim client id (`claim-*`), publish
 * the three provisioning requests, subscribe to and receive their /accepted and /rejected
 * answers; nothing else, door topics least of all. It mirrors the claim policy the CDK app
 * deploys (cloud/infra/src/iot-policies.ts) and the AWS fleet provisioning guide
 * (https://docs.aws.amazon.com/iot/latest/developerguide/provision-wo-cert.html).
 */
export function evaluateClaimPolicy(
  req: IotPolicyRequest,
  templateNames: readonly string[],
): IotPolicyDecision {
  if (req.action === 'connect') {
    // Any client id would let the shared claim certificate take a door's and knock it off.
    if (isClaimClientId(req.clientId)) return ALLOW;
    return {
      allow: false,
      reason: `the claim certificate (policy ${CLAIM_POLICY_NAME}) may only connect with a client id starting with "${CLAIM_CLIENT_ID_PREFIX}", not "${req.clientId}"`,
    };
  }
  const requests = [
    PROVISIONING_TOPICS.createFromCsr,
    PROVISIONING_TOPICS.create,
    ...templateNames.map(PROVISIONING_TOPICS.provision),
  ];
  const topic = req.topic ?? '';
  const allowed =
    req.action === 'publish'
      ? requests.includes(topic)
      : requests.some((r) => topic === `${r}/accepted` || topic === `${r}/rejected`);
  if (allowed) return ALLOW;
  return {
    allow: false,
    reason: `the claim certificate (policy ${CLAIM_POLICY_NAME}) may only use the fleet provisioning topics, not ${req.action} "${topic}"`,
  };
}

/**
 * The broker's policy for certificates the registry issued. As on IoT Core, the thing a
 * connection acts as is a thing the certificate is attached to whose name is the client id
 * (`iot:Connection.Thing.ThingName`); a certificate with no policy is denied everything.
 * Certificates the registry does not know (issued straight from the CA, e.g. by the
 * simulator) and plain TCP are left to the per-thing policy on the certificate's CN.
 */
export function registryPolicyOverride(
  grants: (certificateId: string) => CertificateGrants | undefined,
  templateNames: () => readonly string[],
): PolicyOverride {
  return (req: IotPolicyRequest, info: ConnectionInfo) => {
    if (info.certificateId === undefined) return undefined;
    const g = grants(info.certificateId);
    if (!g) return undefined;
    if (g.policies.includes(CLAIM_POLICY_NAME)) return evaluateClaimPolicy(req, templateNames());
    if (g.policies.length === 0) {
      return { allow: false, reason: `no policy is attached to certificate ${info.certificateId}` };
    }
    if (!g.things.includes(req.clientId)) {
      return {
        allow: false,
        reason: `certificate ${info.certificateId} is not attached to a thing named "${req.clientId}" (the client id)`,
      };
    }
    return evaluateThingPolicy({ ...req, certificateThingName: req.clientId });
  };
}

/** The broker's connection check: a registry certificate must be ACTIVE, as IoT Core requires. */
export function registryConnectionCheck(
  grants: (certificateId: string) => CertificateGrants | undefined,
): (info: ConnectionInfo & { clientId: string }) => Promise<string | undefined> {
  return async (info) => {
    if (info.certificateId === undefined) return undefined;
    const g = grants(info.certificateId);
    if (!g || g.status === 'ACTIVE') return undefined;
    return `certificate ${info.certificateId} is ${g.status}`;
  };
}
