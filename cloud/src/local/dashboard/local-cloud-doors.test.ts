// The dashboard's doors on the real local cloud: which things get a tile (a door that sent a
// device event through ingest, a registered thing; not any MQTT client), and that they are
// still there, offline, after a restart.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCloud } from '../local-cloud.js';
import type { DoorTile } from './dashboard-state.js';

const PORTS = { mqttPort: 0, mqttsPort: 0, awsPort: 0, httpPort: 0 };

async function client(url: string, clientId: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { clientId, reconnectPeriod: 0 });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

async function doors(dashboard: string): Promise<Array<Pick<DoorTile, 'thingName' | 'state' | 'connected'>>> {
  const state = (await (await fetch(`${dashboard}/api/state`)).json()) as { doors: DoorTile[] };
  return state.doors
    .map(({ thingName, state, connected }) => ({ thingName, state, connected }))
    .sort((a, b) => a.thingName.localeCompare(b.thingName));
}

describe('Class: LocalCloud (dashboard doors)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dashboard-doors-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('shows doors only, and shows them offline after a restart', async () => {
    // Prepare: a door that sends an event, an ops client that only watches, a registered thing
    const logger = pino({ level: 'silent' });
    const first = new LocalCloud({ dataDir: dir, ...PORTS }, { logger });
    const endpoints = await first.start();
    first.provisioning.registry.createThing('door-reg');
    const ops = await client(endpoints.mqtt!, 'ops-monitor');
    const door = await client(endpoints.mqtt!, 'door-001');
    const event = {
      schemaVersion: 1,
      type: 'door.state.changed',
      thingName: 'door-001',
      seq: 1,
      occurredAt: new Date().toISOString(),
      idempotencyKey: randomUUID(),
      state: 'open',
    };
    await new Promise<void>((resolve, reject) =>
      door.publish('smartdoor/door-001/events', JSON.stringify(event), { qos: 1 }, (e) =>
        e ? reject(e) : resolve(),
      ),
    );
    await expect
      .poll(() => doors(endpoints.dashboard), { timeout: 5_000 })
      .toEqual([{ thingName: 'door-001', state: 'open', connected: true }]);
    // Act: the door dies (no DISCONNECT: end(true) drops its socket), the cloud restarts
    door.end(true);
    await new Promise((r) => ops.end(false, {}, () => r(undefined)));
    await first.stop();
    const second = new LocalCloud({ dataDir: dir, ...PORTS }, { logger });
    const again = await second.start();
    const after = await doors(again.dashboard);
    await second.stop();
    // Assess
    expect(after).toEqual([
      { thingName: 'door-001', state: 'unknown', connected: false },
      { thingName: 'door-reg', state: 'unknown', connected: false },
    ]);
  });
});
