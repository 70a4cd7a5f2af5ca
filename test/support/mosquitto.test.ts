import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MqttJsTransport } from '../../device/src/transport/mqttjs-transport.js';
import { type Mosquitto, startMosquitto } from './mosquitto.js';
import { makeTestPki, type TestPki } from './pki.js';
import { waitUntil } from './wait.js';

/** The race in the helper, made certain: the next port it picks is taken as soon as it lets go. */
const race = vi.hoisted(() => ({ stealNext: false, thieves: [] as Server[] }));

vi.mock('node:net', async (importOriginal) => {
  const net = await importOriginal<typeof import('node:net')>();
  const createServer = ((...args: Parameters<typeof net.createServer>) => {
    const server = net.createServer(...args);
    if (!race.stealNext) return server;
    race.stealNext = false;
    const close = server.close.bind(server);
    server.close = ((done?: (err?: Error) => void) => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      return close((err) => {
        // Another process binds the port between the helper's check and mosquitto's bind.
        const thief = net.createServer((s) => s.destroy());
        race.thieves.push(thief);
        thief.listen(port, '127.0.0.1', () => done?.(err));
      });
    }) as typeof server.close;
    return server;
  }) as typeof net.createServer;
  return { ...net, createServer, default: { ...net, createServer } };
});

describe('Class: Mosquitto', () => {
  let dir: string;
  let pki: TestPki;
  let broker: Mosquitto | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smartdoor-mosquitto-helper-'));
    pki = makeTestPki(dir, ['observer']);
  });

  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
    for (const t of race.thieves.splice(0)) await new Promise((r) => t.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  describe('Method: start', () => {
    it('starts on another free port when the one it picked is taken before mosquitto binds it', async () => {
      // Prepare
      race.stealNext = true;
      // Act
      broker = await startMosquitto({ pki, dir });
      // Assess: not the taken port, and it is mosquitto that answers there.
      const taken = race.thieves.map((t) => (t.address() as { port: number }).port);
      expect(taken).toHaveLength(1);
      expect(broker.port).not.toBe(taken[0]);
      expect(broker.log()).toMatch(/Address already in use[\s\S]* running/);
      const client = new MqttJsTransport({
        url: broker.url,
        ca: readFileSync(pki.caCert),
        cert: readFileSync(pki.clients.observer!.cert),
        key: readFileSync(pki.clients.observer!.key),
      });
      try {
        await client.connect({ clientId: 'observer' });
        await waitUntil(() => client.state === 'connected', `connected (${broker?.log()})`);
      } finally {
        await client.disconnect();
      }
    });
  });
});
