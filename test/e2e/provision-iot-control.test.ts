/**
 * The local IoT control plane through the real @aws-sdk/client-iot, and the fleet
 * provisioning MQTT API's refusals: AWS error types, idempotent calls, pagination,
 * certificate states, and answers delivered to the requesting client only.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CertificateStateException,
  CreateCertificateFromCsrCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  DescribeCertificateCommand,
  DescribeThingCommand,
  DetachThingPrincipalCommand,
  GetPolicyCommand,
  InvalidRequestException,
  IoTClient,
  ListPoliciesCommand,
  ListThingPrincipalsCommand,
  ListThingsCommand,
  MalformedPolicyException,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { LocalCloud, type LocalCloudEndpoints } from '@smartdoor/cloud';
import { resolveMqttEndpoint } from '@smartdoor/cloud/provisioning/data-endpoint';
import { MqttJsIdentityClient } from '@smartdoor/device/provisioning/mqttjs-identity-client';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/test-cloud.js';

describe('Service: local IoT control plane', () => {
  let testCloud: TestCloud;
  let cloud: LocalCloud;
  let endpoints: LocalCloudEndpoints;
  let iot: IoTClient;

  beforeAll(async () => {
    testCloud = await startTestCloud('iot-control');
    ({ cloud, endpoints } = testCloud);
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

  describe('Operation: CreateThing', () => {
    it('succeeds again with the same configuration and refuses another one', async () => {
      // Prepare
      const input = { thingName: 'thing-a', attributePayload: { attributes: { location: 'lobby' } } };

      // Act
      const first = await iot.send(new CreateThingCommand(input));
      const again = await iot.send(new CreateThingCommand(input));
      const other = await iot
        .send(
          new CreateThingCommand({
            thingName: 'thing-a',
            attributePayload: { attributes: { location: 'x' } },
          }),
        )
        .catch((e: unknown) => e);

      // Assess
      expect(again.thingId).toBe(first.thingId);
      expect(first.thingArn).toBe(
        `arn:aws:iot:${cloud.config.region}:${cloud.config.accountId}:thing/thing-a`,
      );
      expect(other).toBeInstanceOf(ResourceAlreadyExistsException);
    });

    it('refuses a bad thing name with InvalidRequestException', async () => {
      // Act
      const act = await iot.send(new CreateThingCommand({ thingName: 'bad name' })).catch((e: unknown) => e);

      // Assess
      expect(act).toBeInstanceOf(InvalidRequestException);
    });
  });

  describe('Operation: DescribeThing', () => {
    it('answers ResourceNotFoundException for a thing that does not exist', async () => {
      // Act
      const act = await iot.send(new DescribeThingCommand({ thingName: 'nope' })).catch((e: unknown) => e);

      // Assess
      expect(act).toBeInstanceOf(ResourceNotFoundException);
    });
  });

  describe('Operation: ListThings', () => {
    it('pages with nextToken and filters on an attribute', async () => {
      // Prepare
      for (const n of [1, 2, 3, 4, 5]) {
        await iot.send(
          new CreateThingCommand({
            thingName: `list-${n}`,
            attributePayload: { attributes: { floor: String(n % 2) } },
          }),
        );
      }

      // Act
      const names: string[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const page = await iot.send(
          new ListThingsCommand({ maxResults: 2, attributeName: 'floor', attributeValue: '1', nextToken }),
        );
        names.push(...(page.things ?? []).map((t) => t.thingName!));
        nextToken = page.nextToken;
        pages++;
      } while (nextToken);

      // Assess
      expect(names).toEqual(['list-1', 'list-3', 'list-5']);
      expect(pages).toBe(2);
    });
  });

  describe('Operation: certificates and attachments', () => {
    it('attaches, lists and detaches a certificate, and keeps a revoked one revoked', async () => {
      // Prepare
      await iot.send(new CreateThingCommand({ thingName: 'cert-thing' }));
      const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
      const principal = cert.certificateArn!;

      // Act
      await iot.send(new AttachPolicyCommand({ policyName: 'smartdoor-door', target: principal }));
      await iot.send(new AttachThingPrincipalCommand({ thingName: 'cert-thing', principal }));
      await iot.send(new AttachThingPrincipalCommand({ thingName: 'cert-thing', principal }));
      const listed = await iot.send(new ListThingPrincipalsCommand({ thingName: 'cert-thing' }));
      await iot.send(new DetachThingPrincipalCommand({ thingName: 'cert-thing', principal }));
      const after = await iot.send(new ListThingPrincipalsCommand({ thingName: 'cert-thing' }));
      await iot.send(
        new UpdateCertificateCommand({ certificateId: cert.certificateId!, newStatus: 'REVOKED' }),
      );
      const reactivate = await iot
        .send(new UpdateCertificateCommand({ certificateId: cert.certificateId!, newStatus: 'ACTIVE' }))
        .catch((e: unknown) => e);

      // Assess
      expect(cert.keyPair?.PrivateKey).toContain('BEGIN PRIVATE KEY');
      expect(cert.keyPair?.PublicKey).toContain('BEGIN PUBLIC KEY');
      expect(listed.principals).toEqual([principal]);
      expect(after.principals).toEqual([]);
      expect(reactivate).toBeInstanceOf(CertificateStateException);
      const d = await iot.send(new DescribeCertificateCommand({ certificateId: cert.certificateId! }));
      expect(d.certificateDescription?.status).toBe('REVOKED');
    });

    it('makes a certificate INACTIVE unless setAsActive, and refuses a bad CSR', async () => {
      // Act
      const cert = await iot.send(new CreateKeysAndCertificateCommand({}));
      const bad = await iot
        .send(new CreateCertificateFromCsrCommand({ certificateSigningRequest: 'not a csr' }))
        .catch((e: unknown) => e);

      // Assess
      const d = await iot.send(new DescribeCertificateCommand({ certificateId: cert.certificateId! }));
      expect(d.certificateDescription?.status).toBe('INACTIVE');
      expect(bad).toBeInstanceOf(InvalidRequestException);
    });

    it('answers ResourceNotFoundException for an unknown policy or principal', async () => {
      // Prepare
      const cert = await iot.send(new CreateKeysAndCertificateCommand({}));

      // Act
      const noPolicy = await iot
        .send(new AttachPolicyCommand({ policyName: 'missing', target: cert.certificateArn! }))
        .catch((e: unknown) => e);
      const noCert = await iot
        .send(
          new AttachThingPrincipalCommand({
            thingName: 'thing-a',
            principal: cert.certificateArn!.replace(/cert\/.*/, `cert/${'0'.repeat(64)}`),
          }),
        )
        .catch((e: unknown) => e);

      // Assess
      expect(noPolicy).toBeInstanceOf(ResourceNotFoundException);
      expect(noCert).toBeInstanceOf(ResourceNotFoundException);
    });
  });

  describe('Operation: DescribeEndpoint', () => {
    it('gives the MQTT TLS listener as the ATS data endpoint, which the bulk tool uses by default', async () => {
      // Act
      const address = await resolveMqttEndpoint(iot);

      // Assess
      expect(address).toBe(new URL(endpoints.mqtts).host);
      expect(await resolveMqttEndpoint(iot, 'mqtts://given:8883')).toBe('mqtts://given:8883');
    });
  });

  describe('Operation: CreatePolicy / GetPolicy', () => {
    it('creates a policy once, returns it, and refuses a duplicate or a malformed document', async () => {
      // Prepare
      const doc = JSON.stringify({ Version: '2012-10-17', Statement: [] });

      // Act
      const created = await iot.send(new CreatePolicyCommand({ policyName: 'p1', policyDocument: doc }));
      const got = await iot.send(new GetPolicyCommand({ policyName: 'p1' }));
      const dup = await iot
        .send(new CreatePolicyCommand({ policyName: 'p1', policyDocument: doc }))
        .catch((e: unknown) => e);
      const malformed = await iot
        .send(new CreatePolicyCommand({ policyName: 'p2', policyDocument: '{' }))
        .catch((e: unknown) => e);

      // Assess
      expect(created.policyArn).toMatch(/:policy\/p1$/);
      expect(got.policyDocument).toBe(doc);
      expect(dup).toBeInstanceOf(ResourceAlreadyExistsException);
      expect(malformed).toBeInstanceOf(MalformedPolicyException);
    });
  });

  describe('Operation: ListPolicies', () => {
    it('pages through the policies in name order, either way', async () => {
      // Prepare
      const doc = JSON.stringify({ Version: '2012-10-17', Statement: [] });
      for (const name of ['lp-b', 'lp-a', 'lp-c']) {
        await iot.send(new CreatePolicyCommand({ policyName: name, policyDocument: doc }));
      }
      const mine = (names: Array<{ policyName?: string }> = []) =>
        names.map((p) => p.policyName!).filter((n) => n.startsWith('lp-'));

      // Act
      const pages: string[][] = [];
      let marker: string | undefined;
      do {
        const out = await iot.send(new ListPoliciesCommand({ pageSize: 2, ...(marker ? { marker } : {}) }));
        pages.push((out.policies ?? []).map((p) => p.policyName!));
        marker = out.nextMarker;
      } while (marker);
      const descending = await iot.send(new ListPoliciesCommand({ ascendingOrder: false }));
      const tooBig = await iot.send(new ListPoliciesCommand({ pageSize: 251 })).catch((e: unknown) => e);

      // Assess
      expect(pages.every((p) => p.length <= 2)).toBe(true);
      expect(mine(pages.flat().map((policyName) => ({ policyName })))).toEqual(['lp-a', 'lp-b', 'lp-c']);
      expect(mine(descending.policies)).toEqual(['lp-c', 'lp-b', 'lp-a']);
      expect(descending.policies?.[0]?.policyArn).toMatch(/:policy\//);
      expect(tooBig).toBeInstanceOf(InvalidRequestException);
    });
  });
});

describe('Service: local fleet provisioning MQTT API', () => {
  let testCloud: TestCloud;
  let cloud: LocalCloud;
  let endpoints: LocalCloudEndpoints;
  const clients: MqttJsIdentityClient[] = [];

  async function claimClient(clientId: string) {
    const claim = cloud.provisioning.claim;
    const c = await MqttJsIdentityClient.connect({
      host: '127.0.0.1',
      port: Number(new URL(endpoints.mqtts).port),
      cert: await readFile(claim.certificatePath, 'utf8'),
      key: await readFile(claim.privateKeyPath, 'utf8'),
      ca: await readFile(claim.caPath, 'utf8'),
      clientId,
      timeoutMs: 1_500,
    });
    clients.push(c);
    return c;
  }

  beforeAll(async () => {
    testCloud = await startTestCloud('fleet-api');
    ({ cloud, endpoints } = testCloud);
  });

  afterAll(async () => {
    for (const c of clients) await c.close();
    await testCloud?.close();
  });

  it('rejects RegisterThing with an unknown ownership token', async () => {
    // Prepare
    const client = await claimClient('claim-a');

    // Act
    const act = client.registerThing('smartdoor-door', 'forged', { SerialNumber: 'X1' });

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'ProvisioningRejectedError',
      errorCode: 'InvalidCertificateOwnershipToken',
    });
  });

  it('rejects RegisterThing without a valid SerialNumber and a bad CSR', async () => {
    // Prepare
    const client = await claimClient('claim-b');
    const created = await client.createKeysAndCertificate();

    // Act
    const noSerial = await client
      .registerThing('smartdoor-door', created.certificateOwnershipToken, {})
      .catch((e: unknown) => e);
    const badCsr = await client.createCertificateFromCsr('garbage').catch((e: unknown) => e);

    // Assess
    expect(noSerial).toMatchObject({ errorCode: 'InvalidParameters', statusCode: 400 });
    expect(badCsr).toMatchObject({ errorCode: 'InvalidRequest' });
    expect(cloud.provisioning.registry.grants(created.certificateId)?.status).toBe('PENDING_ACTIVATION');
  });

  it('delivers an answer to the requesting client only', async () => {
    // Prepare
    const claim = cloud.provisioning.claim;
    const requester = await claimClient('claim-c');
    const bystander = mqtt.connect(endpoints.mqtts, {
      clientId: 'claim-d',
      protocolVersion: 4,
      reconnectPeriod: 0,
      ca: await readFile(claim.caPath),
      cert: await readFile(claim.certificatePath),
      key: await readFile(claim.privateKeyPath),
    });
    const seen: string[] = [];
    bystander.on('message', (_t, payload) => seen.push(JSON.parse(payload.toString()).certificateId));
    await new Promise<void>((resolve, reject) => {
      bystander.once('connect', () =>
        bystander.subscribe('$aws/certificates/create/json/accepted', { qos: 1 }, (e) =>
          e ? reject(e) : resolve(),
        ),
      );
      bystander.once('error', reject);
    });

    // Act
    const mine = await requester.createKeysAndCertificate();
    bystander.publish('$aws/certificates/create/json', '{}', { qos: 1 });
    await vi.waitFor(() => expect(seen.length).toBeGreaterThan(0));
    await new Promise<void>((r) => bystander.end(true, {}, () => r()));

    // Assess
    expect(mine.privateKey).toContain('PRIVATE KEY');
    expect(seen).toHaveLength(1);
    expect(seen[0]).not.toBe(mine.certificateId);
  });
});

describe('Function: startLocalProvisioning (claim certificate)', () => {
  it('keeps the claim certificate across restarts and makes a new one for a new CA', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'claim-cert-'));
    const config = { dataDir: join(dir, 'cloud'), mqttPort: null, mqttsPort: 0, awsPort: 0, httpPort: 0 };
    const options = { logger: pino({ level: 'silent' }), dashboard: false };
    const start = async () => {
      const c = new LocalCloud(config, options);
      await c.start();
      const claim = c.provisioning.claim;
      const mode = (await import('node:fs')).statSync(claim.privateKeyPath).mode & 0o777;
      await c.stop();
      return { id: claim.certificateId, mode };
    };

    // Act
    const first = await start();
    const again = await start();
    await rm(join(dir, 'cloud', 'ca'), { recursive: true });
    const newCa = await start();
    await rm(dir, { recursive: true, force: true });

    // Assess
    expect(again.id).toBe(first.id);
    expect(newCa.id).not.toBe(first.id);
    expect(first.mode).toBe(0o600);
  });
});
