/**
 * Door to bus through the local IoT Core, with real parts only: mosquitto_pub with a
 * certificate from the local CA over mTLS, the aedes broker, the project's topic rules,
 * the ingest function putting the events on the bus, and a bus rule + target created with
 * the real @aws-sdk/client-eventbridge.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import type { LocalCloud, LocalCloudEndpoints } from '@smartdoor/cloud';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/test-cloud.js';

const run = promisify(execFile);

interface Door {
  cert: string;
  key: string;
}

describe('Class: LocalCloud', () => {
  let test: TestCloud;
  let dir: string;
  let cloud: LocalCloud;
  let endpoints: LocalCloudEndpoints;
  let events: EventBridgeClient;
  const received: Array<Record<string, unknown>> = [];

  async function door(thingName: string): Promise<Door> {
    const issued = await cloud.ca.issueThingCertificate(thingName);
    const cert = join(dir, `${thingName}.crt`);
    const key = join(dir, `${thingName}.key`);
    await writeFile(cert, issued.certificatePem);
    await writeFile(key, issued.privateKeyPem!, { mode: 0o600 });
    return { cert, key };
  }

  async function mosquittoPub(d: Door, clientId: string, topic: string, message: string) {
    const port = new URL(endpoints.mqtts).port;
    return run(
      'mosquitto_pub',
      [
        '-h',
        '127.0.0.1',
        '-p',
        port,
        '--cafile',
        cloud.ca.caCertPath,
        '--cert',
        d.cert,
        '--key',
        d.key,
        '-i',
        clientId,
        '-t',
        topic,
        '-m',
        message,
        '-q',
        '1',
      ],
      { timeout: 10_000 },
    );
  }

  function deviceEvent(thingName: string, seq: number) {
    return {
      schemaVersion: 1,
      type: 'door.state.changed',
      thingName,
      seq,
      occurredAt: '2026-11-22T12:00:00.123Z',
      idempotencyKey: randomUUID(),
      state: 'open',
    };
  }

  async function waitFor<T>(fn: () => T | undefined, ms = 10_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = fn();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  beforeAll(async () => {
    test = await startTestCloud('iot-pipeline');
    ({ cloud, endpoints, dir } = test);
    events = new EventBridgeClient(test.sdk);
    cloud.bus.functions.register('test-sink', async (event) => {
      received.push(event as Record<string, unknown>);
    });
    await events.send(
      new PutRuleCommand({
        Name: 'test-door-events',
        EventBusName: 'smartdoor',
        EventPattern: JSON.stringify({ source: ['smartdoor.device', 'smartdoor.presence'] }),
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'test-door-events',
        EventBusName: 'smartdoor',
        Targets: [{ Id: 'sink', Arn: 'arn:aws:lambda:us-east-1:000000000000:function:test-sink' }],
      }),
    );
  });

  afterAll(async () => {
    events?.destroy();
    await test?.close();
  });

  describe('Method: start', () => {
    it('delivers a door event published over mTLS to a bus rule target in the EventBridge shape', async () => {
      // Prepare
      const d = await door('door-001');
      const event = deviceEvent('door-001', 42);

      // Act
      await mosquittoPub(d, 'door-001', 'smartdoor/door-001/events', JSON.stringify(event));

      // Assess
      const got = await waitFor(() =>
        received.find(
          (e) =>
            (e.detail as { metadata?: { 'idempotency-key'?: string } }).metadata?.['idempotency-key'] ===
            event.idempotencyKey,
        ),
      );
      expect(got).toMatchObject({
        version: '0',
        'detail-type': 'Door State Changed',
        source: 'smartdoor.device',
        account: '000000000000',
        region: 'us-east-1',
        time: '2026-11-22T12:00:00Z',
        resources: ['arn:aws:iot:us-east-1:000000000000:thing/door-001'],
        detail: {
          metadata: {
            'idempotency-key': event.idempotencyKey,
            seq: 42,
            thingName: 'door-001',
            occurredAt: event.occurredAt,
          },
          state: 'open',
        },
      });
      expect(typeof got.id).toBe('string');
    });

    it('turns the lifecycle events of a connection into Device Connected and Device Disconnected', async () => {
      // Prepare
      const d = await door('door-002');

      // Act
      await mosquittoPub(d, 'door-002', 'smartdoor/door-002/status', 'online');

      // Assess
      const connected = await waitFor(() =>
        received.find(
          (e) =>
            e['detail-type'] === 'Device Connected' &&
            (e.detail as { clientId?: string }).clientId === 'door-002',
        ),
      );
      const disconnected = await waitFor(() =>
        received.find(
          (e) =>
            e['detail-type'] === 'Device Disconnected' &&
            (e.detail as { clientId?: string }).clientId === 'door-002',
        ),
      );
      expect(connected).toMatchObject({
        source: 'smartdoor.presence',
        resources: ['arn:aws:iot:us-east-1:000000000000:thing/door-002'],
      });
      expect(disconnected.detail).toMatchObject({
        metadata: { thingName: 'door-002' },
        disconnectReason: 'CLIENT_INITIATED_DISCONNECT',
        clientInitiatedDisconnect: true,
      });
    });

    it('refuses a thing publishing on another thing topic and nothing reaches the bus', async () => {
      // Prepare
      const d = await door('door-003');
      const event = deviceEvent('door-004', 1);
      const before = cloud.broker.refusals.publish;

      // Act
      const outcome = await mosquittoPub(
        d,
        'door-003',
        'smartdoor/door-004/events',
        JSON.stringify(event),
      ).catch((e: Error) => e);

      // Assess
      expect(outcome).toBeInstanceOf(Error);
      expect(cloud.broker.refusals.publish).toBe(before + 1);
      await cloud.rules.drain();
      expect(received.some((e) => JSON.stringify(e).includes(event.idempotencyKey))).toBe(false);
    });

    it('sends a malformed door event to the ingest error queue with the reason', async () => {
      // Prepare
      const d = await door('door-005');

      // Act
      await mosquittoPub(d, 'door-005', 'smartdoor/door-005/events', '{"type":"door.state.changed"');

      // Assess
      const message = await waitFor(() => cloud.queues.peek('smartdoor-ingest-errors', 10)[0]);
      expect(JSON.parse(message.body).reason).toContain('malformed JSON');
    });
  });
  describe('Method: broker.stop', () => {
    it('reports SERVER_INITIATED_DISCONNECT on the bus and takes doors again after start', async () => {
      // Prepare
      const issued = await cloud.ca.issueThingCertificate('door-201');
      const options = {
        clientId: 'door-201',
        ca: cloud.ca.caCertPem,
        cert: issued.certificatePem,
        key: issued.privateKeyPem!,
        reconnectPeriod: 0,
      };
      const connectDoor = () =>
        new Promise<mqtt.MqttClient>((resolve, reject) => {
          const c = mqtt.connect(endpoints.mqtts, options);
          c.once('connect', () => resolve(c));
          c.once('error', reject);
        });
      const first = await connectDoor();

      // Act
      await cloud.broker.stop();
      await cloud.broker.start();
      const second = await connectDoor();

      // Assess
      const disconnected = await waitFor(() =>
        received.find(
          (e) =>
            e['detail-type'] === 'Device Disconnected' &&
            (e.detail as { clientId?: string }).clientId === 'door-201',
        ),
      );
      expect(disconnected.detail).toMatchObject({ disconnectReason: 'SERVER_INITIATED_DISCONNECT' });
      expect(second.connected).toBe(true);
      first.end(true);
      await new Promise<void>((r) => second.end(false, {}, () => r()));
    });
  });
});
