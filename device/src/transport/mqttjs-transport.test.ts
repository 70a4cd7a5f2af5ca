import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAgentConfig } from '@smartdoor/shared';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../../../test/support/aedes-broker.js';
import { ManualClock } from '../../../test/support/manual-clock.js';
import { type Mosquitto, startMosquitto } from '../../../test/support/mosquitto.js';
import { makeTestPki } from '../../../test/support/pki.js';
import { waitUntil } from '../../../test/support/wait.js';
import type { Clock } from '../core/clock.js';
import { ConnectionLostError, NotConnectedError, PayloadTooLargeError } from '../core/errors.js';
import { STABLE_CONNECTION_MS } from './backoff.js';
import { createTransport } from './create-transport.js';
import { MqttJsTransport } from './mqttjs-transport.js';
import type { ConnectionState } from './types.js';

describe('Class: MqttJsTransport', () => {
  let broker: TestBroker;
  let transport: MqttJsTransport;
  let states: ConnectionState[];

  beforeEach(async () => {
    broker = await startTestBroker();
    transport = new MqttJsTransport({ url: broker.url, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
    states = [];
    transport.onConnectionChange((s) => states.push(s));
  });

  afterEach(async () => {
    await transport.disconnect();
    await broker.close();
  });

  const connect = async () => {
    await transport.connect({
      clientId: 'door-001',
      will: { topic: 'smartdoor/door-001/status', payload: '{"state":"offline"}', qos: 1, retain: true },
    });
    await waitUntil(() => transport.state === 'connected', 'connected');
  };

  describe('Method: publish', () => {
    it('resolves once the broker has the message (PUBACK)', async () => {
      // Prepare
      await connect();
      // Act
      await transport.publish('smartdoor/door-001/events', '{"n":1}', { qos: 1 });
      // Assess
      expect(broker.json('smartdoor/door-001/events')).toEqual([{ n: 1 }]);
    });

    it('rejects with NotConnectedError before connecting', async () => {
      // Act / Assess
      await expect(transport.publish('smartdoor/door-001/events', '{}')).rejects.toBeInstanceOf(
        NotConnectedError,
      );
    });

    it('rejects a payload over 128 KB with PayloadTooLargeError', async () => {
      // Prepare
      await connect();
      // Act / Assess
      await expect(
        transport.publish('smartdoor/door-001/events', 'x'.repeat(128 * 1024 + 1)),
      ).rejects.toBeInstanceOf(PayloadTooLargeError);
    });

    it('rejects with ConnectionLostError when the connection drops before the PUBACK', async () => {
      // Prepare: the broker holds the publish (no PUBACK) until the connection is gone.
      await broker.close();
      broker = await startTestBroker({ authorizePublish: () => {} });
      transport = new MqttJsTransport({
        url: broker.url,
        reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
      });
      await connect();
      const publish = transport.publish('smartdoor/door-001/events', '{}');
      await new Promise((r) => setTimeout(r, 50));
      // Act
      await broker.pause();
      // Assess
      await expect(publish).rejects.toBeInstanceOf(ConnectionLostError);
    });
  });

  describe('Method: connect', () => {
    it('reconnects after the broker comes back and renews its subscriptions', async () => {
      // Prepare
      const got: string[] = [];
      transport.onMessage((topic, payload) => got.push(`${topic} ${payload}`));
      await transport.subscribe(['smartdoor/door-001/commands']);
      await connect();
      await broker.pause();
      await waitUntil(() => transport.state !== 'connected', 'disconnected');
      // Act
      await broker.resume();
      await waitUntil(() => transport.state === 'connected', 'reconnected');
      await waitUntil(() => broker.aedes.connectedClients === 1, 'client known to the broker');
      await new Promise((r) => setTimeout(r, 50));
      await broker.publish('smartdoor/door-001/commands', 'beep');
      // Assess
      await waitUntil(() => got.length === 1, 'message');
      expect(got).toEqual(['smartdoor/door-001/commands beep']);
      expect(states.filter((s) => s === 'connected')).toHaveLength(2);
    });

    it('grows the backoff when the broker accepts then drops each connection, and resets it after a stable one', async () => {
      // Prepare: the broker kicks every client 20 ms after CONNACK (IoT Core on a duplicate
      // client id); reconnect timers run on a manual clock, the sockets in real time.
      let kick = true;
      broker.aedes.on('clientReady', (client) => {
        if (kick) setTimeout(() => client.close(), 20);
      });
      const manual = new ManualClock(0);
      const delays: number[] = [];
      const clock: Clock = {
        now: () => manual.now(),
        setTimeout: (fn, ms) => {
          if (ms !== STABLE_CONNECTION_MS) delays.push(ms);
          return manual.setTimeout(fn, ms);
        },
        clearTimeout: (h) => manual.clearTimeout(h),
      };
      await transport.disconnect();
      transport = new MqttJsTransport({
        url: broker.url,
        clock,
        random: () => 0.999,
        reconnect: { initialDelayMs: 1_000, maxDelayMs: 60_000 },
      });
      await transport.connect({ clientId: 'door-001' });
      // Act
      for (let i = 1; i <= 4; i++) {
        await waitUntil(() => delays.length === i, `reconnect ${i} scheduled`);
        manual.advance(delays[i - 1]!);
      }
      await waitUntil(() => delays.length === 5, 'reconnect 5 scheduled');
      kick = false;
      manual.advance(delays[4]!);
      await waitUntil(() => transport.state === 'connected', 'stable connection');
      manual.advance(STABLE_CONNECTION_MS);
      for (const c of Object.values(
        (broker.aedes as unknown as { clients: Record<string, { close(): void }> }).clients,
      ))
        c.close();
      await waitUntil(() => delays.length === 6, 'reconnect after the stable connection');
      // Assess
      expect(delays).toEqual([999, 1_998, 3_996, 7_992, 15_984, 999]);
    });

    it('leaves the will (retained offline) when the connection dies uncleanly', async () => {
      // Prepare
      await connect();
      // Act: the broker loses the socket without a DISCONNECT packet.
      for (const client of Object.values(
        (broker.aedes as unknown as { clients: Record<string, { conn: { destroy(): void } }> }).clients,
      )) {
        client.conn.destroy();
      }
      // Assess
      const will = await waitUntil(() => broker.retained('smartdoor/door-001/status'), 'will');
      expect(JSON.parse(will.toString())).toEqual({ state: 'offline' });
    });
  });

  describe('Method: disconnect', () => {
    it('disconnects cleanly, so the broker does not publish the will', async () => {
      // Prepare
      await connect();
      // Act
      await transport.disconnect();
      await waitUntil(() => broker.aedes.connectedClients === 0, 'client gone');
      // Assess
      expect(await broker.retained('smartdoor/door-001/status')).toBeUndefined();
      expect(transport.state).toBe('disconnected');
    });
  });
});

describe('Class: MqttJsTransport, checking the broker', () => {
  let dir: string;
  let broker: Mosquitto;
  let trustedCa: string;
  let door: { cert: string; key: string };

  beforeAll(async () => {
    // The broker takes the door's certificate (it trusts the door's CA) but shows a server
    // certificate that another CA signed: a broker impersonating the real one.
    dir = mkdtempSync(join(tmpdir(), 'smartdoor-rogue-broker-'));
    const trusted = makeTestPki(dir, ['door-001']);
    const other = mkdtempSync(join(tmpdir(), 'smartdoor-other-ca-'));
    const rogue = makeTestPki(other, []);
    // Into the broker's folder, which the helper makes readable to mosquitto's user.
    copyFileSync(rogue.serverCert, join(dir, 'rogue-server.pem'));
    copyFileSync(rogue.serverKey, join(dir, 'rogue-server.key'));
    rmSync(other, { recursive: true, force: true });
    trustedCa = trusted.caCert;
    door = trusted.clients['door-001']!;
    broker = await startMosquitto({
      pki: {
        ...trusted,
        serverCert: join(dir, 'rogue-server.pem'),
        serverKey: join(dir, 'rogue-server.key'),
      },
      dir,
    });
  });

  afterAll(async () => {
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a broker whose certificate is not signed by the config's caFile, saying why", async () => {
    // Prepare: the agent's transport as the agent makes it, from its config.
    const config = parseAgentConfig({
      thingName: 'door-001',
      mqtt: {
        endpoint: broker.url,
        transport: 'mqtt',
        caFile: trustedCa,
        certFile: door.cert,
        keyFile: door.key,
      },
    });
    const transport = await createTransport(config, {
      logger: pino({ level: 'silent' }),
      readFile: (p) => readFileSync(p),
    });
    expect(transport).toBeInstanceOf(MqttJsTransport);
    const seen: Array<{ state: ConnectionState; error?: Error }> = [];
    transport.onConnectionChange((state, error) => seen.push({ state, ...(error ? { error } : {}) }));
    try {
      // Act
      await transport.connect({ clientId: 'door-001' });
      const outcome = await waitUntil(
        () => seen.find((s) => s.state === 'connected' || s.error),
        'the first connection attempt to end',
      );
      // Assess: never connected, and the reason names the certificate check.
      expect(outcome.state).toBe('disconnected');
      expect((outcome.error as Error & { code?: string }).code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      expect(seen.some((s) => s.state === 'connected')).toBe(false);
    } finally {
      await transport.disconnect();
    }
  });
});
