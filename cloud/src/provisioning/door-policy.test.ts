import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IoTClient } from '@aws-sdk/client-iot';
import { afterEach, describe, expect, it } from 'vitest';
import { provisionFleet } from './bulk-provisioner.js';
import { parseDoorList } from './door-list.js';
import { stageDoorPolicyName } from './door-policy.js';
import { FleetProvisioningError } from './errors.js';

/** An IoT account holding the policies named, recording every command sent. */
function iotWith(policies: string[]) {
  const sent: string[] = [];
  const iot = {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      const name = command.constructor.name;
      sent.push(name);
      if (name === 'GetPolicyCommand') {
        if (policies.includes(command.input.policyName as string)) return {};
        throw Object.assign(new Error(`Policy ${command.input.policyName} cannot be found.`), {
          name: 'ResourceNotFoundException',
          $metadata: { httpStatusCode: 404 },
        });
      }
      if (name === 'ListPoliciesCommand') return { policies: policies.map((policyName) => ({ policyName })) };
      throw new Error(`unexpected ${name}`);
    },
  } as unknown as IoTClient;
  return { iot, sent };
}

describe('Function: provisionFleet', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it("creates nothing when the policy does not exist, and names the stack's door policy to pass", async () => {
    // Prepare: the account of a CDK stack of stage prod, asked for the local cloud's name.
    dir = mkdtempSync(join(tmpdir(), 'door-policy-'));
    const { iot, sent } = iotWith(['smartdoor-door-prod', 'smartdoor-claim-prod']);

    // Act
    const outcome = await provisionFleet({
      doors: parseDoorList('thingName,location\ndoor-0001,lobby\n'),
      outDir: join(dir, 'bundles'),
      iot,
      policyName: 'smartdoor-door',
      mqttEndpoint: 'mqtts://example.invalid:8883',
    }).catch((e: unknown) => e);

    // Assess
    expect(outcome).toBeInstanceOf(FleetProvisioningError);
    expect((outcome as Error).message).toContain('IoT policy "smartdoor-door" does not exist');
    expect((outcome as Error).message).toContain('smartdoor-door-prod');
    expect(sent).not.toContain('CreateThingCommand');
  });
});

describe('Function: stageDoorPolicyName', () => {
  it('names the door policy as the CDK stack of a stage does', () => {
    // Act / Assess
    expect(stageDoorPolicyName('prod')).toBe('smartdoor-door-prod');
  });
});
