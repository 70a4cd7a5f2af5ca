/**
 * Fleet provisioning by claim against the local cloud, end to end: the device makes its
 * key and CSR, the local cloud's fleet provisioning MQTT API issues the certificate and
 * RegisterThing makes the thing; the door then connects with its own certificate and its
 * events reach the bus. The claim certificate cannot speak for a door; a rerun changes
 * nothing; a revoked certificate is refused at the next connection.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { IoTClient, ListThingPrincipalsCommand, UpdateCertificateCommand } from '@aws-sdk/client-iot';
import type { LocalCloud, LocalCloudEndpoints } from '@smartdoor/cloud';
import {
  DoorAgent,
  MemoryOutbox,
  MemoryOutboxStore,
  MqttJsTransport,
  SimulatedDoorSensor,
} from '@smartdoor/device';
import { loadAgentConfig } from '@smartdoor/device/config/load-agent-config';
import { provisionDevice } from '@smartdoor/device/provisioning/provision-device';
import { loadAwsIotSdk } from '@smartdoor/device/transport/aws-iot-transport';
import type { BusEvent } from '@smartdoor/shared';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/test-cloud.js';

const TEMPLATE = 'smartdoor-door';

describe('Function: provisionDevice against LocalCloud', () => {
  let dir: string;
  let testCloud: TestCloud;
  let cloud: LocalCloud;
  let endpoints: LocalCloudEndpoints;
  let iot: IoTClient;
  const bus: BusEvent[] = [];
  const agents: DoorAgent[] = [];

  const claimOptions = (name: string) => ({
    claimCertFile: cloud.provisioning.claim.certificatePath,
    claimKeyFile: cloud.provisioning.claim.privateKeyPath,
    templateName: TEMPLATE,
    endpoint: endpoints.mqtts,
    caFile: cloud.provisioning.claim.caPath,
    configPath: join(dir, name, 'agent.json'),
    outDir: join(dir, name, 'certs'),
    timeoutMs: 10_000,
  });

  function agentFrom(configPath: string) {
    const config = loadAgentConfig({ path: configPath, env: {} });
    const sensor = new SimulatedDoorSensor({ initial: 'closed' });
    const agent = new DoorAgent({
      config: { ...config, dataDir: join(dir, config.thingName) },
      sensor,
      transport: new MqttJsTransport({
        url: config.mqtt.endpoint,
        ca: readFileSync(config.mqtt.caFile!),
        cert: readFileSync(config.mqtt.certFile!),
        key: readFileSync(config.mqtt.keyFile!),
        reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
      }),
      outbox: new MemoryOutbox({ store: new MemoryOutboxStore() }),
      logger: pino({ level: 'silent' }),
    });
    agents.push(agent);
    return { agent, sensor, config };
  }

  /** An MQTT.js (4.x at the root) client over mTLS, resolved once CONNACK says yes. */
  function connectWith(certFile: string, keyFile: string, clientId: string): Promise<mqtt.MqttClient> {
    const client = mqtt.connect(endpoints.mqtts, {
      clientId,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5_000,
      ca: readFileSync(cloud.provisioning.claim.caPath),
      cert: readFileSync(certFile),
      key: readFileSync(keyFile),
    });
    return new Promise((resolve, reject) => {
      client.once('connect', () => resolve(client));
      client.once('error', (err) => {
        client.end(true);
        reject(err);
      });
    });
  }
  const end = (c: mqtt.MqttClient) => new Promise<void>((r) => c.end(true, {}, () => r()));

  beforeAll(async () => {
    testCloud = await startTestCloud('provision-claim');
    ({ cloud, endpoints, dir } = testCloud);
    cloud.subscribeBus((e) => bus.push(e));
    iot = new IoTClient({
      endpoint: endpoints.aws,
      region: cloud.config.region,
      credentials: cloud.config.credentials,
    });
  });

  afterAll(async () => {
    for (const a of agents) await a.stop();
    iot?.destroy();
    await testCloud?.close();
  });

  it('provisions a new door that connects with its own certificate and puts its events on the bus', async () => {
    // Prepare
    const options = { ...claimOptions('d1'), serial: 'SN001' };

    // Act
    const result = await provisionDevice(options);
    const { agent, sensor, config } = agentFrom(options.configPath);
    await agent.start();
    await vi.waitFor(() => expect(agent.status().connection).toBe('connected'), { timeout: 10_000 });
    sensor.open();

    // Assess
    expect(result).toMatchObject({ status: 'provisioned', thingName: 'door-SN001' });
    expect(config.thingName).toBe('door-SN001');
    expect(statSync(result.keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(result.certFile).mode & 0o777).toBe(0o600);
    expect(statSync(options.outDir).mode & 0o777).toBe(0o700);
    expect(cloud.provisioning.registry.grants(result.certificateId)).toMatchObject({
      status: 'ACTIVE',
      things: ['door-SN001'],
      policies: ['smartdoor-door'],
    });
    await vi.waitFor(
      () =>
        expect(
          bus.some(
            (e) =>
              e['detail-type'] === 'Door State Changed' &&
              (e.detail as { metadata?: { thingName?: string } }).metadata?.thingName === 'door-SN001',
          ),
        ).toBe(true),
      { timeout: 10_000 },
    );
  });

  it('refuses door topics to the claim certificate', async () => {
    // Prepare
    const claim = cloud.provisioning.claim;
    const before = cloud.broker.refusals.publish;
    const refusals: Array<{ action: string; reason: string }> = [];
    cloud.broker.on('refused', (r) => refusals.push(r));
    const client = await connectWith(claim.certificatePath, claim.privateKeyPath, 'claim-probe');
    const closed = new Promise<void>((r) => client.once('close', () => r()));

    // Act
    client.publish('smartdoor/door-SN001/events', JSON.stringify({ schemaVersion: 1 }), { qos: 1 });
    await closed;

    // Assess
    expect(cloud.broker.refusals.publish).toBe(before + 1);
    expect(refusals).toContainEqual(
      expect.objectContaining({ action: 'publish', reason: expect.stringContaining('claim certificate') }),
    );
    await end(client);
  });

  it('changes nothing when run again on a provisioned door', async () => {
    // Prepare
    const options = { ...claimOptions('d1'), serial: 'SN001' };
    const configBefore = readFileSync(options.configPath, 'utf8');
    const certBefore = readFileSync(join(options.outDir, 'device.crt'), 'utf8');
    const principals = await iot.send(new ListThingPrincipalsCommand({ thingName: 'door-SN001' }));

    // Act
    const result = await provisionDevice(options);

    // Assess
    expect(result.status).toBe('already-provisioned');
    expect(readFileSync(options.configPath, 'utf8')).toBe(configBefore);
    expect(readFileSync(join(options.outDir, 'device.crt'), 'utf8')).toBe(certBefore);
    const after = await iot.send(new ListThingPrincipalsCommand({ thingName: 'door-SN001' }));
    expect(after.principals).toEqual(principals.principals);
  });

  it('provisions with CreateKeysAndCertificate when asked to', async () => {
    // Prepare
    const options = { ...claimOptions('d2'), serial: 'SN002', createKeys: true };

    // Act
    const result = await provisionDevice(options);

    // Assess
    expect(result).toMatchObject({ status: 'provisioned', thingName: 'door-SN002' });
    const client = await connectWith(result.certFile, result.keyFile, 'door-SN002');
    expect(client.connected).toBe(true);
    await end(client);
  });

  it('closes the open connection and refuses the next one once the certificate is revoked', async () => {
    // Prepare
    const options = { ...claimOptions('d3'), serial: 'SN003' };
    const result = await provisionDevice(options);
    const open = await connectWith(result.certFile, result.keyFile, 'door-SN003');
    const closed = new Promise<void>((r) => open.once('close', () => r()));

    // Act
    await iot.send(
      new UpdateCertificateCommand({ certificateId: result.certificateId, newStatus: 'REVOKED' }),
    );

    // Assess: the open connection is closed (IoT Core does it "within a few minutes"), the next refused
    await closed;
    await end(open);
    await expect(connectWith(result.certFile, result.keyFile, 'door-SN003')).rejects.toThrow(
      /Not authorized/i,
    );
  });

  it('provisions through the aws-iot-device-sdk-v2 identity client where aws-crt loads', async (ctx) => {
    // Prepare
    const loaded = await loadAwsIotSdk().then(
      () => true,
      () => false,
    );
    if (!loaded) ctx.skip(); // aws-crt has no binary for this platform: the MQTT.js tests above cover the API
    const lines: string[] = [];
    const options = {
      ...claimOptions('d4'),
      serial: 'SN004',
      client: 'aws-iot' as const,
      log: (l: string) => lines.push(l),
    };

    // Act
    const result = await provisionDevice(options);

    // Assess
    expect(lines).toContain('identity client: aws-iot-device-sdk-v2');
    expect(result).toMatchObject({ status: 'provisioned', thingName: 'door-SN004' });
  });
});
