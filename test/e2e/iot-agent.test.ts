/**
 * The real door agent (DoorAgent + MQTT.js transport over mutual TLS, certificate from the
 * local CA) against the local cloud: its door events reach the bus, and it cannot speak
 * for another door.
 */
import { join } from 'node:path';
import type { LocalCloud, LocalCloudEndpoints } from '@smartdoor/cloud';
import {
  DoorAgent,
  MemoryOutbox,
  MemoryOutboxStore,
  MqttJsTransport,
  SimulatedDoorSensor,
} from '@smartdoor/device';
import { type BusEvent, parseAgentConfig } from '@smartdoor/shared';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/test-cloud.js';

describe('Class: DoorAgent against LocalCloud', () => {
  let dir: string;
  let testCloud: TestCloud;
  let cloud: LocalCloud;
  let endpoints: LocalCloudEndpoints;
  const bus: BusEvent[] = [];
  const agents: DoorAgent[] = [];

  async function agentFor(thingName: string, certThing = thingName) {
    const issued = await cloud.ca.issueThingCertificate(certThing);
    const sensor = new SimulatedDoorSensor({ initial: 'closed' });
    const agent = new DoorAgent({
      config: parseAgentConfig({
        thingName,
        dataDir: join(dir, thingName),
        mqtt: { endpoint: endpoints.mqtts },
      }),
      sensor,
      transport: new MqttJsTransport({
        url: endpoints.mqtts,
        ca: cloud.ca.caCertPem,
        cert: issued.certificatePem,
        key: issued.privateKeyPem!,
        reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
      }),
      outbox: new MemoryOutbox({ store: new MemoryOutboxStore() }),
      logger: pino({ level: 'silent' }),
    });
    agents.push(agent);
    return { agent, sensor };
  }

  beforeAll(async () => {
    testCloud = await startTestCloud('iot-agent');
    ({ cloud, endpoints, dir } = testCloud);
    cloud.subscribeBus((e) => bus.push(e));
  });

  afterAll(async () => {
    for (const a of agents) await a.stop();
    await testCloud?.close();
  });

  it('puts a door opening on the bus as Door State Changed for that thing', async () => {
    // Prepare
    const { agent, sensor } = await agentFor('door-agent-1');
    await agent.start();
    await vi.waitFor(() => expect(agent.status().connection).toBe('connected'), { timeout: 10_000 });

    // Act
    sensor.open();

    // Assess
    await vi.waitFor(
      () =>
        expect(
          bus.some(
            (e) =>
              e['detail-type'] === 'Door State Changed' &&
              (e.detail as { state?: string; metadata?: { thingName?: string } }).state === 'open' &&
              (e.detail as { metadata?: { thingName?: string } }).metadata?.thingName === 'door-agent-1',
          ),
        ).toBe(true),
      { timeout: 10_000 },
    );
    expect(bus.some((e) => e['detail-type'] === 'Device Connected')).toBe(true);
  });

  it('never connects an agent whose thing name differs from its certificate', async () => {
    // Prepare
    const before = cloud.broker.refusals.connect;
    const { agent } = await agentFor('door-agent-2', 'door-agent-3');

    // Act
    await agent.start();

    // Assess
    await vi.waitFor(() => expect(cloud.broker.refusals.connect).toBeGreaterThan(before), {
      timeout: 10_000,
    });
    expect(agent.status().connection).not.toBe('connected');
  });
});
