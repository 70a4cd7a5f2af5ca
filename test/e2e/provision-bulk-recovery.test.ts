/**
 * provisionFleet in process against the local cloud, through a real IoTClient: a lost
 * journal (the bundle keys kept) adopts the certificates the things already have instead
 * of making new ones; a thing holding a certificate whose key is elsewhere is reported,
 * never given a second one; a key a failed run left is reused; throttled calls are
 * retried; revoke; --dry-run's plan.
 */
import { createPublicKey, X509Certificate } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  IoTClient,
  ListThingPrincipalsCommand,
} from '@aws-sdk/client-iot';
import type { LocalCloud, LocalCloudEndpoints } from '@smartdoor/cloud';
import { BUNDLE_FILES, planFleet, provisionFleet } from '@smartdoor/cloud/provisioning/bulk-provisioner';
import { parseDoorList } from '@smartdoor/cloud/provisioning/door-list';
import { FleetProvisioningError } from '@smartdoor/cloud/provisioning/errors';
import { JOURNAL_FILE } from '@smartdoor/cloud/provisioning/journal';
import { revokeThing } from '@smartdoor/cloud/provisioning/revoke';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/test-cloud.js';

describe('Function: provisionFleet', () => {
  let dir: string;
  let testCloud: TestCloud;
  let cloud: LocalCloud;
  let endpoints: LocalCloudEndpoints;
  let iot: IoTClient;

  const fleet = (
    outDir: string,
    names: string[],
    extra: Partial<Parameters<typeof provisionFleet>[0]> = {},
  ) =>
    provisionFleet({
      doors: parseDoorList(`thingName,location\n${names.map((n) => `${n},lobby`).join('\n')}\n`),
      outDir,
      iot,
      policyName: 'smartdoor-door',
      mqttEndpoint: endpoints.mqtts,
      backoff: { sleep: async () => {} },
      ...extra,
    });

  const principalsOf = async (thingName: string) =>
    (await iot.send(new ListThingPrincipalsCommand({ thingName }))).principals ?? [];

  beforeAll(async () => {
    testCloud = await startTestCloud('bulk-recovery');
    ({ cloud, endpoints, dir } = testCloud);
    iot = new IoTClient({
      endpoint: endpoints.aws,
      region: cloud.config.region,
      credentials: cloud.config.credentials,
    });
  });

  afterAll(async () => {
    iot?.destroy();
    await testCloud?.close();
  });

  it('adopts the certificates things already have when the journal is lost', async () => {
    // Prepare
    const out = join(dir, 'lost-journal');
    const names = ['adopt-1', 'adopt-2', 'adopt-3'];
    await fleet(out, names);
    const before = await Promise.all(names.map(principalsOf));
    rmSync(join(out, JOURNAL_FILE));

    // Act
    const summary = await fleet(out, names);

    // Assess
    expect(summary).toMatchObject({ provisioned: 3, failed: 0, certificatesCreated: 0 });
    expect(await Promise.all(names.map(principalsOf))).toEqual(before);
  });

  it('reports a thing whose certificate key is not in the folder and makes no second certificate', async () => {
    // Prepare
    await iot.send(
      new CreateThingCommand({
        thingName: 'foreign-1',
        attributePayload: { attributes: { location: 'lobby' } },
      }),
    );
    const other = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await iot.send(
      new AttachThingPrincipalCommand({ thingName: 'foreign-1', principal: other.certificateArn! }),
    );

    // Act
    const summary = await fleet(join(dir, 'foreign'), ['foreign-1', 'fresh-1']);

    // Assess
    expect(summary).toMatchObject({ provisioned: 1, failed: 1, certificatesCreated: 1 });
    expect(summary.failures[0]!.error).toContain(
      `thing foreign-1 already has certificate ${other.certificateId}`,
    );
    expect(await principalsOf('foreign-1')).toEqual([other.certificateArn]);
  });

  it('retries calls the service throttles', async () => {
    // Prepare
    let calls = 0;
    const throttling = new IoTClient({
      endpoint: endpoints.aws,
      region: cloud.config.region,
      credentials: cloud.config.credentials,
      maxAttempts: 1,
    });
    throttling.middlewareStack.add(
      (next) => async (args) => {
        if (++calls % 3 === 0) {
          throw Object.assign(new Error('Rate exceeded'), {
            name: 'ThrottlingException',
            $metadata: { httpStatusCode: 429 },
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'throttleEveryThird' },
    );

    // Act
    const summary = await fleet(join(dir, 'throttled'), ['slow-1', 'slow-2'], {
      iot: throttling,
      concurrency: 1,
    });
    throttling.destroy();

    // Assess
    expect(summary).toMatchObject({ provisioned: 2, failed: 0 });
    expect(calls).toBeGreaterThan(14);
    expect(await principalsOf('slow-1')).toHaveLength(1);
  });

  it('reuses the key a failed run left in the bundle for the certificate of the next', async () => {
    // Prepare
    const out = join(dir, 'key-left');
    const failing = new IoTClient({
      endpoint: endpoints.aws,
      region: cloud.config.region,
      credentials: cloud.config.credentials,
    });
    failing.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'CreateCertificateFromCsrCommand') throw new Error('network down');
        return next(args);
      },
      { step: 'initialize', name: 'failCsr' },
    );
    const failed = await fleet(out, ['keyleft-1'], { iot: failing });
    failing.destroy();
    const key = readFileSync(join(out, 'keyleft-1', BUNDLE_FILES.privateKey), 'utf8');

    // Act
    const summary = await fleet(out, ['keyleft-1']);

    // Assess
    expect(failed).toMatchObject({ failed: 1, certificatesCreated: 0 });
    expect(failed.failures[0]!.error).toContain('keyleft-1: CreateCertificateFromCsr failed: network down');
    expect(summary).toMatchObject({ provisioned: 1, certificatesCreated: 1 });
    const cert = readFileSync(join(out, 'keyleft-1', BUNDLE_FILES.certificate), 'utf8');
    expect(new X509Certificate(cert).publicKey.export({ type: 'spki', format: 'pem' })).toBe(
      createPublicKey(key).export({ type: 'spki', format: 'pem' }),
    );
  });

  it('revokes with INACTIVE when asked and refuses a thing without a certificate', async () => {
    // Prepare
    await fleet(join(dir, 'revoke'), ['revoke-1']);
    await iot.send(new CreateThingCommand({ thingName: 'bare-1' }));

    // Act
    const result = await revokeThing(iot, 'revoke-1', { status: 'INACTIVE' });
    const bare = await revokeThing(iot, 'bare-1').catch((e: unknown) => e);

    // Assess
    expect(result).toMatchObject({
      thingName: 'revoke-1',
      status: 'INACTIVE',
      certificates: [expect.any(String)],
    });
    expect(cloud.provisioning.registry.grants(result.certificates[0]!)).toMatchObject({
      status: 'INACTIVE',
      things: [],
    });
    expect(bare).toBeInstanceOf(FleetProvisioningError);
    expect((bare as Error).message).toBe('thing bare-1 has no certificate attached');
  });

  it('uses CreateKeysAndCertificate when asked, keeping the key IoT made in the bundle', async () => {
    // Prepare
    const out = join(dir, 'create-keys');

    // Act
    const summary = await fleet(out, ['keys-1'], { createKeys: true });

    // Assess
    expect(summary).toMatchObject({ provisioned: 1, certificatesCreated: 1 });
    const key = readFileSync(join(out, 'keys-1', BUNDLE_FILES.privateKey), 'utf8');
    const cert = readFileSync(join(out, 'keys-1', BUNDLE_FILES.certificate), 'utf8');
    expect(new X509Certificate(cert).publicKey.export({ type: 'spki', format: 'pem' })).toBe(
      createPublicKey(key).export({ type: 'spki', format: 'pem' }),
    );
    expect(await principalsOf('keys-1')).toHaveLength(1);
  });

  it('plans without calling anything and marks what is done', async () => {
    // Prepare
    const out = join(dir, 'plan');
    await fleet(out, ['plan-1']);

    // Act
    const lines = planFleet(parseDoorList('thingName,location\nplan-1,lobby\nplan-2,hall\n'), out, {
      policyName: 'smartdoor-door',
    });

    // Assess
    expect(lines[0]).toMatch(/^plan-1: already provisioned \(certificate [0-9a-f]{64}\), skip$/);
    expect(lines[1]).toBe(
      `plan-2: CreateThing {"location":"hall"}, ListThingPrincipals, CreateCertificateFromCsr, AttachPolicy smartdoor-door, AttachThingPrincipal, UpdateCertificate ACTIVE, bundle ${join(out, 'plan-2')}`,
    );
  });
});
