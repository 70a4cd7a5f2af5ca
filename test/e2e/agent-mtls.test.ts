/**
 * The DoorAgent built by buildAgent() from a config file's worth of settings, talking
 * MQTT 5 with mutual TLS through aws-iot-device-sdk-v2 to a real mosquitto that enforces
 * a per-thing ACL, as IoT Core would. Roles: `agent` is door-001, `observer` may read
 * every topic, `cloud` is a second client allowed on door-001's topics (it sends commands).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAgentConfig, topics } from '@smartdoor/shared';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoorAgent } from '../../device/src/agent.js';
import { buildAgent } from '../../device/src/agent-factory.js';
import { SimulatedBuzzer } from '../../device/src/inputs/simulated-badge-reader.js';
import { SimulatedDoorSensor } from '../../device/src/inputs/simulated-door-sensor.js';
import { MqttJsTransport } from '../../device/src/transport/mqttjs-transport.js';
import { type Mosquitto, startMosquitto } from '../support/mosquitto.js';
import { makeTestPki, type TestPki } from '../support/pki.js';
import { waitUntil } from '../support/wait.js';

describe('E2E: DoorAgent over MQTT 5 with mutual TLS (aws-iot-device-sdk-v2, mosquitto)', () => {
  let dir: string;
  let pki: TestPki;
  let broker: Mosquitto;
  let observer: MqttJsTransport;
  let agent: DoorAgent;
  const sensor = new SimulatedDoorSensor();
  const buzzer = new SimulatedBuzzer();
  const seen: Array<{ topic: string; payload: string }> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smartdoor-agent-mtls-'));
    pki = makeTestPki(dir, ['door-001', 'observer']);
    broker = await startMosquitto({ pki, dir });
    observer = new MqttJsTransport({
      url: broker.url,
      ca: readFileSync(pki.caCert),
      cert: readFileSync(pki.clients.observer!.cert),
      key: readFileSync(pki.clients.observer!.key),
      protocolVersion: 5,
    });
    observer.onMessage((topic, payload) => seen.push({ topic, payload: payload.toString() }));
    await observer.subscribe(['smartdoor/#', '$aws/things/+/shadow/#']);
    await observer.connect({ clientId: 'observer' });
    await waitUntil(() => observer.state === 'connected', 'observer connected');
    const config = parseAgentConfig({
      thingName: 'door-001',
      dataDir: join(dir, 'data'),
      mqtt: {
        endpoint: `mqtts://127.0.0.1:${broker.port}`,
        transport: 'aws-iot',
        caFile: pki.caCert,
        certFile: pki.clients['door-001']!.cert,
        keyFile: pki.clients['door-001']!.key,
      },
      badgeReader: { enabled: false },
    });
    agent = await buildAgent(config, { sensor, buzzer, logger: pino({ level: 'silent' }) });
    await agent.start();
    await waitUntil(() => agent.status().connection === 'connected', `agent connected (${broker.log()})`);
  });

  afterAll(async () => {
    await agent?.stop();
    await observer?.disconnect();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes door events and its online status through the aws-iot transport', async () => {
    // Act
    sensor.open();
    // Assess
    await waitUntil(
      () => seen.filter((m) => m.topic === topics.events('door-001')).length >= 2,
      'initial state and open',
    );
    const events = seen
      .filter((m) => m.topic === topics.events('door-001'))
      .map((m) => JSON.parse(m.payload));
    expect(events.map((e) => [e.seq, e.state])).toEqual([
      [1, 'closed'],
      [2, 'open'],
    ]);
    // The subscriber may hear of the event before the agent has its PUBACK.
    await waitUntil(() => agent.status().outbox.depth === 0, 'both acknowledged');
    expect(agent.status().transport).toBe('aws-iot');
    expect(seen.some((m) => m.topic === topics.status('door-001') && m.payload.includes('online'))).toBe(
      true,
    );
  });

  it('asks for its shadow on connect and obeys a buzzer command', async () => {
    // Prepare
    const cloud = new MqttJsTransport({
      url: broker.url,
      ca: readFileSync(pki.caCert),
      cert: readFileSync(pki.clients['door-001']!.cert),
      key: readFileSync(pki.clients['door-001']!.key),
      protocolVersion: 5,
    });
    await cloud.connect({ clientId: 'door-001-cloud' });
    await waitUntil(() => cloud.state === 'connected', 'cloud connected');
    // Act
    await cloud.publish(
      topics.commands('door-001'),
      JSON.stringify({ name: 'buzzer', commandId: 'c-9', durationMs: 300 }),
    );
    // Assess
    await waitUntil(() => buzzer.sounds.length === 1, 'buzzer');
    expect(buzzer.sounds).toEqual([300]);
    expect(seen.some((m) => m.topic === topics.shadow('door-001', 'get'))).toBe(true);
    await cloud.disconnect();
  });

  it('keeps its events when the broker refuses them (certificate of another thing) and never drops them', async () => {
    // Prepare: door-002's config with door-001's certificate, as after a mix-up at install.
    const config = parseAgentConfig({
      thingName: 'door-002',
      dataDir: join(dir, 'data-002'),
      mqtt: {
        endpoint: `mqtts://127.0.0.1:${broker.port}`,
        transport: 'aws-iot',
        caFile: pki.caCert,
        certFile: pki.clients['door-001']!.cert,
        keyFile: pki.clients['door-001']!.key,
      },
      badgeReader: { enabled: false },
    });
    const wrong = await buildAgent(config, {
      sensor: new SimulatedDoorSensor(),
      logger: pino({ level: 'silent' }),
    });
    // Act
    await wrong.start();
    // Assess: connected (its subscriptions are refused, its events too), nothing delivered or lost.
    await waitUntil(
      () => wrong.status().connection === 'connected',
      'connected despite refused subscriptions',
    );
    await waitUntil(() => wrong.status().counters.publishErrors > 0, 'a refused publish');
    expect(wrong.status().outbox.depth).toBe(1);
    expect(seen.some((m) => m.topic === topics.events('door-002'))).toBe(false);
    await wrong.stop();
  });
});
