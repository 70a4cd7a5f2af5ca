/**
 * The real door agent (DoorAgent + MQTT.js over mutual TLS) takes its settings from the
 * local Device Shadow service as it would from IoT Core: an app sets `desired` with the
 * IoT Data Plane SDK, the agent applies the delta and reports, and the delta is gone
 * ("Using shadows in devices": processing messages while connected and on reconnect,
 * https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-comms-device.html).
 */
import { join } from 'node:path';
import {
  GetThingShadowCommand,
  IoTDataPlaneClient,
  UpdateThingShadowCommand,
} from '@aws-sdk/client-iot-data-plane';
import type { LocalCloud, LocalCloudEndpoints } from '@smartdoor/cloud';
import {
  DoorAgent,
  MemoryOutbox,
  MemoryOutboxStore,
  MqttJsTransport,
  SimulatedDoorSensor,
} from '@smartdoor/device';
import { parseAgentConfig } from '@smartdoor/shared';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/test-cloud.js';

describe('Class: DoorAgent with the local Device Shadow service', () => {
  let dir: string;
  let testCloud: TestCloud;
  let cloud: LocalCloud;
  let endpoints: LocalCloudEndpoints;
  let data: IoTDataPlaneClient;
  const agents: DoorAgent[] = [];

  async function agentFor(thingName: string): Promise<DoorAgent> {
    const issued = await cloud.ca.issueThingCertificate(thingName);
    const agent = new DoorAgent({
      config: parseAgentConfig({
        thingName,
        dataDir: join(dir, thingName),
        mqtt: { endpoint: endpoints.mqtts },
      }),
      sensor: new SimulatedDoorSensor({ initial: 'closed' }),
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
    return agent;
  }

  async function shadowOf(thingName: string): Promise<{ state: Record<string, Record<string, unknown>> }> {
    const out = await data.send(new GetThingShadowCommand({ thingName }));
    return JSON.parse(Buffer.from(out.payload!).toString());
  }

  const setDesired = (thingName: string, desired: object) =>
    data.send(new UpdateThingShadowCommand({ thingName, payload: JSON.stringify({ state: { desired } }) }));

  beforeAll(async () => {
    testCloud = await startTestCloud('shadow-agent');
    ({ cloud, endpoints, dir } = testCloud);
    data = new IoTDataPlaneClient({
      endpoint: endpoints.aws,
      region: cloud.config.region,
      credentials: cloud.config.credentials,
    });
  });

  afterAll(async () => {
    for (const a of agents) await a.stop();
    data?.destroy();
    await testCloud?.close();
  });

  it('applies a desired setting sent while it is connected, and reports it back', async () => {
    // Prepare
    const agent = await agentFor('door-shadow-1');
    // The agent asks for its shadow once connected and subscribed; no shadow yet: get/rejected.
    let answered = false;
    const off = cloud.onBrokerMessage('$aws/things/door-shadow-1/shadow/get/rejected', () => {
      answered = true;
    });
    await agent.start();
    await vi.waitFor(() => expect(answered).toBe(true), { timeout: 10_000 });
    off();

    // Act
    await setDesired('door-shadow-1', { heldOpenLimitSeconds: 45 });

    // Assess
    await vi.waitFor(() => expect(agent.settings.heldOpenLimitSeconds).toBe(45), { timeout: 10_000 });
    await vi.waitFor(
      async () => {
        const shadow = await shadowOf('door-shadow-1');
        expect(shadow.state.reported).toMatchObject({ heldOpenLimitSeconds: 45 });
        expect(shadow.state.delta).toBeUndefined();
      },
      { timeout: 10_000 },
    );
  });

  it('picks up a setting desired while it was offline from get/accepted when it connects', async () => {
    // Prepare
    await setDesired('door-shadow-2', { heartbeatIntervalSeconds: 120 });
    const agent = await agentFor('door-shadow-2');

    // Act
    await agent.start();

    // Assess
    await vi.waitFor(() => expect(agent.settings.heartbeatIntervalSeconds).toBe(120), { timeout: 10_000 });
    await vi.waitFor(
      async () =>
        expect((await shadowOf('door-shadow-2')).state.reported).toMatchObject({
          heartbeatIntervalSeconds: 120,
        }),
      { timeout: 10_000 },
    );
  });

  it('does not loop report/delta when desired holds a key the agent cannot apply (regression)', async () => {
    // Prepare: the shadow re-sends the delta after every accepted update that leaves one,
    // so an agent that reports on every delta feeds itself (about 11 deltas a second).
    const agent = await agentFor('door-shadow-3');
    let answered = false;
    const offGet = cloud.onBrokerMessage('$aws/things/door-shadow-3/shadow/get/rejected', () => {
      answered = true;
    });
    await agent.start();
    await vi.waitFor(() => expect(answered).toBe(true), { timeout: 10_000 });
    offGet();
    let deltas = 0;
    const offDelta = cloud.onBrokerMessage('$aws/things/door-shadow-3/shadow/update/delta', () => {
      deltas++;
    });

    // Act
    await setDesired('door-shadow-3', { unknownKey: 1, heldOpenLimitSeconds: 'soon' });
    await new Promise((r) => setTimeout(r, 1_500));
    offDelta();

    // Assess: the one delta the app's update caused, and no echo of the agent's own reports.
    expect(deltas).toBe(1);
    expect(agent.settings.heldOpenLimitSeconds).toBe(30);
  });
});
