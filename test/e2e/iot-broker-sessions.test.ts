/**
 * Persistent sessions (clean session 0) on the local IoT Core broker, against a real MQTT
 * client (MQTT.js over TCP): kept for a client that comes back in time, ended with their
 * queued messages for one that does not, as IoT Core ends them after its session expiry.
 */
import { IotBroker, listenMqtt } from '@smartdoor/cloud';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { waitUntil } from '../support/wait.js';

const silent = pino({ level: 'silent' });

async function startBroker(persistentSessionExpiryMs: number): Promise<{ broker: IotBroker; url: string }> {
  const broker = new IotBroker({ logger: silent, persistentSessionExpiryMs });
  await broker.start();
  const tcp = await listenMqtt(broker, { port: 0 });
  onTestFinished(async () => {
    await tcp.close();
    await broker.stop();
  });
  return { broker, url: tcp.url };
}

/** A persistent-session client; resolves at CONNACK with its sessionPresent and what it receives. */
async function persistentClient(
  url: string,
  clientId: string,
): Promise<{ client: MqttClient; sessionPresent: boolean; received: string[] }> {
  const received: string[] = [];
  const client = mqtt.connect(url, { clientId, clean: false, reconnectPeriod: 0, connectTimeout: 5_000 });
  // Before CONNACK: a resumed session's queued messages follow it at once.
  client.on('message', (_topic, payload) => received.push(payload.toString()));
  onTestFinished(() => new Promise<void>((r) => client.end(true, {}, () => r())));
  const sessionPresent = await new Promise<boolean>((resolve, reject) => {
    client.once('connect', (connack) => resolve(connack.sessionPresent));
    client.once('error', reject);
  });
  return { client, sessionPresent, received };
}

function end(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.end(false, {}, () => resolve()));
}

async function subscribeThenLeave(url: string, clientId: string, topic: string): Promise<void> {
  const { client } = await persistentClient(url, clientId);
  await new Promise((resolve, reject) =>
    client.subscribe(topic, { qos: 1 }, (e) => (e ? reject(e) : resolve(e))),
  );
  await end(client);
}

describe('Class: IotBroker (persistent sessions)', () => {
  it('keeps the subscriptions and queued messages of a client that comes back within the expiry', async () => {
    // Prepare
    const { broker, url } = await startBroker(60_000);
    const topic = 'smartdoor/door-kept/commands';
    await subscribeThenLeave(url, 'door-kept', topic);
    await waitUntil(() => broker.waitingSessions === 1, 'the broker to see the client go');
    await broker.publish({ topic, payload: '{"command":"buzz"}', qos: 1 });

    // Act
    const back = await persistentClient(url, 'door-kept');

    // Assess
    expect(back.sessionPresent).toBe(true);
    await waitUntil(() => back.received.length === 1, 'the queued message');
    expect(back.received).toEqual(['{"command":"buzz"}']);
    expect(broker.waitingSessions).toBe(0);
  });

  it('ends the session of a client that stays away past the expiry, dropping its queued messages', async () => {
    // Prepare
    const { broker, url } = await startBroker(200);
    const topic = 'smartdoor/door-gone/commands';
    await subscribeThenLeave(url, 'door-gone', topic);
    await waitUntil(() => broker.waitingSessions === 1, 'the broker to see the client go');
    await broker.publish({ topic, payload: '{"command":"queued"}', qos: 1 });

    // Act
    await waitUntil(() => broker.waitingSessions === 0, 'the session to expire');
    const back = await persistentClient(url, 'door-gone');
    await broker.publish({ topic, payload: '{"command":"after"}', qos: 1 });
    await new Promise((r) => setTimeout(r, 300));

    // Assess: a new, empty session; neither the queued message nor one to the old
    // subscription reaches it.
    expect(back.sessionPresent).toBe(false);
    expect(back.received).toEqual([]);
  });

  it('restarts the expiry from the last disconnect of a client that came and went', async () => {
    // Prepare
    const { broker, url } = await startBroker(600);
    const topic = 'smartdoor/door-again/commands';
    await subscribeThenLeave(url, 'door-again', topic);
    await new Promise((r) => setTimeout(r, 400));
    const visit = await persistentClient(url, 'door-again');
    await waitUntil(() => broker.waitingSessions === 0, 'the broker to see the client back');
    await end(visit.client);

    // Act: past the first disconnect's expiry, within the second's.
    await new Promise((r) => setTimeout(r, 400));
    await broker.publish({ topic, payload: '{"command":"still"}', qos: 1 });
    const back = await persistentClient(url, 'door-again');

    // Assess
    expect(back.sessionPresent).toBe(true);
    await waitUntil(() => back.received.length === 1, 'the queued message');
    expect(back.received).toEqual(['{"command":"still"}']);
  });
});
