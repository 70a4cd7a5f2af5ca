/**
 * The aws-iot-device-sdk-v2 MQTT 5 transport against a real mosquitto with mutual TLS
 * (client certificates required, CN as username, per-thing ACL), as IoT Core would be.
 * Roles: `door-001` is the transport under test, `observer` a client that may read all.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Mosquitto, startMosquitto } from '../../../test/support/mosquitto.js';
import { makeTestPki, type TestPki } from '../../../test/support/pki.js';
import { waitUntil } from '../../../test/support/wait.js';
import { PublishRefusedError } from '../core/errors.js';
import { AwsIotTransport } from './aws-iot-transport.js';
import { MqttJsTransport } from './mqttjs-transport.js';
import type { ConnectionState } from './types.js';

describe('Class: AwsIotTransport', () => {
  let dir: string;
  let pki: TestPki;
  let broker: Mosquitto;
  let observer: MqttJsTransport;
  const seen: Array<{ topic: string; payload: string }> = [];
  const open: AwsIotTransport[] = [];

  const transportFor = (thing: string) => {
    const t = new AwsIotTransport({
      host: '127.0.0.1',
      port: broker.port,
      cert: readFileSync(pki.clients[thing]!.cert, 'utf8'),
      key: readFileSync(pki.clients[thing]!.key, 'utf8'),
      ca: readFileSync(pki.caCert, 'utf8'),
      reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
    });
    open.push(t);
    return t;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smartdoor-mosquitto-'));
    pki = makeTestPki(dir, ['door-001', 'door-002', 'observer']);
    broker = await startMosquitto({ pki, dir });
    observer = new MqttJsTransport({
      url: broker.url,
      ca: readFileSync(pki.caCert),
      cert: readFileSync(pki.clients.observer!.cert),
      key: readFileSync(pki.clients.observer!.key),
      protocolVersion: 5,
    });
    observer.onMessage((topic, payload) => seen.push({ topic, payload: payload.toString() }));
    await observer.subscribe(['smartdoor/#']);
    await observer.connect({ clientId: 'observer' });
    await waitUntil(() => observer.state === 'connected', `observer connected (${broker.log()})`);
  });

  afterEach(async () => {
    for (const t of open.splice(0)) await t.disconnect();
  });

  afterAll(async () => {
    await observer?.disconnect();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('Method: publish', () => {
    it('connects with the client certificate and resolves on PUBACK for its own topic', async () => {
      // Prepare
      const door = transportFor('door-001');
      await door.connect({ clientId: 'door-001' });
      await waitUntil(() => door.state === 'connected', `door connected (${broker.log()})`);
      // Act
      await door.publish('smartdoor/door-001/events', '{"n":1}', { qos: 1 });
      // Assess
      await waitUntil(() => seen.some((m) => m.topic === 'smartdoor/door-001/events'), 'delivery');
      expect(seen.find((m) => m.topic === 'smartdoor/door-001/events')?.payload).toBe('{"n":1}');
    });

    it("is refused (PUBACK 0x87 Not authorized) on another door's topic, and nothing is delivered", async () => {
      // Prepare
      const door = transportFor('door-001');
      await door.connect({ clientId: 'door-001' });
      await waitUntil(() => door.state === 'connected', 'door connected');
      // Act
      const attempt = door.publish('smartdoor/door-002/events', '{"spoof":true}', { qos: 1 });
      // Assess
      const err = await attempt.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(PublishRefusedError);
      expect((err as PublishRefusedError).reasonCode).toBe(0x87);
      await door.publish('smartdoor/door-001/events', '{"after":true}');
      await waitUntil(() => seen.some((m) => m.payload === '{"after":true}'), 'later delivery');
      expect(seen.some((m) => m.topic === 'smartdoor/door-002/events')).toBe(false);
    });
  });

  describe('Method: subscribe', () => {
    it('receives commands on its own topic', async () => {
      // Prepare
      const door = transportFor('door-002');
      const got: string[] = [];
      door.onMessage((topic, payload) => got.push(`${topic} ${payload}`));
      await door.subscribe(['smartdoor/door-002/commands']);
      await door.connect({ clientId: 'door-002' });
      await waitUntil(() => door.state === 'connected', 'door connected');
      const cloud = transportFor('door-002');
      await cloud.connect({ clientId: 'door-002-cloud' });
      await waitUntil(() => cloud.state === 'connected', 'cloud connected');
      // Act
      await cloud.publish('smartdoor/door-002/commands', 'beep');
      // Assess
      await waitUntil(() => got.length > 0, 'command');
      expect(got).toEqual(['smartdoor/door-002/commands beep']);
    });
  });

  describe('Method: connect', () => {
    it('leaves a retained will when the broker loses the connection, and reconnects', async () => {
      // Prepare
      const door = transportFor('door-001');
      await door.connect({
        clientId: 'door-001',
        will: { topic: 'smartdoor/door-001/status', payload: '{"state":"offline"}', qos: 1, retain: true },
      });
      await waitUntil(() => door.state === 'connected', 'door connected');
      const states: string[] = [];
      door.onConnectionChange((s) => states.push(s));
      // Act: a second connection with the same client id takes over; the broker drops the
      // first without a DISCONNECT from it, so the will goes out. Once the second one has
      // gone, the first one's own reconnection is the only one left.
      const twin = transportFor('door-001');
      await twin.connect({ clientId: 'door-001' });
      await waitUntil(
        () => seen.some((m) => m.topic === 'smartdoor/door-001/status' && m.payload.includes('offline')),
        'will',
      );
      await waitUntil(() => states.includes('disconnected'), 'first connection dropped');
      await twin.disconnect();
      // Assess
      await waitUntil(
        () => door.state === 'connected' && states.indexOf('connected', states.indexOf('disconnected')) > 0,
        'the first transport connected again',
      );
      await door.publish('smartdoor/door-001/events', '{"after":"reconnect"}');
      await waitUntil(
        () => seen.some((m) => m.payload === '{"after":"reconnect"}'),
        'delivery after reconnecting',
      );
    });

    it('refuses a broker whose certificate another CA signed: the TLS handshake never completes', async () => {
      // Prepare: a TLS server that asks for the door's certificate (it trusts the door's CA)
      // but shows a server certificate from another CA: one impersonating the real broker.
      // The handshake completes on its side only once the door has checked the server's
      // certificate and answered: a door that did not check would, in tens of ms.
      const otherDir = mkdtempSync(join(tmpdir(), 'smartdoor-other-ca-'));
      const other = makeTestPki(otherDir, []);
      const sockets = new Set<Socket>();
      let handshakes = 0;
      const rogue = createTlsServer(
        {
          cert: readFileSync(other.serverCert),
          key: readFileSync(other.serverKey),
          ca: readFileSync(pki.caCert),
          requestCert: true,
          rejectUnauthorized: true,
        },
        (socket) => {
          handshakes++;
          socket.destroy();
        },
      );
      rogue.on('connection', (socket: Socket) => sockets.add(socket));
      rogue.on('tlsClientError', () => {});
      rmSync(otherDir, { recursive: true, force: true });
      await new Promise<void>((r) => rogue.listen(0, '127.0.0.1', () => r()));
      const door = new AwsIotTransport({
        host: '127.0.0.1',
        port: (rogue.address() as AddressInfo).port,
        cert: readFileSync(pki.clients['door-001']!.cert, 'utf8'),
        key: readFileSync(pki.clients['door-001']!.key, 'utf8'),
        ca: readFileSync(pki.caCert, 'utf8'),
        reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
      });
      open.push(door);
      const states: ConnectionState[] = [];
      door.onConnectionChange((state) => states.push(state));
      try {
        // Act
        await door.connect({ clientId: 'door-001' });
        await waitUntil(() => sockets.size > 0, 'the door to reach the server');
        // The CRT's TLS (s2n) says why only after its "blinding" delay, a random 10 to 30 s
        // that hides the reason from an attacker: so the refusal is read on the server's side.
        await new Promise((r) => setTimeout(r, 2_000));
        // Assess
        expect(handshakes).toBe(0);
        expect(states).not.toContain('connected');
      } finally {
        // The door holds its side open until its delay is over: close the server's first.
        for (const socket of sockets) socket.destroy();
        await door.disconnect();
        await new Promise((r) => rogue.close(() => r(undefined)));
      }
    });
  });
});
