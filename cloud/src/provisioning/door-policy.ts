import { GetPolicyCommand, type IoTClient, ListPoliciesCommand } from '@aws-sdk/client-iot';
import { DOOR_POLICY_NAME } from '../local/iot/provisioning-template.js';
import { type BackoffOptions, withBackoff } from './backoff.js';
import { FleetProvisioningError } from './errors.js';

/**
 * The door policy of the CDK stack of a stage (cloud/infra, output DoorPolicyName). The
 * local cloud's is DOOR_POLICY_NAME itself, without a stage.
 */
export function stageDoorPolicyName(stage: string): string {
  return `${DOOR_POLICY_NAME}-${stage}`;
}

/**
 * Fail, before anything is created, when the policy to attach does not exist: otherwise
 * every door would stop at AttachPolicy with its thing and certificate already made.
 * Names the door policies the account has, so the message says what to pass.
 */
export async function assertPolicyExists(
  iot: IoTClient,
  policyName: string,
  backoff?: BackoffOptions,
): Promise<void> {
  try {
    await withBackoff(() => iot.send(new GetPolicyCommand({ policyName })), backoff);
    return;
  } catch (err) {
    if ((err as Error).name !== 'ResourceNotFoundException') throw err;
  }
  const found = await doorPolicies(iot, backoff);
  throw new FleetProvisioningError(
    `IoT policy "${policyName}" does not exist; no door was provisioned. The CDK stack's door policy is ${stageDoorPolicyName('<stage>')} (output DoorPolicyName): pass --stage <stage> or --policy <name>${found.length > 0 ? `; door policies here: ${found.join(', ')}` : ''}`,
  );
}

/** The account's policies named like a door policy; none when they cannot be listed (a hint only). */
async function doorPolicies(iot: IoTClient, backoff?: BackoffOptions): Promise<string[]> {
  const names: string[] = [];
  try {
    let marker: string | undefined;
    for (let page = 0; page < 10; page++) {
      const out = await withBackoff(
        () => iot.send(new ListPoliciesCommand({ pageSize: 250, ...(marker ? { marker } : {}) })),
        backoff,
      );
      for (const p of out.policies ?? []) {
        if (p.policyName?.startsWith(DOOR_POLICY_NAME)) names.push(p.policyName);
      }
      marker = out.nextMarker;
      if (!marker) break;
    }
  } catch {
    // Listing is only for the hint; the missing policy is the error.
  }
  return names;
}
