/**
 * Nothing acknowledged is lost: a QoS 1 message is journaled before its PUBACK and leaves
 * the journal only when the topic handlers (the rules engine) finished. A broker that died
 * in between hands the message to the handlers again at the next start.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BrokerMessage,
  IotBroker,
  listenMqtt,
  type MqttListener,
  SqliteMessageJournal,
} from '@smartdoor/cloud';

import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const silent = pino({ level: 'silent' });

function connect(url: string, clientId: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { clientId, reconnectPeriod: 0 });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

function publish(c: MqttClient, topic: string, payload: string, qos: 0 | 1): Promise<void> {
  return new Promise((resolve, reject) =>
    c.publish(topic, payload, { qos }, (err) => (err ? reject(err) : resolve())),
  );
}

describe('Method: IotBroker.replayJournal', () => {
  let dir: string;
  let db: Database.Database;
  let broker: IotBroker;
  let listener: MqttListener;
  let client: MqttClient | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iot-journal-'));
    db = new Database(join(dir, 'state.db'));
    broker = new IotBroker({ logger: silent, journal: new SqliteMessageJournal(db) });
    await broker.start();
    listener = await listenMqtt(broker, { port: 0 });
  });

  afterEach(async () => {
    client?.end(true);
    await listener.close();
    await broker.stop();
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('replays an acknowledged message whose handlers never finished, after a restart', async () => {
    // Prepare: a handler that never finishes stands for a crash before the bus stored the event.
    broker.onMessage('smartdoor/#', () => new Promise(() => {}));
    client = await connect(listener.url, 'door-1');
    await publish(client, 'smartdoor/door-1/events', '{"seq":1}', 1);
    client.end(true);
    await listener.close();
    await broker.stop();

    // Act
    const restarted = new IotBroker({ logger: silent, journal: new SqliteMessageJournal(db) });
    await restarted.start();
    const seen: BrokerMessage[] = [];
    restarted.onMessage('smartdoor/#', async (m) => {
      seen.push(m);
    });
    const replayed = restarted.replayJournal();
    await new Promise((r) => setImmediate(r));
    const left = new SqliteMessageJournal(db).pending();
    await restarted.stop();
    listener = await listenMqtt(broker, { port: 0 });

    // Assess
    expect(replayed).toBe(1);
    expect(seen.map((m) => [m.topic, m.payload.toString(), m.clientId])).toEqual([
      ['smartdoor/door-1/events', '{"seq":1}', 'door-1'],
    ]);
    expect(left).toEqual([]);
  });

  it('removes a message once its handlers finished, and never journals QoS 0', async () => {
    // Prepare
    let release!: () => void;
    const done = new Promise<void>((r) => {
      release = r;
    });
    broker.onMessage('smartdoor/#', () => done);
    client = await connect(listener.url, 'door-2');

    // Act
    await publish(client, 'smartdoor/door-2/events', 'q1', 1);
    await publish(client, 'smartdoor/door-2/events', 'q0', 0);
    await new Promise((r) => setTimeout(r, 50));
    const whileRunning = new SqliteMessageJournal(db).pending().map((p) => p.message.payload.toString());
    release();
    await new Promise((r) => setTimeout(r, 20));
    const after = new SqliteMessageJournal(db).pending();

    // Assess
    expect(whileRunning).toEqual(['q1']);
    expect(after).toEqual([]);
  });
});
