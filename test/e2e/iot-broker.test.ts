/**
 * The local IoT Core broker against a real MQTT client (MQTT.js) over TCP and mTLS:
 * IoT Core's limits, reserved topics, the per-thing policy, duplicate client ids and the
 * lifecycle events' fields. Glossary: "door" = a client whose client id is its thing name.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BrokerMessage,
  IotBroker,
  LocalCa,
  listenMqtt,
  listenMqtts,
  type MqttListener,
  type Refusal,
} from '@smartdoor/cloud';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { waitUntil } from '../support/wait.js';

const silent = pino({ level: 'silent' });

function connect(url: string, opts: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...opts });
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => (client.connected ? client.once('close', () => resolve()) : resolve()));
}

/** A raw MQTT 3.1.1 CONNECT (clean session, no keep-alive) for socket-level tests. */
function connectPacket(clientId: string): Buffer {
  const id = Buffer.from(clientId);
  const variable = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, 0, 0]);
  const payload = Buffer.concat([Buffer.from([0, id.length]), id]);
  return Buffer.concat([Buffer.from([0x10, variable.length + payload.length]), variable, payload]);
}

/** MQTT's variable byte integer (a packet's remaining length). */
function varByteInt(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}

function end(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.end(false, {}, () => resolve()));
}

describe('Class: IotBroker', () => {
  let dir: string;
  let ca: LocalCa;
  let broker: IotBroker;
  let tcp: MqttListener;
  let tls: MqttListener;
  const lifecycle: Array<Record<string, unknown>> = [];
  const refusals: Refusal[] = [];
  const clients: MqttClient[] = [];

  async function door(clientId: string, extra: IClientOptions = {}): Promise<MqttClient> {
    const c = await connect(tcp.url, { clientId, ...extra });
    clients.push(c);
    return c;
  }

  async function lifecycleFor(
    clientId: string,
    eventType: string,
    n = 1,
  ): Promise<Array<Record<string, unknown>>> {
    const end = Date.now() + 5_000;
    for (;;) {
      const found = lifecycle.filter((e) => e.clientId === clientId && e.eventType === eventType);
      if (found.length >= n) return found;
      if (Date.now() > end) throw new Error(`no ${eventType} event for ${clientId}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iot-broker-'));
    ca = await LocalCa.open({ dir: join(dir, 'ca') });
    broker = new IotBroker({ logger: silent });
    await broker.start();
    broker.onMessage('$aws/events/#', (m: BrokerMessage) => lifecycle.push(JSON.parse(m.payload.toString())));
    broker.on('refused', (r: Refusal) => refusals.push(r));
    tcp = await listenMqtt(broker, { port: 0 });
    tls = await listenMqtts(broker, {
      port: 0,
      caCertPem: ca.caCertPem,
      serverCertPem: ca.serverCertPem,
      serverKeyPem: ca.serverKeyPem,
    });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => new Promise<void>((r) => c.end(true, {}, () => r()))));
  });

  afterAll(async () => {
    await tcp.close();
    await tls.close();
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  });

  describe('Method: handle (limits)', () => {
    it('disconnects a client that publishes over 128 KB, with CLIENT_ERROR', async () => {
      // Prepare
      const c = await door('door-big');

      // Act
      c.publish('smartdoor/door-big/events', Buffer.alloc(128 * 1024 + 1, 0x61), { qos: 1 });
      await closed(c);

      // Assess
      const [event] = await lifecycleFor('door-big', 'disconnected');
      expect(event).toMatchObject({ disconnectReason: 'CLIENT_ERROR', clientInitiatedDisconnect: false });
      expect(refusals.at(-1)).toMatchObject({ action: 'limit', clientId: 'door-big' });
      expect(refusals.at(-1)!.reason).toContain('131073 bytes');
    });

    it('accepts exactly 128 KB', async () => {
      // Prepare
      const c = await door('door-max');
      const got = new Promise<BrokerMessage>((resolve) => {
        const off = broker.onMessage('smartdoor/door-max/events', (m) => {
          off();
          resolve(m);
        });
      });

      // Act
      c.publish('smartdoor/door-max/events', Buffer.alloc(128 * 1024, 0x61), { qos: 1 });

      // Assess
      expect((await got).payload.length).toBe(128 * 1024);
    });

    it.each([
      ['more than 7 slashes', 'smartdoor/door-deep/a/b/c/d/e/f/g', '8 slashes'],
      ['more than 256 bytes', `smartdoor/door-deep/${'x'.repeat(240)}`, 'bytes'],
    ])('disconnects a client publishing to a topic with %s', async (_name, topic, reason) => {
      // Prepare
      const c = await door('door-deep');

      // Act
      c.publish(topic, 'x', { qos: 1 });
      await closed(c);

      // Assess
      expect(refusals.at(-1)).toMatchObject({ action: 'limit', clientId: 'door-deep', topic });
      expect(refusals.at(-1)!.reason).toContain(reason);
    });

    it('disconnects a client publishing with QoS 2 and grants QoS 1 to a QoS 2 subscription', async () => {
      // Prepare
      const c = await door('door-qos');
      const granted = await new Promise<Array<{ qos: number }>>((resolve, reject) =>
        c.subscribe('smartdoor/door-qos/commands', { qos: 2 }, (err, g) => (err ? reject(err) : resolve(g))),
      );

      // Act
      c.publish('smartdoor/door-qos/events', 'x', { qos: 2 });
      await closed(c);

      // Assess
      expect(granted.map((g) => g.qos)).toEqual([1]);
      expect(refusals.at(-1)).toMatchObject({ action: 'limit', clientId: 'door-qos' });
      expect(refusals.at(-1)!.reason).toContain('QoS 2');
    });

    it('disconnects a client publishing to a reserved $aws topic other than its shadow, with AUTH_ERROR', async () => {
      // Prepare
      const c = await door('door-res');

      // Act
      c.publish('$aws/events/presence/connected/door-other', '{}', { qos: 1 });
      await closed(c);

      // Assess
      const [event] = await lifecycleFor('door-res', 'disconnected');
      expect(event!.disconnectReason).toBe('AUTH_ERROR');
      expect(refusals.at(-1)).toMatchObject({ action: 'publish', clientId: 'door-res' });
    });

    it('keeps a retained status, and disconnects a door retaining anything else (iot:RetainPublish)', async () => {
      // Prepare
      const c = await door('door-ret');
      await new Promise((r) => c.publish('smartdoor/door-ret/status', 'online', { qos: 1, retain: true }, r));

      // Act
      c.publish('smartdoor/door-ret/events', '{}', { qos: 1, retain: true });
      await closed(c);

      // Assess
      expect(refusals.filter((r) => r.topic === 'smartdoor/door-ret/status')).toEqual([]);
      const [event] = await lifecycleFor('door-ret', 'disconnected');
      expect(event!.disconnectReason).toBe('AUTH_ERROR');
      expect(refusals.at(-1)!.reason).toContain(
        'may not publish a retained message to "smartdoor/door-ret/events"',
      );
    });

    it.each([
      ['after CONNECT', true],
      ['without CONNECT', false],
    ])('closes a connection announcing a packet over the cap %s, before buffering it', async (_name, withConnect) => {
      // Prepare: a raw socket announcing a 10 MB PUBLISH; only its first bytes are sent.
      const socket = tcpConnect(Number(new URL(tcp.url).port), '127.0.0.1');
      socket.on('error', () => {});
      const gone = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      if (withConnect) socket.write(connectPacket('door-huge'));
      const topic = Buffer.from('smartdoor/door-huge/events');
      const length = 2 + topic.length + 10 * 1024 * 1024;
      const header = Buffer.from([0x30, ...varByteInt(length), 0, topic.length]);

      // Act
      socket.write(Buffer.concat([header, topic, Buffer.alloc(1024, 0x61)]));

      // Assess: closed with nothing more sent.
      await gone;
      expect(refusals.at(-1)).toMatchObject({ action: 'limit' });
      expect(refusals.at(-1)!.reason).toContain(`packet of ${length} bytes`);
    });

    it('answers SUBACK 128 past 8 filters in one SUBSCRIBE, 50 on a connection, or a filter over the topic limits', async () => {
      // Prepare: a client whose policy lets it subscribe anywhere, so that only the limits refuse.
      broker.setPolicyOverride((req) =>
        req.clientId === 'door-subs' && req.action === 'subscribe' ? { allow: true } : undefined,
      );
      onTestFinished(() => broker.setPolicyOverride(undefined));
      const c = await door('door-subs');
      const subscribe = (filters: string[]) =>
        new Promise<number[]>((resolve, reject) =>
          c.subscribe(filters, { qos: 1 }, (err, g) =>
            err ? reject(err) : resolve((g ?? []).map((x) => x.qos)),
          ),
        );
      const filters = (from: number, n: number) =>
        Array.from({ length: n }, (_, i) => `smartdoor/door-subs/f${from + i}`);

      // Act
      const deep = await subscribe(['smartdoor/door-subs/a/b/c/d/e/f/g']);
      const long = await subscribe([`smartdoor/door-subs/${'x'.repeat(240)}`]);
      const ten = await subscribe(filters(0, 10));
      for (let i = 8; i < 48; i += 8) await subscribe(filters(i, 8));
      const past50 = await subscribe(filters(48, 3));
      const again = await subscribe(filters(0, 1));

      // Assess
      expect(ten).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 128, 128]);
      expect(past50).toEqual([1, 1, 128]);
      expect(again).toEqual([1]);
      expect([deep, long]).toEqual([[128], [128]]);
      expect(c.connected).toBe(true);
      expect(refusals.filter((r) => r.clientId === 'door-subs').map((r) => r.reason)).toEqual([
        expect.stringContaining('8 slashes'),
        expect.stringContaining('bytes'),
        expect.stringContaining('more than 8 subscriptions in one SUBSCRIBE'),
        expect.stringContaining('more than 8 subscriptions in one SUBSCRIBE'),
        expect.stringContaining('more than 50 subscriptions on one connection'),
      ]);
    });
  });

  describe('Method: handle (policy)', () => {
    it('answers SUBACK 128 to a subscription on another thing and keeps the connection', async () => {
      // Prepare
      const c = await door('door-sub');

      // Act
      const granted = await new Promise<Array<{ qos: number }>>((resolve, reject) =>
        c.subscribe(['smartdoor/door-other/commands', 'smartdoor/door-sub/commands'], { qos: 1 }, (err, g) =>
          err ? reject(err) : resolve(g),
        ),
      );

      // Assess
      expect(granted.map((g) => g.qos)).toEqual([128, 1]);
      expect(c.connected).toBe(true);
    });

    it('delivers a cloud publish on its commands topic to the door', async () => {
      // Prepare
      const c = await door('door-cmd');
      await new Promise((r) => c.subscribe('smartdoor/door-cmd/commands', { qos: 1 }, r));
      const got = new Promise<string>((resolve) => c.once('message', (_t, p) => resolve(p.toString())));

      // Act
      await broker.publish({ topic: 'smartdoor/door-cmd/commands', payload: '{"command":"buzz"}', qos: 1 });

      // Assess
      expect(await got).toBe('{"command":"buzz"}');
    });

    it('hands Basic Ingest messages to handlers but to no subscriber', async () => {
      // Prepare: a client whose policy allows Basic Ingest and its whole subtree (the door
      // policy allows neither).
      broker.setPolicyOverride((req) => (req.clientId === 'door-bi' ? { allow: true } : undefined));
      onTestFinished(() => broker.setPolicyOverride(undefined));
      const c = await door('door-bi');
      await new Promise((r) => c.subscribe('smartdoor/door-bi/#', { qos: 1 }, r));
      const delivered: string[] = [];
      c.on('message', (t) => delivered.push(t));
      const handled = new Promise<BrokerMessage>((resolve) => {
        const off = broker.onMessage('$aws/rules/#', (m) => {
          off();
          resolve(m);
        });
      });

      // Act
      c.publish('$aws/rules/smartdoor_events/smartdoor/door-bi/events', '{}', { qos: 1 });
      const message = await handled;
      await new Promise((r) => c.publish('smartdoor/door-bi/events', 'marker', { qos: 1 }, r));
      await new Promise((r) => setTimeout(r, 50));

      // Assess
      expect(message).toMatchObject({
        topic: '$aws/rules/smartdoor_events/smartdoor/door-bi/events',
        clientId: 'door-bi',
      });
      expect(delivered).toEqual(['smartdoor/door-bi/events']);
    });

    it('refuses a CONNECT whose client id is not a thing name (CONNACK not authorized)', async () => {
      // Prepare
      const before = broker.refusals.connect;

      // Act
      const outcome = await connect(tcp.url, { clientId: 'not a thing' }).catch((e: Error) => e);

      // Assess
      expect(outcome).toBeInstanceOf(Error);
      expect((outcome as Error).message).toMatch(/Not authorized/i);
      expect(broker.refusals.connect).toBe(before + 1);
    });
  });

  describe('Method: setConnectionCheck', () => {
    it('refuses a connection the registry check refuses, with its reason', async () => {
      // Prepare
      broker.setConnectionCheck(async (info) =>
        info.clientId === 'door-revoked' ? 'certificate is REVOKED' : undefined,
      );

      // Act
      const refused = await connect(tcp.url, { clientId: 'door-revoked' }).catch((e: Error) => e);
      const allowed = await door('door-active');
      broker.setConnectionCheck(undefined);

      // Assess
      expect(refused).toBeInstanceOf(Error);
      expect(refusals.at(-1)).toMatchObject({
        action: 'connect',
        clientId: 'door-revoked',
        reason: 'certificate is REVOKED',
      });
      expect(allowed.connected).toBe(true);
    });
  });

  describe('Method: handle (mTLS)', () => {
    it('connects a door whose client id is its certificate CN, and reports the certificate id', async () => {
      // Prepare
      const issued = await ca.issueThingCertificate('door-tls');

      // Act
      const c = await connect(tls.url, {
        clientId: 'door-tls',
        ca: ca.caCertPem,
        cert: issued.certificatePem,
        key: issued.privateKeyPem!,
      });
      clients.push(c);

      // Assess
      const [event] = await lifecycleFor('door-tls', 'connected');
      expect(event!.principalIdentifier).toBe(issued.certificateId);
    });

    it('refuses a door presenting another thing certificate', async () => {
      // Prepare
      const issued = await ca.issueThingCertificate('door-a');

      // Act
      const outcome = await connect(tls.url, {
        clientId: 'door-b',
        ca: ca.caCertPem,
        cert: issued.certificatePem,
        key: issued.privateKeyPem!,
      }).catch((e: Error) => e);

      // Assess
      expect(outcome).toBeInstanceOf(Error);
      expect(refusals.at(-1)).toMatchObject({ action: 'connect', clientId: 'door-b' });
    });

    it('never completes the handshake with a client certificate from another CA', async () => {
      // Prepare
      const other = await LocalCa.open({ dir: join(dir, 'other-ca') });
      const issued = await other.issueThingCertificate('door-x');

      // Act
      const outcome = await connect(tls.url, {
        clientId: 'door-x',
        ca: ca.caCertPem,
        cert: issued.certificatePem,
        key: issued.privateKeyPem!,
      }).catch((e: Error) => e);

      // Assess
      expect(outcome).toBeInstanceOf(Error);
      expect(lifecycle.some((e) => e.clientId === 'door-x')).toBe(false);
    });
  });

  describe('Method: handle (lifecycle)', () => {
    it('disconnects the first of two connections with one client id, with DUPLICATE_CLIENTID', async () => {
      // Prepare
      const first = await door('door-dup');
      const firstClosed = closed(first);

      // Act
      const second = await door('door-dup', { reconnectPeriod: 0 });
      await firstClosed;

      // Assess
      const [disconnected] = await lifecycleFor('door-dup', 'disconnected');
      const connected = await lifecycleFor('door-dup', 'connected', 2);
      expect(disconnected).toMatchObject({
        disconnectReason: 'DUPLICATE_CLIENTID',
        clientInitiatedDisconnect: false,
        sessionIdentifier: connected[0]!.sessionIdentifier,
      });
      expect(second.connected).toBe(true);
      expect(connected[1]!.versionNumber).toBe((connected[0]!.versionNumber as number) + 1);
    });

    it('publishes the documented fields on connect and on a client-initiated disconnect', async () => {
      // Prepare
      const c = await door('door-life');

      // Act
      await end(c);

      // Assess
      const [connected] = await lifecycleFor('door-life', 'connected');
      const [disconnected] = await lifecycleFor('door-life', 'disconnected');
      expect(Object.keys(connected!).sort()).toEqual(
        [
          'clientId',
          'eventType',
          'ipAddress',
          'principalIdentifier',
          'sessionIdentifier',
          'timestamp',
          'versionNumber',
        ].sort(),
      );
      expect(connected).toMatchObject({
        clientId: 'door-life',
        eventType: 'connected',
        ipAddress: '127.0.0.1',
      });
      expect(disconnected).toMatchObject({
        clientId: 'door-life',
        eventType: 'disconnected',
        clientInitiatedDisconnect: true,
        disconnectReason: 'CLIENT_INITIATED_DISCONNECT',
        sessionIdentifier: connected!.sessionIdentifier,
        principalIdentifier: 'tcp/door-life',
        versionNumber: connected!.versionNumber,
      });
      expect(disconnected).not.toHaveProperty('ipAddress');
    });

    it('reports CONNECTION_LOST when the socket drops without DISCONNECT', async () => {
      // Prepare
      const c = await door('door-lost');

      // Act
      (c as unknown as { stream: { destroy(): void } }).stream.destroy();

      // Assess
      const [event] = await lifecycleFor('door-lost', 'disconnected');
      expect(event!.disconnectReason).toBe('CONNECTION_LOST');
    });

    it('reports CONNECTION_LOST, not AUTH_ERROR, for a dropped door whose will the policy refuses', async () => {
      // Prepare: a will on another thing's topic, which is refused when the door drops.
      const c = await door('door-will', {
        will: { topic: 'smartdoor/door-other/status', payload: Buffer.from('x'), qos: 1, retain: false },
      });

      // Act
      (c as unknown as { stream: { destroy(): void } }).stream.destroy();

      // Assess
      const [event] = await lifecycleFor('door-will', 'disconnected');
      expect(event!.disconnectReason).toBe('CONNECTION_LOST');
      await waitUntil(
        () => refusals.some((r) => r.clientId === 'door-will' && r.action === 'publish'),
        'the will refused',
      );
    });

    it('reports MQTT_KEEP_ALIVE_TIMEOUT after 1.5 keep-alive periods of silence', async () => {
      // Prepare: a raw socket that sends CONNECT (keepalive 1 s) and then nothing, not even PINGREQ.
      const port = Number(new URL(tcp.url).port);
      const socket = tcpConnect(port, '127.0.0.1');
      const id = Buffer.from('door-idle');
      const variable = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, 0, 1]);
      const payload = Buffer.concat([Buffer.from([0, id.length]), id]);

      // Act
      socket.write(Buffer.concat([Buffer.from([0x10, variable.length + payload.length]), variable, payload]));

      // Assess
      const [event] = await lifecycleFor('door-idle', 'disconnected');
      expect(event!.disconnectReason).toBe('MQTT_KEEP_ALIVE_TIMEOUT');
      socket.destroy();
    });
  });
});
