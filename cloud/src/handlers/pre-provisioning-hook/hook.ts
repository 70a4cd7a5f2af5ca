import type { SubscriberLog } from '../../idempotency/sqs-types.js';
import { applyTemplate, LOCAL_PROVISIONING_TEMPLATE } from '../../local/iot/provisioning-template.js';
import type { SerialAllowList } from './allow-list.js';
import { AllowListLookupError } from './errors.js';

/**
 * What IoT Core sends the hook on RegisterThing
 * (https://docs.aws.amazon.com/iot/latest/developerguide/pre-provisioning-hook.html#pre-provisioning-hook-input).
 */
export interface PreProvisioningHookEvent {
  claimCertificateId: string;
  certificateId: string;
  certificatePem?: string;
  templateArn: string;
  clientId: string;
  parameters: Record<string, string>;
}

/**
 * The hook's answer: provisioning proceeds only on `allowProvisioning: true`
 * (https://docs.aws.amazon.com/iot/latest/developerguide/pre-provisioning-hook.html#pre-provisioning-hook-output).
 */
export interface PreProvisioningHookResponse {
  allowProvisioning: boolean;
  parameterOverrides?: Record<string, string>;
}

export type PreProvisioningDecision =
  | { allow: true; serialNumber: string; thingName: string }
  | { allow: false; reason: string; serialNumber?: string };

export interface PreProvisioningHookPorts {
  allowList: SerialAllowList;
  log: SubscriberLog;
  /** Called once per request with what was decided (metrics). */
  onDecision?: (decision: PreProvisioningDecision) => void;
}

/**
 * The pre-provisioning hook: the serial number must be well formed (the rule the
 * provisioning template applies, shared with the local cloud) and on the allow-list, and
 * not disabled there. A refusal returns `allowProvisioning: false` with the reason in the
 * log; a list that cannot be read throws {@link AllowListLookupError}.
 */
export function createPreProvisioningHook(
  ports: PreProvisioningHookPorts,
): (event: unknown) => Promise<PreProvisioningHookResponse> {
  return async (event) => {
    const decision = await decide(event, ports.allowList);
    ports.onDecision?.(decision);
    const request = describeRequest(event);
    if (decision.allow) {
      ports.log.info('provisioning allowed', { ...request, thingName: decision.thingName });
      return { allowProvisioning: true };
    }
    ports.log.warn('provisioning refused', { ...request, reason: decision.reason });
    return { allowProvisioning: false };
  };
}

/** Decides one request (exported for the local cloud and tests). */
export async function decide(event: unknown, allowList: SerialAllowList): Promise<PreProvisioningDecision> {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    return { allow: false, reason: 'the hook input is not an object' };
  }
  const applied = applyTemplate(LOCAL_PROVISIONING_TEMPLATE, (event as { parameters?: unknown }).parameters);
  if (!applied.ok) return { allow: false, reason: applied.errorMessage };
  const serialNumber = (event as PreProvisioningHookEvent).parameters.SerialNumber as string;
  let entry: Awaited<ReturnType<SerialAllowList['lookup']>>;
  try {
    entry = await allowList.lookup(serialNumber);
  } catch (cause) {
    throw new AllowListLookupError(serialNumber, { cause });
  }
  if (!entry)
    return { allow: false, serialNumber, reason: `serial number "${serialNumber}" is not on the allow-list` };
  if (entry.disabled) {
    return {
      allow: false,
      serialNumber,
      reason: `serial number "${serialNumber}" is disabled on the allow-list`,
    };
  }
  return { allow: true, serialNumber, thingName: applied.thingName };
}

/** Request fields worth logging; never the certificate PEM. */
function describeRequest(event: unknown): Record<string, unknown> {
  if (event === null || typeof event !== 'object') return {};
  const e = event as Partial<PreProvisioningHookEvent>;
  return {
    clientId: e.clientId,
    certificateId: e.certificateId,
    claimCertificateId: e.claimCertificateId,
    templateArn: e.templateArn,
  };
}
