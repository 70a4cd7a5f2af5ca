import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProvisioningError } from './errors.js';
import { provisionDevice } from './provision-device.js';

describe('Function: provisionDevice', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it("refuses a claim client id outside the claim policy's claim-* before connecting", async () => {
    // Prepare
    dir = mkdtempSync(join(tmpdir(), 'provision-device-'));
    let connected = false;

    // Act
    const outcome = await provisionDevice({
      claimCertFile: join(dir, 'claim.crt'),
      claimKeyFile: join(dir, 'claim.key'),
      templateName: 'smartdoor-door',
      serial: 'SN-0001',
      endpoint: 'mqtts://127.0.0.1:8883',
      configPath: join(dir, 'agent.json'),
      outDir: join(dir, 'certs'),
      clientId: 'door-SN-0001',
      connect: async () => {
        connected = true;
        throw new Error('not reached');
      },
    }).catch((e: unknown) => e);

    // Assess
    expect(outcome).toBeInstanceOf(ProvisioningError);
    expect((outcome as Error).message).toContain('must start with "claim-"');
    expect(connected).toBe(false);
  });
});
