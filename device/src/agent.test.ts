/**
 * DoorAgent against a real broker (aedes, in process). Roles: `broker` is the cloud side
 * (it also publishes commands and shadow documents), `sensor`/`reader`/`buzzer` are the
 * simulated inputs, `clock` drives the agent's own timers (heartbeat, held-open).
 */
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { type AgentConfig, parseAgentConfig, topics } from '@smartdoor/shared';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../../test/support/aedes-broker.js';
import { ManualClock } from '../../test/support/manual-clock.js';
import { waitUntil } from '../../test/support/wait.js';
import { DoorAgent, LOG_REDACT_PATHS } from './agent.js';
import { SimulatedBadgeReader, SimulatedBuzzer } from './inputs/simulated-badge-reader.js';
import { SimulatedDoorSensor } from './inputs/simulated-door-sensor.js';
import { MemoryOutbox, MemoryOutboxStore } from './outbox/memory-outbox.js';
import { MqttJsTransport } from './transport/mqttjs-transport.js';

const THING = 'door-001';
const SECRET = 'a-test-secret-of-enough-bytes';

describe('Class: DoorAgent', () => {
  let broker: TestBroker;
  let config: AgentConfig;
  let clock: ManualClock;
  let sensor: SimulatedDoorSensor;
  let reader: SimulatedBadgeReader;
  let buzzer: SimulatedBuzzer;
  let store: MemoryOutboxStore;
  let agent: DoorAgent;

  const makeAgent = () =>
    new DoorAgent({
      config,
      sensor,
      badgeReader: reader,
      buzzer,
      badgeSecret: SECRET,
      transport: new MqttJsTransport({ url: broker.url, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } }),
      outbox: new MemoryOutbox({ store }),
      clock,
      logger: pino({ level: 'silent' }),
    });

  const events = () => broker.json<{ type: string; seq: number; state?: string }>(topics.events(THING));

  beforeEach(async () => {
    broker = await startTestBroker();
    config = parseAgentConfig({
      thingName: THING,
      mqtt: { endpoint: broker.url },
      door: { heartbeatIntervalSeconds: 60, heldOpenLimitSeconds: 30 },
    });
    clock = new ManualClock();
    sensor = new SimulatedDoorSensor({ initial: 'closed', clock });
    reader = new SimulatedBadgeReader({ clock });
    buzzer = new SimulatedBuzzer();
    store = new MemoryOutboxStore();
    agent = makeAgent();
    await agent.start();
    await waitUntil(() => agent.status().connection === 'connected', 'connected');
  });

  afterEach(async () => {
    await agent.stop();
    await broker.close();
  });

  describe('Method: start', () => {
    it('publishes door events in order and removes each from the outbox on its PUBACK', async () => {
      // Act
      sensor.open();
      sensor.close();
      // Assess
      await waitUntil(() => events().length === 3, 'three events');
      expect(events().map((e) => [e.seq, e.state])).toEqual([
        [1, 'closed'],
        [2, 'open'],
        [3, 'closed'],
      ]);
      await waitUntil(() => agent.status().outbox.depth === 0, 'empty outbox');
      expect(agent.status()).toMatchObject({ counters: { accepted: 3, published: 3 } });
      expect(agent.status().lastPubackAt).toBeDefined();
    });

    it('sets the retained status online and asks for the shadow', async () => {
      // Assess
      const status = await waitUntil(() => broker.retained(topics.status(THING)), 'status');
      expect(JSON.parse(status.toString())).toMatchObject({ state: 'online' });
      await waitUntil(
        () => broker.received.some((r) => r.topic === topics.shadow(THING, 'get')),
        'shadow get',
      );
    });

    it('keeps events while the broker is away and sends the backlog in order when it returns', async () => {
      // Prepare
      await waitUntil(() => events().length === 1, 'initial event');
      await broker.pause();
      await waitUntil(() => agent.status().connection !== 'connected', 'disconnected');
      // Act
      for (let i = 0; i < 20; i++) {
        clock.advance(1_000); // slower than flapping (10 changes within 5 s)
        sensor.set(i % 2 === 0 ? 'open' : 'closed');
      }
      expect(agent.status().outbox.depth).toBe(20);
      await broker.resume();
      // Assess
      await waitUntil(() => events().length >= 21, 'backlog');
      const seqs = [...new Set(events().map((e) => e.seq))];
      expect(seqs).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
      await waitUntil(() => agent.status().outbox.depth === 0, 'empty outbox');
    });

    it('sends a badge reference, never the badge id', async () => {
      // Act
      reader.scan('0012345678');
      // Assess
      await waitUntil(() => events().some((e) => e.type === 'badge.read'), 'badge.read');
      const read = broker
        .json<{ type: string; badgeRef: string }>(topics.events(THING))
        .find((e) => e.type === 'badge.read')!;
      expect(read.badgeRef).toBe(createHmac('sha256', SECRET).update('0012345678').digest('hex'));
      expect(broker.received.some((r) => r.payload.includes('0012345678'))).toBe(false);
    });

    it('sends a heartbeat every interval on the injected clock', async () => {
      // Act
      clock.advance(60_000);
      // Assess
      await waitUntil(() => events().some((e) => e.type === 'device.heartbeat'), 'heartbeat');
      const hb = broker
        .json<Record<string, unknown>>(topics.events(THING))
        .find((e) => e.type === 'device.heartbeat');
      expect(hb).toMatchObject({ uptimeSeconds: 60, doorState: 'closed', agentVersion: '0.1.0' });
    });

    it('raises door.held.open when the door stays open past the limit', async () => {
      // Prepare
      sensor.open();
      // Act
      clock.advance(30_000);
      // Assess
      await waitUntil(() => events().some((e) => e.type === 'door.held.open'), 'held open');
      expect(events().find((e) => e.type === 'door.held.open')).toMatchObject({ limitSeconds: 30 });
    });

    it('raises sensor.error once for a run of read errors and clears it on the next reading', async () => {
      // Act
      sensor.fail(new Error('EIO reading GPIO17'));
      sensor.fail(new Error('EIO reading GPIO17'));
      sensor.open();
      // Assess
      await waitUntil(() => events().length === 4, 'fault, clear, open');
      const faults = broker
        .json<{ type: string; fault?: string; active?: boolean; message?: string }>(topics.events(THING))
        .filter((e) => e.type === 'device.fault');
      expect(faults).toMatchObject([
        { fault: 'sensor.error', active: true, message: 'EIO reading GPIO17' },
        { fault: 'sensor.error', active: false },
      ]);
    });
  });

  describe('Method: stop', () => {
    it('sets the retained status offline and can resume from the same outbox', async () => {
      // Act
      await agent.stop();
      // Assess
      const status = await broker.retained(topics.status(THING));
      expect(JSON.parse(status!.toString())).toMatchObject({ state: 'offline' });
      expect(agent.running).toBe(false);
      agent = makeAgent();
      await agent.start();
      sensor.open();
      await waitUntil(() => events().some((e) => e.state === 'open'), 'event after restart');
      expect(events().at(-1)?.seq).toBe(events().length);
    });
  });

  describe('Commands and shadow', () => {
    it('sounds the buzzer for a command and ignores a repeat of the same commandId', async () => {
      // Act
      const command = JSON.stringify({ name: 'buzzer', commandId: 'c-1', durationMs: 500 });
      await broker.publish(topics.commands(THING), command);
      await broker.publish(topics.commands(THING), command);
      await broker.publish(topics.commands(THING), '{"name":"explode"}');
      // Assess
      await waitUntil(() => agent.counters.badCloudMessages === 1, 'bad command counted');
      expect(buzzer.sounds).toEqual([500]);
      expect(agent.counters).toMatchObject({ commands: 1, duplicateCommands: 1 });
    });

    it('applies settings from a shadow delta and reports them back', async () => {
      // Act
      await broker.publish(
        topics.shadow(THING, 'update/delta'),
        // heartbeatIntervalSeconds 1 is under the minimum of 5: refused alone, the rest applies.
        JSON.stringify({
          version: 2,
          state: { heldOpenLimitSeconds: 5, debounceMs: 120, heartbeatIntervalSeconds: 1 },
        }),
      );
      // Assess
      await waitUntil(() => agent.settings.heldOpenLimitSeconds === 5, 'settings applied');
      expect(sensor.debounceMs).toBe(120);
      const reports = await waitUntil(() => {
        const r = broker.json<{ state: { reported: object } }>(topics.shadow(THING, 'update'));
        return r.length > 0 && r;
      }, 'report');
      expect(reports.at(-1)?.state.reported).toEqual({
        heldOpenLimitSeconds: 5,
        heartbeatIntervalSeconds: 60,
        debounceMs: 120,
      });
      expect(agent.settings.heartbeatIntervalSeconds).toBe(60);
      expect(agent.counters.badCloudMessages).toBe(1);
    });

    it('applies the delta found in get/accepted', async () => {
      // Act
      await broker.publish(
        topics.shadow(THING, 'get/accepted'),
        JSON.stringify({
          state: { desired: { heldOpenLimitSeconds: 9 }, delta: { heldOpenLimitSeconds: 9 } },
        }),
      );
      // Assess
      await waitUntil(() => agent.settings.heldOpenLimitSeconds === 9, 'settings applied');
    });
  });
});

describe('Constant: LOG_REDACT_PATHS', () => {
  it('keeps badge ids and secrets out of log lines', () => {
    // Prepare
    let out = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        out += chunk.toString();
        done();
      },
    });
    const logger = pino({ redact: LOG_REDACT_PATHS }, sink);
    // Act
    logger.info({ badgeId: '0012345678', scan: { badgeId: '0099' }, secret: 's3cret', key: 'PEM' }, 'scan');
    // Assess
    expect(out).not.toMatch(/0012345678|0099|s3cret|PEM/);
    expect(out).toContain('[Redacted]');
  });
});
