/**
 * Retained messages outlive a restart of the local cloud, as they outlive anything on IoT
 * Core: a door's retained status is there for whoever subscribes after the restart, and an
 * empty retained payload clears it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCloud } from '@smartdoor/cloud';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

function connect(url: string, clientId: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { clientId, reconnectPeriod: 0 });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

function end(c: MqttClient): Promise<void> {
  return new Promise((r) => c.end(false, {}, () => r()));
}

/**
 * What a subscriber gets on `topic`: an operator's watcher, whose own policy (on IoT Core)
 * lets it read door statuses; the door policy does not let a door subscribe to its status.
 */
async function retainedOn(cloud: LocalCloud, url: string, topic: string): Promise<string | undefined> {
  cloud.broker.setPolicyOverride((req) =>
    req.clientId === 'status-watcher' && req.action !== 'publish' ? { allow: true } : undefined,
  );
  const c = await connect(url, 'status-watcher');
  const got = new Promise<string | undefined>((resolve) => {
    c.once('message', (_t, p, packet) => resolve(packet.retain ? p.toString() : undefined));
    setTimeout(() => resolve(undefined), 500);
  });
  c.subscribe(topic, { qos: 1 });
  const value = await got;
  await end(c);
  return value;
}

describe('Class: LocalCloud (retained messages)', () => {
  let dir: string;
  const options = { logger: pino({ level: 'silent' }), dashboard: false };
  const config = () => ({ dataDir: dir, mqttPort: 0, mqttsPort: 0, awsPort: 0, httpPort: 0 });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cloud-retained-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps a retained status across a restart and clears it on an empty payload', async () => {
    // Prepare
    const first = new LocalCloud(config(), options);
    const e1 = await first.start();
    const door = await connect(e1.mqtt!, 'door-301');
    await new Promise((r) =>
      door.publish('smartdoor/door-301/status', '{"state":"online"}', { qos: 1, retain: true }, r),
    );
    await end(door);
    await first.stop();

    // Act
    const second = new LocalCloud(config(), options);
    const e2 = await second.start();
    const afterRestart = await retainedOn(second, e2.mqtt!, 'smartdoor/door-301/status');
    const listed = second.broker.retainedMessages().map((m) => [m.topic, m.payload.toString()]);
    await second.broker.publish({
      topic: 'smartdoor/door-302/commands',
      payload: 'kept',
      qos: 1,
      retain: true,
    });
    const cloudPublished = second.broker
      .retainedMessages()
      .some((m) => m.topic === 'smartdoor/door-302/commands');
    const clearer = await connect(e2.mqtt!, 'door-301');
    await new Promise((r) => clearer.publish('smartdoor/door-301/status', '', { qos: 1, retain: true }, r));
    await end(clearer);
    await second.stop();
    const third = new LocalCloud(config(), options);
    const e3 = await third.start();
    const afterClear = await retainedOn(third, e3.mqtt!, 'smartdoor/door-301/status');
    await third.stop();

    // Assess
    expect(afterRestart).toBe('{"state":"online"}');
    expect(afterClear).toBeUndefined();
    expect(listed).toEqual([['smartdoor/door-301/status', '{"state":"online"}']]);
    expect(cloudPublished).toBe(true);
  });
});
