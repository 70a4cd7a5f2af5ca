import { describe, expect, it } from 'vitest';
import type { CertificateGrants } from '../iot-control/model.js';
import {
  evaluateClaimPolicy,
  registryConnectionCheck,
  registryPolicyOverride,
} from './provisioning-policy.js';

const TEMPLATES = ['smartdoor-door'];
const CERT = 'a'.repeat(64);

describe('Function: evaluateClaimPolicy', () => {
  it.each([
    ['publish', '$aws/certificates/create-from-csr/json'],
    ['publish', '$aws/certificates/create/json'],
    ['publish', '$aws/provisioning-templates/smartdoor-door/provision/json'],
    ['subscribe', '$aws/certificates/create-from-csr/json/accepted'],
    ['subscribe', '$aws/provisioning-templates/smartdoor-door/provision/json/rejected'],
    ['receive', '$aws/certificates/create/json/accepted'],
  ] as const)('allows %s on %s', (action, topic) => {
    // Act
    const decision = evaluateClaimPolicy({ action, clientId: 'claim-1', topic }, TEMPLATES);

    // Assess
    expect(decision.allow).toBe(true);
  });

  it.each([
    ['publish', 'smartdoor/door-1/events'],
    ['publish', '$aws/things/door-1/shadow/update'],
    ['publish', '$aws/provisioning-templates/other/provision/json'],
    ['publish', '$aws/certificates/create/json/accepted'],
    ['subscribe', '$aws/certificates/#'],
    ['subscribe', 'smartdoor/door-1/commands'],
    ['receive', 'smartdoor/door-1/commands'],
  ] as const)('denies %s on %s, naming the claim policy', (action, topic) => {
    // Act
    const decision = evaluateClaimPolicy({ action, clientId: 'claim-1', topic }, TEMPLATES);

    // Assess
    expect(decision).toEqual({ allow: false, reason: expect.stringContaining('smartdoor-claim') });
  });

  it('allows connect only with a claim client id, as the agent uses (claim-<serial>)', () => {
    // Assess
    expect(evaluateClaimPolicy({ action: 'connect', clientId: 'claim-SN-0001' }, TEMPLATES).allow).toBe(true);
  });

  it.each([
    'door-SN-0001',
    'whatever',
  ])("denies connect as %s, so the shared claim certificate cannot take a door's client id", (clientId) => {
    // Act
    const decision = evaluateClaimPolicy({ action: 'connect', clientId }, TEMPLATES);
    // Assess
    expect(decision).toEqual({ allow: false, reason: expect.stringContaining('claim-') });
  });
});

describe('Function: registryPolicyOverride', () => {
  const grantsOf =
    (g: CertificateGrants | undefined) =>
    (id: string): CertificateGrants | undefined =>
      id === CERT ? g : undefined;

  it('leaves plain TCP and certificates the registry never issued to the per-thing policy', () => {
    // Prepare
    const override = registryPolicyOverride(grantsOf(undefined), () => TEMPLATES);

    // Act
    const tcp = override({ action: 'connect', clientId: 'door-1' }, { transport: 'mqtt' });
    const foreign = override(
      { action: 'connect', clientId: 'door-1' },
      { transport: 'mqtts', certificateId: 'b'.repeat(64) },
    );

    // Assess
    expect(tcp).toBeUndefined();
    expect(foreign).toBeUndefined();
  });

  it('acts as the attached thing whose name is the client id', () => {
    // Prepare
    const override = registryPolicyOverride(
      grantsOf({ status: 'ACTIVE', things: ['door-1'], policies: ['smartdoor-door'] }),
      () => TEMPLATES,
    );
    const info = {
      transport: 'mqtts' as const,
      certificateId: CERT,
      certificateThingName: 'AWS-IoT-Certificate',
    };

    // Act
    const own = override({ action: 'publish', clientId: 'door-1', topic: 'smartdoor/door-1/events' }, info);
    const other = override({ action: 'publish', clientId: 'door-1', topic: 'smartdoor/door-2/events' }, info);
    const notAttached = override({ action: 'connect', clientId: 'door-2' }, info);

    // Assess
    expect(own).toEqual({ allow: true });
    expect(other?.allow).toBe(false);
    expect(notAttached).toEqual({
      allow: false,
      reason: expect.stringContaining('not attached to a thing named "door-2"'),
    });
  });

  it('denies everything to a certificate without a policy', () => {
    // Prepare
    const override = registryPolicyOverride(
      grantsOf({ status: 'ACTIVE', things: ['door-1'], policies: [] }),
      () => TEMPLATES,
    );

    // Act
    const decision = override(
      { action: 'connect', clientId: 'door-1' },
      { transport: 'mqtts', certificateId: CERT },
    );

    // Assess
    expect(decision).toEqual({ allow: false, reason: expect.stringContaining('no policy') });
  });

  it('refuses the claim certificate a connection as a door', () => {
    // Prepare
    const override = registryPolicyOverride(
      grantsOf({ status: 'ACTIVE', things: [], policies: ['smartdoor-claim'] }),
      () => TEMPLATES,
    );

    // Act
    const decision = override(
      { action: 'connect', clientId: 'door-SN-0001' },
      { transport: 'mqtts', certificateId: CERT },
    );

    // Assess
    expect(decision?.allow).toBe(false);
  });

  it('applies the claim policy to a certificate holding it', () => {
    // Prepare
    const override = registryPolicyOverride(
      grantsOf({ status: 'ACTIVE', things: [], policies: ['smartdoor-claim'] }),
      () => TEMPLATES,
    );

    // Act
    const decision = override(
      { action: 'publish', clientId: 'claim-1', topic: 'smartdoor/claim-1/events' },
      { transport: 'mqtts', certificateId: CERT },
    );

    // Assess
    expect(decision?.allow).toBe(false);
  });
});

describe('Function: registryConnectionCheck', () => {
  it.each([
    'INACTIVE',
    'REVOKED',
    'PENDING_ACTIVATION',
  ] as const)('refuses a %s certificate', async (status) => {
    // Prepare
    const check = registryConnectionCheck(() => ({
      status,
      things: ['door-1'],
      policies: ['smartdoor-door'],
    }));

    // Act
    const reason = await check({ transport: 'mqtts', certificateId: CERT, clientId: 'door-1' });

    // Assess
    expect(reason).toBe(`certificate ${CERT} is ${status}`);
  });

  it('lets ACTIVE, unknown and TCP connections through', async () => {
    // Prepare
    const check = registryConnectionCheck((id) =>
      id === CERT ? { status: 'ACTIVE', things: [], policies: [] } : undefined,
    );

    // Assess
    expect(await check({ transport: 'mqtts', certificateId: CERT, clientId: 'x' })).toBeUndefined();
    expect(await check({ transport: 'mqtts', certificateId: 'c'.repeat(64), clientId: 'x' })).toBeUndefined();
    expect(await check({ transport: 'mqtt', clientId: 'x' })).toBeUndefined();
  });
});
